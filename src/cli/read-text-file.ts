// A file a person names on the command line, read as text. What stands in the way (no such file, a
// directory, a binary) is an error in a person's words, never the file system's (EISDIR).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isProcfileName } from "../legacy/procfile.ts";
import { decodeText } from "../lib/text-decoding.ts";

export class UnreadableFileError extends Error {}

/** A directory's YAML and JSON files (JSON is YAML) and Procfiles, as a person would name them to a command. */
async function configFilesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => []);
  return names
    .filter((n) => /\.(ya?ml|json)$/i.test(n) || isProcfileName(n))
    .sort()
    .map((n) => path.join(dir, n));
}

export async function readTextFile(file: string): Promise<string> {
  const bytes = await readFile(file).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new UnreadableFileError(`${file}: no such file`);
    if (err.code === "EISDIR") {
      const inside = await configFilesIn(file);
      throw new UnreadableFileError(
        `${file} is a directory: name the files to read${
          inside.length
            ? ` (it holds ${inside.slice(0, 4).join(" ")}${inside.length > 4 ? " …" : ""})`
            : " (it holds no YAML, JSON or Procfile)"
        }`,
      );
    }
    throw new UnreadableFileError(`${file}: ${err.message}`);
  });
  const text = decodeText(bytes);
  if (text === undefined)
    throw new UnreadableFileError(`${file} is not a text file (it holds NUL bytes): name a YAML or JSON file`);
  return text;
}
