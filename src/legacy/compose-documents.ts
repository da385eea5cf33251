// compose (compose-go, since 2023) reads a file of several YAML documents as that many files given in
// order, each merged over those before it, as `-f a -f b` merges. So does the importer: each
// document becomes a file of the same name whose other lines are blank, so that every location
// still points at its line of the file. A stream of anything else is left whole, for the file's
// own check to say what it is (Kubernetes objects, most often).

import { isCompose } from "./compose.ts";
import { composeFragmentKinds } from "./compose-definitions.ts";
import type { LegacyFile } from "./model.ts";
import { parseYaml } from "./yaml-source.ts";

export function composeDocuments(file: LegacyFile): LegacyFile[] {
  // Most files have no document marker: they are parsed once, by the import.
  if (!/^---/m.test(file.text)) return [file];
  // A file that does not parse is left to the import to report, with its line.
  let parsed: ReturnType<typeof parseYaml>;
  try {
    parsed = parseYaml(file.path, file.text);
  } catch {
    return [file];
  }
  const documents = [parsed.root, ...parsed.laterDocuments];
  if (documents.length < 2 || !documents.every((d) => isCompose(d) || composeFragmentKinds(d))) return [file];
  const lines = file.text.split("\n");
  // Each document from the line its content starts on to the line before the next one's.
  const starts = documents.map((d) => (d?.loc.line ?? 1) - 1);
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? lines.length;
    return { ...file, text: lines.map((line, n) => (n >= start && n < end ? line : "")).join("\n") };
  });
}
