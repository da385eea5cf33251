// A config that includes others: compose's `include:` (paths, or maps with a path), or a unified
// startup config that lists the per-machine files it stands for. Imported beside the files it
// includes, it adds nothing of its own; without them, their agents are missing. Pure.
import { posix } from "node:path";
import { firstFew } from "../lib/words.ts";
import { type Finding, type Location, where } from "./model.ts";
import { child, scalar, type YNode } from "./yaml-source.ts";

/** The paths a file includes, as written. */
export function includedPaths(root: YNode | undefined): string[] {
  const include = child(root, "include");
  return (include?.kind === "seq" ? include.items : include ? [include] : []).flatMap(
    (i) => scalar(i) ?? scalar(child(i, "path")) ?? [],
  );
}

/** Whether an included path is among the files given: beside the including file, or by its tail. */
function given(file: string, path: string, files: readonly string[]): boolean {
  const beside = posix.normalize(posix.join(posix.dirname(file), path));
  const tail = posix.normalize(path).replace(/^(\.\.?\/)+/, "");
  return files.some((f) => {
    const n = posix.normalize(f);
    return n === beside || n === tail || n.endsWith(`/${tail}`);
  });
}

/**
 * What a person should know of a file's includes: those not among the files given (their agents are
 * missing), and, for a file of includes alone, that it adds nothing of its own.
 */
export function includeFinding(
  file: string,
  included: readonly string[],
  files: readonly string[],
  onlyIncludes: boolean,
  loc: Location,
): Finding | undefined {
  const missing = included.filter((p) => !given(file, p, files));
  if (missing.length)
    return {
      kind: "included-file",
      severity: "warning",
      agents: [],
      message: `${file} includes ${firstFew(missing)}, not among the files given: the agents ${missing.length === 1 ? "it defines are" : "they define are"} not imported. Import ${missing.length === 1 ? "it" : "them"} too`,
      source: where(loc),
    };
  return onlyIncludes
    ? {
        kind: "included-file",
        severity: "info",
        agents: [],
        message: `${file} only includes ${firstFew(included)}, imported as given: nothing else in it is read`,
        source: where(loc),
      }
    : undefined;
}
