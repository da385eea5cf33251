// Every file derived from the source, by its path in the repository: what `npm run generate` writes
// and what the drift test compares.
import { stringify } from "yaml";
import { agentDeploymentCrd, gpuClassCrd } from "../../src/api/crds.ts";

const header = "# Generated from src/api by `npm run generate`. Do not edit.\n";
const yaml = (obj: unknown) => header + stringify(obj, { lineWidth: 0 });

export function renderGeneratedFiles(): Record<string, string> {
  return {
    "crds/agentfleet.io_agentdeployments.yaml": yaml(agentDeploymentCrd()),
    "crds/agentfleet.io_gpuclasses.yaml": yaml(gpuClassCrd()),
  };
}
