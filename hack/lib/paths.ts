// Where the local cluster keeps its state: all of it under .agentfleet/ of the checkout (gitignored),
// so that two checkouts never share a cluster and `git clean -fdX` removes every trace.

import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const stateDir = path.join(repoRoot, ".agentfleet");
export const binDir = path.join(stateDir, "bin");
export const kubeconfigPath = path.join(stateDir, "kubeconfig");
export const kwokWorkdir = path.join(stateDir, "kwok");
export const kwokStagesDir = path.join(stateDir, "kwok-stages");
export const clusterName = "agentfleet";

export const tool = (name: string): string => path.join(binDir, name);
