// Every file derived from the source, by its path in the repository: what `npm run generate` writes
// and what the drift test compares.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { agentDeploymentCrd, gpuClassCrd } from "../../src/api/crds.ts";
import { checksDoc } from "../../src/audit/checks-doc.ts";
import { defaultClasses, importLegacy } from "../../src/legacy/import.ts";
import { repoRoot } from "./paths.ts";

/** The legacy samples, imported as a user would: the result is checked in under manifests/legacy/. */
export const legacySamplesDir = "src/legacy/testdata/samples";

function legacyManifests(): Record<string, string> {
  const files = readdirSync(path.join(repoRoot, legacySamplesDir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({
      path: `${legacySamplesDir}/${f}`,
      text: readFileSync(path.join(repoRoot, legacySamplesDir, f), "utf8"),
    }));
  const { files: manifests } = importLegacy(files, { namespace: "agents", classes: defaultClasses });
  return Object.fromEntries([...manifests].map(([name, content]) => [`manifests/legacy/${name}`, content]));
}

const header = "# Generated from src/api by `npm run generate`. Do not edit.\n";
const yaml = (obj: unknown) => header + stringify(obj, { lineWidth: 0 });

export function renderGeneratedFiles(): Record<string, string> {
  return {
    "crds/agentfleet.io_agentdeployments.yaml": yaml(agentDeploymentCrd()),
    "crds/agentfleet.io_gpuclasses.yaml": yaml(gpuClassCrd()),
    // Helm installs what is in a chart's crds/ before its templates, and never deletes it.
    "charts/agentfleet/crds/agentfleet.io_agentdeployments.yaml": yaml(agentDeploymentCrd()),
    "charts/agentfleet/crds/agentfleet.io_gpuclasses.yaml": yaml(gpuClassCrd()),
    "docs/audit-checks.md": checksDoc(),
    ...legacyManifests(),
  };
}
