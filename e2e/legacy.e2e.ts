// The imported legacy fleet (manifests/legacy, from the user's own files) on the real control plane:
// every agent is accepted, every GPU agent runs on the machine its legacy file put it on or says in
// its Placed condition why not, and no card is promised more VRAM than it has.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, nodeNameOf } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { repoRoot } from "../hack/lib/paths.ts";
import { defaultClasses, importLegacy } from "../src/legacy/import.ts";
import { clients, eventually, removeNamespace } from "./support/kube.ts";

const legacyDir = path.join(repoRoot, "manifests/legacy");
const { core } = clients();
let operator: RunningOperator;

interface Agent {
  metadata: { name: string; labels: Record<string, string> };
  spec: { gpu?: { class: string }; dependencies?: string[] };
  status?: { node?: string; conditions?: { type: string; status: string; reason: string; message: string }[] };
}

/**
 * The cluster's provisioner, by hand: k3s binds each PersistentVolumeClaim to a local-path volume;
 * this cluster has no StorageClass, so each claim gets a hostPath PersistentVolume bound to it.
 */
async function provisionClaims(namespace: string): Promise<void> {
  const claims = JSON.parse(await kubectl(["get", "pvc", "-n", namespace, "-o", "json"])) as {
    items: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[];
  };
  const volumes = claims.items.map((c) => ({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: `${namespace}-${c.metadata.name}`, labels: { "agentfleet.io/e2e-volume": namespace } },
    spec: {
      capacity: { storage: c.spec.resources.requests.storage },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Delete",
      storageClassName: "",
      hostPath: { path: `/var/lib/agentfleet-e2e/${namespace}/${c.metadata.name}`, type: "DirectoryOrCreate" },
      claimRef: { namespace, name: c.metadata.name },
    },
  }));
  if (volumes.length)
    await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: volumes }));
}

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  operator = await startOperator("legacy");
});

afterAll(async () => {
  await operator?.stop();
  await removeNamespace(core, "agents");
  await kubectl(["delete", "pv", "-l", "agentfleet.io/e2e-volume=agents", "--wait=false"]).catch(() => undefined);
});

const condition = (a: Agent, type: string) => a.status?.conditions?.find((c) => c.type === type);

/**
 * Left out for good: a GPU agent the cards have no room for. A pod the scheduler cannot place yet is
 * not: the agents with a volume wait for the claim to bind (the PersistentVolume is made just after
 * the apply) and are then scheduled.
 */
const leftOut = (a: Agent) => {
  const placed = condition(a, "Placed");
  return placed?.status === "False" && placed.reason !== "Unschedulable";
};

