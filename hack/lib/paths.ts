// Where the local cluster keeps its state: all of it under .agentfleet/ of the checkout (gitignored),
// so that two checkouts never share a cluster and `git clean -fdX` removes every trace.

import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const stateDir = path.join(repoRoot, ".agentfleet");
export const binDir = path.join(stateDir, "bin");
export const kwokWorkdir = path.join(stateDir, "kwok");
export const kwokStagesDir = path.join(stateDir, "kwok-stages");

/**
 * The cluster these scripts act on: `agentfleet` for npm start and the cluster scripts; the e2e tests
 * set AGENTFLEET_CLUSTER=agentfleet-e2e so that a developer's running cluster never changes their results.
 */
export const clusterName = process.env.AGENTFLEET_CLUSTER ?? "agentfleet";
export const kubeconfigPath = path.join(
  stateDir,
  clusterName === "agentfleet" ? "kubeconfig" : `${clusterName}.kubeconfig`,
);

export const tool = (name: string): string => path.join(binDir, name);
