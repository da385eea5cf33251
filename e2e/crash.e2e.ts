// The operator killed with SIGKILL twenty times while it rolls out a fleet of a hundred agents (GPU
// agents of both classes with and without fallbacks, CPU agents, chains of dependencies), then run
// once more: the fleet converges, with exactly one of each child per agent and none orphaned; and
// throughout, sampled every quarter second, no card holds more VRAM of placed GPU pods than it has,
// nor more GPU pods than its time-sliced replicas.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, nodeNameOf } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import type { GPUClass } from "../src/api/gpuclass.ts";
import { homeLabClasses } from "../src/audit/home-lab.ts";
import { vramNeedOn } from "../src/placement/vram-need.ts";
import { applyObjects } from "./support/fleet.ts";
import { clients, eventually, withNamespace } from "./support/kube.ts";

const kills = 20;
const { core } = clients();
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator | undefined;

interface Spec {
  gpu?: { class: string; vramMiB: number; fallbackClasses?: string[] };
  dependencies?: string[];
  required?: boolean;
}

/** A hundred agents: 16 on GPUs (both classes, half with a fallback), 84 on CPUs, chains of dependencies. */
function fleet(): { name: string; spec: Spec }[] {
  const [specs] = fc.sample(
    fc.array(fc.record({ vram: fc.integer({ min: 4, max: 24 }), fallback: fc.boolean(), on4090: fc.boolean() }), {
      minLength: 16,
      maxLength: 16,
    }),
    { numRuns: 1, seed: 7 },
  ) as [{ vram: number; fallback: boolean; on4090: boolean }[]];
  const agents: { name: string; spec: Spec }[] = specs.map((g, i) => {
    const own = g.on4090 ? "rtx-4090" : "rtx-3060";
    const other = g.on4090 ? "rtx-3060" : "rtx-4090";
    return {
      name: `gpu-${i}`,
      spec: {
        gpu: { class: own, vramMiB: g.vram * 100, ...(g.fallback ? { fallbackClasses: [other] } : {}) },
        required: i % 4 === 0,
      },
    };
  });
  for (let i = 0; i < 84; i++) {
    agents.push({ name: `cpu-${i}`, spec: i % 3 === 0 && i >= 3 ? { dependencies: [`cpu-${i - 3}`] } : {} });
  }
  return agents;
}

const manifest = (name: string, spec: Spec) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec: { image: `cascade/${name}:1.0`, ports: [{ name: "http", port: 8000 }], config: { n: name }, ...spec },
});

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-crash");
});

afterAll(async () => {
  await operator?.kill().catch(() => undefined);
  await ns?.remove();
});