describe("the imported legacy fleet", () => {
  it("is accepted whole, and puts every GPU agent on its legacy machine or says why not", async () => {
    await kubectl(["apply", "--server-side", "-k", legacyDir]);
    // Its namespace enforces the restricted Pod Security Standard: the pods the next test waits for are admitted under it.
    expect(await kubectl(["get", "namespace", "agents", "-o", "jsonpath={.metadata.labels}"])).toContain(
      '"pod-security.kubernetes.io/enforce":"restricted"',
    );
    await provisionClaims("agents");
    // One file per agent; the shared claims' and a Job's have a dot in their name, which no agent's has.
    const expected = (await readdir(legacyDir)).filter(
      (f) => /^[a-z0-9-]+\.yaml$/.test(f) && !["kustomization.yaml", "namespace.yaml"].includes(f),
    ).length;
    const agents = await eventually(
      "every agent to have a Placed condition",
      async () => {
        const list = (JSON.parse(await kubectl(["get", "agd", "-n", "agents", "-o", "json"])) as { items: Agent[] })
          .items;
        // Decided: placed on a node, left out with a reason, or held until its dependencies are Ready
        // (some depend on GPU agents the cards have no room for). A pod the scheduler cannot place
        // yet (its claim not bound, or an old pod still leaving the card) is not decided, whatever
        // node the plan gave it.
        const decided = list.filter((a) => {
          const held = condition(a, "Progressing")?.reason === "WaitingForDependencies";
          const onNode = condition(a, "Placed")?.status === "True" && a.status?.node;
          return leftOut(a) || onNode || (held && condition(a, "Placed") !== undefined);
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

  it("runs: every agent placed on a node becomes Ready, shared infrastructure included, with its addresses rewritten", async () => {
    const settled = await eventually(
      "every placed agent to be Ready or held by a dependency",
      async () => {
        const list = (JSON.parse(await kubectl(["get", "agd", "-n", "agents", "-o", "json"])) as { items: Agent[] })
          .items;
        const byName = new Map(list.map((a) => [a.metadata.name, a]));
        // Held for good: something it depends on, however far down, is left out or missing. Held by
        // a dependency that is still starting is not settled: it starts once that one is Ready.
        const heldForGood = (a: Agent, seen: Set<string>): boolean =>
          (a.spec.dependencies ?? []).some((name) => {
            const dependency = byName.get(name);
            if (!dependency) return true;
            if (seen.has(name)) return false;
            return leftOut(dependency) || heldForGood(dependency, new Set([...seen, name]));
          });
        const waiting = list.filter(
          (a) => condition(a, "Ready")?.status !== "True" && !leftOut(a) && !heldForGood(a, new Set([a.metadata.name])),
        );
        return waiting.length === 0 ? list : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
    const ready = settled.filter((a) => a.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    expect(ready.map((a) => a.metadata.name)).toEqual(
      expect.arrayContaining(["redis", "redis-pc2", "service-registry"]),
    );
    expect(ready.length).toBeGreaterThan(settled.length / 2);
    // The config the agent reads names Redis's Service, not localhost.
    const config = await kubectl([
      "get",
      "configmap",
      "service-registry-config",
      "-n",
      "agents",
      "-o",
      "jsonpath={.data}",
    ]);
    expect(config).toContain("redis://redis:6379/0");
    expect(config).not.toContain("localhost");
  }, 200_000);

  it("runs a download others waited for as a Job, admitted under the restricted standard, in the claim its reader mounts", async () => {
    const namespace = "one-shot";
    const compose = `services:
  model-download:
    image: acme/downloader:1
    command: [huggingface-cli, download, Qwen/Qwen2.5-7B, --local-dir, /models]
    environment: {HF_TOKEN: hf_abcdefghijklmnopqrstuvwxyz0123456789}
    volumes: [models:/models]
  llm:
    image: acme/llm:1
    volumes: [models:/models:ro]
    depends_on: {model-download: {condition: service_completed_successfully}}
volumes: {models: {}}
`;
    const { files } = importLegacy([{ path: "pc2-docker-compose.yml", text: compose }], {
      namespace,
      classes: defaultClasses,
    });
    const dir = await mkdtemp(path.join(tmpdir(), "one-shot-"));
    try {
      for (const [name, text] of files) await writeFile(path.join(dir, name), text);
      await kubectl(["apply", "--server-side", "-k", dir]);
      await provisionClaims(namespace);
      // The Job's pod, once the Job controller made it: the namespace's Pod Security admission let it in.
      const pod = await eventually(
        "the Job's pod",
        async () =>
          (
            JSON.parse(
              await kubectl(["get", "pods", "-n", namespace, "-l", "job-name=model-download", "-o", "json"]),
            ) as { items: { spec: { volumes?: { persistentVolumeClaim?: { claimName: string } }[] } }[] }
          ).items[0],
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      expect(pod.spec.volumes?.map((v) => v.persistentVolumeClaim?.claimName)).toContain("llm-models");
      const refused = await kubectl([
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.kind=Job,reason=FailedCreate",
        "-o",
        "name",
      ]);
      expect(refused).toBe("");
    } finally {
      await removeNamespace(core, namespace);
      await kubectl(["delete", "pv", "-l", `agentfleet.io/e2e-volume=${namespace}`, "--wait=false"]).catch(
        () => undefined,
      );
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
