// One line per version of every YAML file in a legacy repository's history: its path, its blob and a
// digest of what importing it alone gives (every manifest and the report, or the error). Run it
// before and after a change to the importer and diff the two: the lines that differ are the file
// versions whose import the change altered, to read one by one (git cat-file blob BLOB).
//
//   npm run -s import:digests -- GIT_DIR > before.txt
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { defaultClasses, importLegacy } from "../src/legacy/import.ts";

function git(dir: string, args: string[]): { ok: boolean; out: string } {
  // Some objects of a shallow or partial mirror are missing: git says so and answers what it has.
  const run = spawnSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  return { ok: run.status === 0, out: run.stdout ?? "" };
}

function main(): number {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: npm run -s import:digests -- GIT_DIR > digests.txt\n");
    return 2;
  }
  const log = git(dir, ["log", "--all", "--format=", "--raw", "--no-abbrev", "--", "*.yml", "*.yaml"]).out;
  const versions = new Map<string, { path: string; blob: string }>();
  for (const line of log.split("\n")) {
    const m = /^:\S+ \S+ \S+ ([0-9a-f]+) \S+\t(.+)$/.exec(line);
    const [, blob, path] = m ?? [];
    if (blob && path && !/^0+$/.test(blob)) versions.set(`${path} ${blob}`, { path, blob });
  }
  for (const [key, { path, blob }] of [...versions].sort(([a], [b]) => a.localeCompare(b))) {
    const text = git(dir, ["cat-file", "blob", blob]);
    if (!text.ok) continue;
    let outcome: string;
    try {
      const result = importLegacy([{ path, text: text.out }], { namespace: "agents", classes: defaultClasses });
      outcome = JSON.stringify([[...result.files].sort(), result.report]);
    } catch (err) {
      outcome = `error ${err instanceof Error ? err.message : String(err)}`;
    }
    process.stdout.write(`${key} ${createHash("sha256").update(outcome).digest("hex").slice(0, 16)}\n`);
  }
  return 0;
}

process.exitCode = main();
