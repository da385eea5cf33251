// One line per version of every YAML file in a legacy repository's history: its path, its blob and a
// digest of what importing it alone gives (every manifest and the report, or the error). Run it
// before and after a change to the importer and diff the two: the lines that differ are the file
// versions whose import the change altered, to read one by one (git cat-file blob BLOB).
//
//   npm run -s import:digests -- GIT_DIR > before.txt
import { createHash } from "node:crypto";
import { defaultClasses, importLegacy } from "../src/legacy/import.ts";
import { fileVersions, readBlobs } from "./lib/git-history.ts";

function main(): number {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: npm run -s import:digests -- GIT_DIR > digests.txt\n");
    return 2;
  }
  // Each version once under each path it was seen at: a file's path is part of what its import reads.
  const versions = new Map(
    fileVersions(dir, ["*.yml", "*.yaml", "*Procfile", "*Procfile.*"]).map((v) => [`${v.path} ${v.blob}`, v]),
  );
  const texts = readBlobs(dir, [...new Set([...versions.values()].map((v) => v.blob))]);
  for (const [key, { path, blob }] of [...versions].sort(([a], [b]) => a.localeCompare(b))) {
    const text = texts.get(blob);
    if (text === undefined) continue;
    let outcome: string;
    try {
      const result = importLegacy([{ path, text }], { namespace: "agents", classes: defaultClasses });
      outcome = JSON.stringify([[...result.files].sort(), result.report]);
    } catch (err) {
      outcome = `error ${err instanceof Error ? err.message : String(err)}`;
    }
    process.stdout.write(`${key} ${createHash("sha256").update(outcome).digest("hex").slice(0, 16)}\n`);
  }
  return 0;
}

process.exitCode = main();
