import { describe, expect, it } from "vitest";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { annotationKeys, labelKeys } from "../api/labels.ts";
import type { KubeObject } from "../controller/objects.ts";
import { agent, rtx3060, rtx4090 } from "../testing/fixtures.ts";
import { MemoryCache } from "../testing/memory-cache.ts";
import type { NodeObject, PodObject } from "./fleet-caches.ts";
import { FleetPlanner, replanDelayMs } from "./planner.ts";

function gpuNode(name: string, product: string, replicas: number, ready = true): NodeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "nvidia.com/gpu.product": `${product}-SHARED`, "nvidia.com/gpu.count": "1" } },
    status: {
      allocatable: { "nvidia.com/gpu": String(replicas) },
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  } as NodeObject;
}

/**
 * A running pod of an agent's Deployment, placed for a class on a node, in the pods cache's cut-down
 * shape (podFields): its spec has the node and nothing else, which V1Pod's type does not allow.
 */
function gpuPod(agentName: string, node: string, gpuClass: string): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${agentName}-5d8f7c9b4-x2x7q`,
      namespace: "agents",
      labels: { [labelKeys.name]: agentName },
      annotations: { [annotationKeys.placedNode]: node, [annotationKeys.placedClass]: gpuClass },
    },
    spec: { nodeName: node },
    status: { phase: "Running" },
  } as unknown as PodObject;
}

/**
 * A planner over in-memory caches, whose timer runs only when the test says time has passed. The
 * caches start empty and the fleet arrives as add events, as an informer's first list does; the
 * planner's first plan is made and its news cleared before the test begins.
 */
function world(agents: AgentDeployment[] = []) {
  const timers: (() => void)[] = [];
  const caches = {
    agents: new MemoryCache<AgentDeployment>(),
    classes: new MemoryCache<GPUClass>(),
    nodes: new MemoryCache<NodeObject>(),
    deployments: new MemoryCache<KubeObject>(),
    pods: new MemoryCache<PodObject>(),
  };
  const planner = new FleetPlanner(caches, (run, delayMs) => {
    expect(delayMs).toBe(replanDelayMs);
    timers.push(run);
  });
  const told: string[][] = [];
  planner.subscribe((keys) => told.push([...keys].sort()));
  const elapse = () => {
    for (const run of timers.splice(0)) run();
  };
  for (const c of [rtx4090, rtx3060]) caches.classes.put(c);
  caches.nodes.put(gpuNode("mainpc", "NVIDIA-GeForce-RTX-4090", 8));
  caches.nodes.put(gpuNode("pc2", "NVIDIA-GeForce-RTX-3060", 4));
  for (const a of agents) caches.agents.put(a);
  elapse();
  told.length = 0;
  return { caches, planner, told, timers, elapse };
}

const withGeneration = (a: AgentDeployment, generation: number): AgentDeployment => ({
  ...a,
  metadata: { ...a.metadata, generation },
});

describe("FleetPlanner", () => {
  it("plans once for a burst of changes, and tells each agent whose decision it made", () => {
    const w = world();
    for (const name of ["llm", "stt", "tts"]) {
      w.caches.agents.put(agent(name, { gpu: { class: "rtx-4090", vramMiB: 4000 } }));
    }
    expect(w.timers).toHaveLength(1);
    expect(w.told).toEqual([]);
    w.elapse();
    expect(w.told).toEqual([["agents/llm", "agents/stt", "agents/tts"]]);
    expect(w.planner.decisionFor("agents/stt")).toMatchObject({ kind: "placed", gpuClass: "rtx-4090", node: "mainpc" });
  });

  it("answers a reader with the latest plan even before the burst's timer runs", () => {
    const w = world();
    w.caches.agents.put(agent("llm", { gpu: { class: "rtx-3060", vramMiB: 4000 } }));
    expect(w.planner.decisionFor("agents/llm")).toMatchObject({ kind: "placed", node: "pc2" });
    expect(w.planner.freeVram("pc2")).toBe(12288 - 512 - 4000);
    w.elapse();
    expect(w.told).toEqual([["agents/llm"]]);
  });

  it("does not plan again for what it does not read: an agent's status, a node's heartbeat", () => {
    const llm = agent("llm", { gpu: { class: "rtx-4090", vramMiB: 4000 } });
    const w = world([llm]);
    w.caches.agents.put({ ...llm, status: { conditions: [] } });
    const heartbeat = gpuNode("mainpc", "NVIDIA-GeForce-RTX-4090", 8);
    w.caches.nodes.put({ ...heartbeat, metadata: { ...heartbeat.metadata, resourceVersion: "2" } });
    expect(w.timers).toHaveLength(0);
    w.caches.agents.put(withGeneration(llm, 2));
    expect(w.timers).toHaveLength(1);
  });

  it("wakes an agent that waits for room when room appears, with nobody touching it", () => {
    const big = agent("big", { gpu: { class: "rtx-3060", vramMiB: 9000 } });
    const late = agent("late", { gpu: { class: "rtx-3060", vramMiB: 5000 } });
    const w = world([big, late]);
    expect(w.planner.decisionFor("agents/late")).toMatchObject({ kind: "waiting", reason: "InsufficientVRAM" });
    w.caches.agents.remove("big", "agents");
    w.elapse();
    expect(w.told).toEqual([["agents/big", "agents/late"]]);
    expect(w.planner.decisionFor("agents/late")).toMatchObject({ kind: "placed", node: "pc2" });
  });

  it("wakes the agent that waits for a deleted agent's room only once that agent's pod has stopped", () => {
    const big = agent("big", { gpu: { class: "rtx-3060", vramMiB: 9000 } });
    const late = agent("late", { gpu: { class: "rtx-3060", vramMiB: 5000 } });
    const w = world([big, late]);
    const pod = gpuPod("big", "pc2", "rtx-3060");
    w.caches.pods.put(pod);
    // A pod where its agent is placed is no news to the plan.
    expect(w.timers).toHaveLength(0);
    w.caches.agents.remove("big", "agents");
    w.elapse();
    expect(w.planner.decisionFor("agents/late")).toMatchObject({
      kind: "waiting",
      message:
        "needs 5000 MiB: rtx-3060 has 2776 MiB free on pc2, and 9000 MiB more once the pods leaving it have stopped",
    });
    expect(w.planner.ledgerOf("rtx-3060")?.nodes?.[0]).toMatchObject({ requestedMiB: 0, leavingMiB: 9000 });
    expect(w.planner.freeVram("pc2")).toBe(12288 - 512 - 9000);
    w.told.length = 0;
    w.caches.pods.put({ ...pod, status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] } });
    w.elapse();
    expect(w.told).toEqual([]);
    w.caches.pods.remove(pod.metadata.name, "agents");
    w.elapse();
    expect(w.told).toEqual([["agents/late"]]);
    expect(w.planner.decisionFor("agents/late")).toMatchObject({ kind: "placed", node: "pc2" });
    expect(w.planner.ledgerOf("rtx-3060")?.nodes?.[0]).not.toHaveProperty("leavingMiB");
    // An old pod of late's on mainpc holds its VRAM there while it runs; once it has finished
    // (Failed, Succeeded), nothing.
    const old = gpuPod("late", "mainpc", "rtx-3060");
    w.caches.pods.put(old);
    w.elapse();
    expect(w.planner.ledgerOf("rtx-4090")?.nodes?.[0]).toMatchObject({ name: "mainpc", leavingMiB: 5000 });
    w.caches.pods.put({ ...old, status: { phase: "Failed" } });
    w.elapse();
    expect(w.planner.ledgerOf("rtx-4090")?.nodes?.[0]).not.toHaveProperty("leavingMiB");
  });

  it("moves agents with a fallback off a node that goes down, and tells no one else when room changes nothing they decide", () => {
    const stt = agent("stt", {
      required: true,
      gpu: { class: "rtx-4090", vramMiB: 3000, fallbackClasses: ["rtx-3060"] },
    });
    const asr = agent("asr", { gpu: { class: "rtx-3060", vramMiB: 2000 } });
    const w = world([stt, asr]);
    w.caches.nodes.put(gpuNode("mainpc", "NVIDIA-GeForce-RTX-4090", 8, false));
    w.elapse();
    expect(w.planner.decisionFor("agents/stt")).toMatchObject({ kind: "placed", node: "pc2", fallback: true });
    expect(w.told).toEqual([["agents/stt"]]);
    // Room on pc2 shrank because stt moved there: asr's placement stands and it is not told. More
    // room on pc2 (asr deleted) changes nothing for stt: it runs there, and mainpc is down.
    w.told.length = 0;
    w.caches.agents.remove("asr", "agents");
    w.elapse();
    expect(w.told).toEqual([["agents/asr"]]);
  });

  it("tells a required agent when another agent takes the room it would go to in a drain", () => {
    const hub = agent("hub", { required: true, gpu: { class: "rtx-4090", vramMiB: 3000 } });
    const w = world([hub]);
    w.caches.nodes.put(gpuNode("spare", "NVIDIA-GeForce-RTX-4090", 8));
    w.elapse();
    w.told.length = 0;
    const home = (w.planner.decisionFor("agents/hub") as { node: string }).node;
    // Only the other 4090 has room for 22,000 MiB: once it is taken, hub has nowhere to go in a drain.
    w.caches.agents.put(agent("llm", { gpu: { class: "rtx-4090", vramMiB: 22000 } }));
    w.elapse();
    expect(w.planner.decisionFor("agents/llm")).toMatchObject({ kind: "placed" });
    expect((w.planner.decisionFor("agents/llm") as { node: string }).node).not.toBe(home);
    expect(w.told).toEqual([["agents/hub", "agents/llm"]]);
    // A change of room that leaves its answer as it was tells it nothing.
    w.told.length = 0;
    w.caches.agents.put(agent("tts", { gpu: { class: "rtx-3060", vramMiB: 1000 } }));
    w.elapse();
    expect(w.told).toEqual([["agents/tts"]]);
  });

  it("keeps each class's ledger by the current plan", () => {
    const w = world([agent("llm", { gpu: { class: "rtx-4090", vramMiB: 9000 } })]);
    const ledger = w.planner.ledgerOf("rtx-4090");
    expect(ledger?.nodes).toEqual([
      expect.objectContaining({
        name: "mainpc",
        requestedMiB: 9000,
        freeMiB: 24564 - 512 - 9000,
        agents: ["agents/llm"],
      }),
    ]);
  });
});
