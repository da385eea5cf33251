// npm run generate: writes the files derived from src/api (the CRDs). A unit test fails when the
// checked-in files drift from what this would write.

import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderGeneratedFiles } from "./lib/generated.ts";
import { installManifestPath, renderInstallManifest } from "./lib/install-manifest.ts";
import { repoRoot, tool } from "./lib/paths.ts";

const generated = renderGeneratedFiles();
// An agent the samples no longer define must not leave its old manifest behind.
const legacyDir = path.join(repoRoot, "manifests/legacy");
for (const name of await readdir(legacyDir).catch(() => [] as string[])) {
  if (!(`manifests/legacy/${name}` in generated)) await rm(path.join(legacyDir, name));
}
for (const [file, content] of Object.entries(generated)) {
  const target = path.join(repoRoot, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote ${file}`);
}

// The install manifest needs helm, which hack/tools.sh builds with the cluster's tools.
if (existsSync(tool("helm"))) {
  await writeFile(path.join(repoRoot, installManifestPath), await renderInstallManifest());
  console.log(`wrote ${installManifestPath}`);
} else {
  console.log(`skipped ${installManifestPath}: run npm run tools first, to build helm`);
}
