// A legacy system's history, read from Git without a checkout: for the importer's checks over every
// version of its files (import:history, import:digests).
import { execFileSync, spawnSync } from "node:child_process";

/**
 * A git command's output. A mirror may lack objects (a partial snapshot): git then fails part way,
 * and what it printed before is used, with a word on standard error.
 */
export function git(dir: string, args: string[]): string {
  const run = spawnSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (run.error) throw new Error(`git ${args[0]}: ${run.error.message}`);
  if (run.status !== 0) {
    const why = run.stderr.trim().split("\n")[0] ?? "";
    if (!run.stdout) throw new Error(`git ${args.join(" ")} failed: ${why}`);
    process.stderr.write(`git ${args[0]} stopped early (${why}); going on with what it read\n`);
  }
  return run.stdout;
}

/** The contents of blobs, read in one `git cat-file --batch`. */
export function readBlobs(dir: string, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const raw = execFileSync("git", ["--git-dir", dir, "cat-file", "--batch"], {
    input: `${ids.join("\n")}\n`,
    maxBuffer: 1 << 30,
  });
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf(10, at);
    const [id, type, size] = raw.subarray(at, end).toString("utf8").split(" ");
    const length = Number(size);
    if (type === "blob" && id) out.set(id, raw.subarray(end + 1, end + 1 + length).toString("utf8"));
    at = type === "missing" ? end + 1 : end + 1 + length + 1;
  }
  return out;
}

/**
 * Every version of the files the pathspecs match, in the order `git log --all` gives them: each path
 * with the blob it held (a deletion is no version).
 */
export function fileVersions(dir: string, pathspecs: readonly string[]): { path: string; blob: string }[] {
  const log = git(dir, ["log", "--all", "--format=", "--raw", "--no-abbrev", "--", ...pathspecs]);
  return log.split("\n").flatMap((line) => {
    const [meta, path] = line.split("\t");
    const blob = meta?.split(" ")[3];
    return path && blob && !/^0+$/.test(blob) ? [{ path, blob }] : [];
  });
}
