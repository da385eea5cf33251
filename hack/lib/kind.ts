// E2E_CLUSTER=kind: the two-PC topology on kind, for machines with Docker (hack/kind/README.md).
import path from "node:path";
import { clusterName, kubeconfigPath, repoRoot } from "./paths.ts";
import { run } from "./run.ts";

export const useKind = process.env.E2E_CLUSTER === "kind";

export async function kindIsUp(): Promise<boolean> {
  const clusters = await run("kind", ["get", "clusters"]).catch(() => "");
  return clusters.split("\n").includes(clusterName);
}

export async function kindUp(): Promise<void> {
  if (await kindIsUp()) return;
  await run(
    "kind",
    [
      "create",
      "cluster",
      "--name",
      clusterName,
      "--config",
      path.join(repoRoot, "hack/kind/cluster.yaml"),
      "--kubeconfig",
      kubeconfigPath,
      "--wait",
      "120s",
    ],
    { inherit: true },
  );
}

export async function kindDown(): Promise<void> {
  await run("kind", ["delete", "cluster", "--name", clusterName, "--kubeconfig", kubeconfigPath], { inherit: true });
}

/** A PC switched off: its node's container stops, and the node lifecycle controller notices. */
export async function kindSetNodePower(nodeName: string, power: "down" | "up"): Promise<void> {
  await run("docker", [power === "down" ? "stop" : "start", nodeName]);
}
