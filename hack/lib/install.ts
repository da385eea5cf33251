// Installs AgentFleet's API into the local cluster, and the sample GPU classes and fleet.
import path from "node:path";
import { kubectl } from "./cluster.ts";
import { repoRoot } from "./paths.ts";

const samples = path.join(repoRoot, "manifests/samples");

export async function installCrds(): Promise<void> {
  await kubectl([
    "apply",
    "--server-side",
    "--force-conflicts",
    "--field-manager=agentfleet-dev",
    "-f",
    path.join(repoRoot, "crds"),
  ]);
  await kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    "crd/agentdeployments.agentfleet.io",
    "crd/gpuclasses.agentfleet.io",
  ]);
}

export async function applyManifests(...files: string[]): Promise<void> {
  await kubectl([
    "apply",
    "--server-side",
    "--force-conflicts",
    "--field-manager=agentfleet-dev",
    ...files.flatMap((f) => ["-f", f]),
  ]);
}

export const sampleGpuClasses = path.join(samples, "gpuclasses.yaml");
export const sampleFleet = path.join(samples, "fleet.yaml");