describe("the operator killed mid-rollout", () => {
  it(`converges after ${kills} SIGKILLs, never overcommitting a card, with one of each child per agent`, async () => {
    const agents = fleet();
    const specOf = new Map(agents.map((a) => [a.name, a.spec]));
    const classes = new Map(homeLabClasses.map((c) => [c.metadata.name, c as GPUClass]));
    const nodeOfClass = new Map([
      ["rtx-4090", await nodeNameOf("mainpc")],
      ["rtx-3060", await nodeNameOf("pc2")],
    ]);
    const capacity = new Map(
      [...classes.values()].map((c) => [nodeOfClass.get(c.metadata.name), c.spec.vramMiB - c.spec.reservedMiB]),
    );
    const replicas = new Map(
      [...classes.values()].map((c) => [nodeOfClass.get(c.metadata.name), c.spec.sharing.replicas]),
    );

    // Sampled throughout: the VRAM the GPU pods on each node need, by where they were placed.
    const overcommits: string[] = [];
    let sampling = true;
    let samples = 0;
    const sampler = (async () => {
      while (sampling) {
        const pods = (await core.listNamespacedPod({ namespace: ns.name })).items;
        const used = new Map<string, number>();
        const slots = new Map<string, number>();
        for (const p of pods) {
          const name = p.metadata?.labels?.["app.kubernetes.io/name"];
          const placedClass = p.metadata?.annotations?.["agentfleet.io/placed-class"];
          const gpu = name ? specOf.get(name)?.gpu : undefined;
          const node = p.spec?.nodeName;
          if (!gpu || !placedClass || !node || p.metadata?.deletionTimestamp) continue;
          const parsed = { ...gpu, failback: true };
          used.set(node, (used.get(node) ?? 0) + vramNeedOn(parsed, placedClass));
          slots.set(node, (slots.get(node) ?? 0) + 1);
        }
        for (const [node, mib] of used) {
          if (mib > (capacity.get(node) ?? 0)) overcommits.push(`${node}: ${mib} MiB of ${capacity.get(node)}`);
          const taken = slots.get(node) ?? 0;
          if (taken > (replicas.get(node) ?? 0))
            overcommits.push(`${node}: ${taken} GPU pods on ${replicas.get(node)} replicas`);
        }
        samples++;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    operator = await startOperator("crash-0");
    await applyObjects(agents.map((a) => manifest(a.name, a.spec)));
    const [pauses] = fc.sample(fc.array(fc.integer({ min: 200, max: 1500 }), { minLength: kills, maxLength: kills }), {
      numRuns: 1,
      seed: 11,
    }) as [number[]];
    for (let i = 0; i < kills; i++) {
      await new Promise((r) => setTimeout(r, pauses[i]));
      await operator.kill();
      operator = await startOperator(`crash-${i + 1}`);
    }

    // The last one runs to the end: every agent has a status for its spec, Ready or saying why.
    const settled = await eventually(
      "every agent to settle",
      async () => {
        const list = JSON.parse(await kubectl(["get", "agd", "-n", ns.name, "-o", "json"])) as {
          items: {
            metadata: { name: string; uid: string; generation: number };
            status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason: string }[] };
          }[];
        };
        const done = list.items.filter((a) => {
          const ready = a.status?.conditions?.find((c) => c.type === "Ready");
          return (
            a.status?.observedGeneration === a.metadata.generation &&
            ready !== undefined &&
            !["Creating", "Starting"].includes(ready.reason)
          );
        });
        return done.length === agents.length ? list.items : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 2000 },
    );
    sampling = false;
    await sampler;

    const notReady = settled.filter((a) => a.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True");
    for (const a of notReady) {
      const reason = a.status?.conditions?.find((c) => c.type === "Ready")?.reason;
      // Waiting for room is the only reason an agent of this fleet may give.
      expect(["NoFreeGPU", "InsufficientVRAM", "WaitingForDependencies", "Preempted"], a.metadata.name).toContain(
        reason,
      );
    }

    // Exactly one of each child per agent, and none whose owner is gone.
    const uids = new Set(settled.map((a) => a.metadata.uid));
    for (const kind of ["deployment", "service", "configmap", "poddisruptionbudget", "networkpolicy"]) {
      const children = (
        JSON.parse(
          await kubectl(["get", kind, "-n", ns.name, "-l", "app.kubernetes.io/managed-by=agentfleet", "-o", "json"]),
        ) as { items: { metadata: { ownerReferences?: { uid: string; controller?: boolean }[] } }[] }
      ).items;
      const owners = children.map((c) => c.metadata.ownerReferences?.find((o) => o.controller)?.uid ?? "none");
      expect(
        owners.filter((o) => !uids.has(o)),
        `${kind} without a live owner`,
      ).toEqual([]);
      expect(new Set(owners).size, `${kind}: one per agent`).toBe(owners.length);
      expect(owners.length, `${kind} count`).toBe(agents.length);
    }
    expect(samples).toBeGreaterThan(20);
    expect(overcommits).toEqual([]);
    console.log(
      `crash: ${kills} kills, ${samples} samples, ${notReady.length} of ${agents.length} agents waiting for room or dependencies`,
    );
  }, 600_000);
});
