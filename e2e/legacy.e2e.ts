// The imported legacy fleet (manifests/legacy, from the user's own files) on the real control plane:
// every agent is accepted, every GPU agent runs on the machine its legacy file put it on or says in
// its Placed condition why not, and no card is promised more VRAM than it has.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, nodeNameOf } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { repoRoot } from "../hack/lib/paths.ts";
import { clients, eventually, removeNamespace } from "./support/kube.ts";

const legacyDir = path.join(repoRoot, "manifests/legacy");
const { core } = clients();
let operator: RunningOperator;

interface Agent {
  metadata: { name: string; labels: Record<string, string> };
  spec: { gpu?: { class: string } };
  status?: { node?: string; conditions?: { type: string; status: string; reason: string; message: string }[] };
}

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  operator = await startOperator("legacy");
});

afterAll(async () => {
  await operator?.stop();
  await removeNamespace(core, "agents");
});

describe("the imported legacy fleet", () => {
  it("is accepted whole, and puts every GPU agent on its legacy machine or says why not", async () => {
    await kubectl(["apply", "--server-side", "-k", legacyDir]);
    const expected = (await readdir(legacyDir)).filter(
      (f) => !["kustomization.yaml", "namespace.yaml"].includes(f),
    ).length;
    const agents = await eventually(
      "every agent to have a Placed condition",
      async () => {
        const list = (JSON.parse(await kubectl(["get", "agd", "-n", "agents", "-o", "json"])) as { items: Agent[] })
          .items;
        // Decided: placed on a node, left out with a reason, or held until its dependencies are Ready
        // (some depend on GPU agents the cards have no room for).
        const decided = list.filter((a) => {
          const placed = a.status?.conditions?.find((c) => c.type === "Placed");
          const held = a.status?.conditions?.some(
            (c) => c.type === "Progressing" && c.reason === "WaitingForDependencies",
          );
          return placed && (placed.status === "False" || a.status?.node || held);
        });
        return list.length === expected && decided.length === expected ? list : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    const gpuAgents = agents.filter((a) => a.spec.gpu);
    expect(gpuAgents.length).toBeGreaterThan(0);
    let placed = 0;
    for (const a of gpuAgents) {
      const condition = a.status?.conditions?.find((c) => c.type === "Placed");
      if (condition?.status === "True") {
        placed++;
        const legacyNode = await nodeNameOf(a.metadata.labels["agentfleet.io/legacy-machine"] ?? "");
        // On its legacy machine, or on the other one's card as the fallback the importer gave it.
        if (condition.reason === "FallbackActive") expect(a.status?.node, a.metadata.name).not.toBe(legacyNode);
        else expect(a.status?.node, a.metadata.name).toBe(legacyNode);
      } else {
        // More GPU agents than the cards hold: the ledger leaves them out, and says why, with the numbers.
        expect(["InsufficientVRAM", "NoFreeGPU"], a.metadata.name).toContain(condition?.reason);
        expect(condition?.message).toMatch(/needs \d+ MiB: rtx-\d+ has (\d+ MiB free|no free GPU replica) on /);
      }
    }
    // No card is promised more VRAM than it has.
    const classes = JSON.parse(await kubectl(["get", "gpuclasses", "-o", "json"])) as {
      items: {
        metadata: { name: string };
        status?: { nodes?: { name: string; capacityMiB: number; requestedMiB: number }[] };
      }[];
    };
    for (const c of classes.items) {
      for (const n of c.status?.nodes ?? []) {
        expect(n.requestedMiB, `${c.metadata.name} on ${n.name}`).toBeLessThanOrEqual(n.capacityMiB);
      }
    }
    expect(placed).toBeGreaterThan(0);
  }, 200_000);
});
