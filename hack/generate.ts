// npm run generate: writes the files derived from src/api (the CRDs). A unit test fails when the
// checked-in files drift from what this would write.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderGeneratedFiles } from "./lib/generated.ts";
import { repoRoot } from "./lib/paths.ts";

for (const [file, content] of Object.entries(renderGeneratedFiles())) {
  const target = path.join(repoRoot, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote ${file}`);
}
