// Writes a directory of files all at once: into a sibling temporary directory first, then swapped
// in by rename, so that an error or an interrupt never leaves half a set of manifests behind.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export class OutputError extends Error {}

/** Replaces dir with exactly these files; refuses a directory that holds files someone else wrote. */
export async function writeDirectoryAtomically(
  dir: string,
  files: ReadonlyMap<string, string>,
  marker: string,
): Promise<void> {
  const target = path.resolve(dir);
  if (existsSync(target)) {
    const entries = await readdir(target);
    const ours =
      entries.includes("kustomization.yaml") &&
      (await readFile(path.join(target, "kustomization.yaml"), "utf8")).includes(marker);
    if (entries.length > 0 && !ours) {
      throw new OutputError(
        `${dir} exists and holds files this command did not write; choose another --out, or empty it`,
      );
    }
  }
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const staging = `${target}.tmp-${suffix}`;
  const previous = `${target}.old-${suffix}`;
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await mkdir(staging);
    for (const [name, content] of files) await writeFile(path.join(staging, name), content);
    if (existsSync(target)) await rename(target, previous);
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (existsSync(previous) && !existsSync(target)) await rename(previous, target);
    throw err;
  }
  await rm(previous, { recursive: true, force: true });
}
