// npm run bench:placement: how long the fleet's placement takes, at 297, 3,000 and 10,000 GPU agents
// (target: under 100 ms at 10,000). The live planner coalesces a burst of changes into one such plan;
// "one change" is what the live planner (reconcilers/planner.ts) spends on one agent's edit over caches
// of the whole fleet: the plan, the classes' ledgers, and which required agents' drain answer moved.
// Prints its figures; it asserts nothing (these machines are shared and noisy).

import { type AgentDeployment, agentDeploymentSpecSchema } from "../src/api/agentdeployment.ts";
import type { GPUClass } from "../src/api/gpuclass.ts";
import { gpuClassSpecSchema } from "../src/api/gpuclass.ts";
import type { KubeObject } from "../src/controller/objects.ts";
import { type Demand, planPlacement, type Supply } from "../src/placement/plan.ts";
import type { NodeObject, PodObject } from "../src/reconcilers/fleet-caches.ts";
import { FleetPlanner } from "../src/reconcilers/planner.ts";
import { MemoryCache } from "../src/testing/memory-cache.ts";

const gpuClass = (name: string, product: string, vramMiB: number, replicas: number): GPUClass => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "GPUClass",
  metadata: { name },
  spec: gpuClassSpecSchema.parse({
    nodeSelectorTerms: [
      { matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: [`${product}-SHARED`] }] },
    ],
    vramMiB,
    reservedMiB: 1024,
    sharing: { replicas },
  }),
});
const classes = new Map(
  [gpuClass("rtx-4090", "RTX-4090", 24564, 16), gpuClass("rtx-3060", "RTX-3060", 12288, 8)].map((c) => [
    c.metadata.name,
    c,
  ]),
);

// A deterministic pseudo-random fleet: varied classes, VRAM, priorities, fallbacks.
function fleet(agents: number, nodesPerClass: number): { demands: Demand[]; nodes: Supply[] } {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const nodes: Supply[] = [];
  for (const [product, cls] of [
    ["RTX-4090", "rtx-4090"],
    ["RTX-3060", "rtx-3060"],
  ] as const) {
    for (let i = 0; i < nodesPerClass; i++) {
      nodes.push({
        name: `${cls}-node-${i}`,
        labels: { "nvidia.com/gpu.product": `${product}-SHARED`, "nvidia.com/gpu.count": "4" },
        ready: rand() > 0.05,
        schedulable: true,
        allocatable: { "nvidia.com/gpu": String(cls === "rtx-4090" ? 64 : 32) },
      });
    }
  }
  const demands: Demand[] = Array.from({ length: agents }, (_, i) => {
    const own = rand() > 0.5 ? "rtx-4090" : "rtx-3060";
    const other = own === "rtx-4090" ? "rtx-3060" : "rtx-4090";
    const vramMiB = 256 * Math.ceil(rand() * 24);
    return {
      key: `ns-${i % 7}/agent-${i}`,
      required: rand() > 0.7,
      priority: Math.floor(rand() * 10) - 5,
      replicas: rand() > 0.9 ? 2 : 1,
      classes: [{ name: own, vramMiB }, ...(rand() > 0.5 ? [{ name: other, vramMiB }] : [])],
      failback: true,
    };
  });
  return { demands, nodes };
}

/** The same fleet as objects in caches, under the live planner; the median ms of re-planning after one agent's edit. */
function measureLiveChange(demands: Demand[], nodes: Supply[]): number {
  const agentOf = (d: Demand, generation: number): AgentDeployment => {
    const [namespace, name] = d.key.split("/") as [string, string];
    const [own, ...fallbacks] = d.classes;
    return {
      apiVersion: "agentfleet.io/v1alpha1",
      kind: "AgentDeployment",
      metadata: { name, namespace, generation },
      spec: agentDeploymentSpecSchema.parse({
        image: `bench/${name}:1`,
        replicas: d.replicas,
        required: d.required,
        priority: d.priority,
        gpu: { class: own?.name, vramMiB: own?.vramMiB, fallbackClasses: fallbacks.map((c) => c.name) },
      }),
    };
  };
  const caches = {
    agents: new MemoryCache<AgentDeployment>(demands.map((d) => agentOf(d, 1))),
    classes: new MemoryCache<GPUClass>([...classes.values()]),
    nodes: new MemoryCache<NodeObject>(
      nodes.map((n) => ({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: n.name, labels: n.labels },
        spec: { unschedulable: !n.schedulable },
        status: {
          allocatable: n.allocatable,
          conditions: [{ type: "Ready", status: n.ready ? "True" : "False" }],
        },
      })),
    ),
    deployments: new MemoryCache<KubeObject>(),
    pods: new MemoryCache<PodObject>(),
  };
  // No timer: each reading after a change re-plans at once, which is what is timed.
  const planner = new FleetPlanner(caches, () => {});
  planner.decisionFor(demands[0]?.key ?? "");
  const runs = 20;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const d = demands[(i * 101) % demands.length] as Demand;
    const changed = agentOf({ ...d, priority: d.priority + 1 }, i + 2);
    const start = performance.now();
    caches.agents.put(changed);
    planner.decisionFor(d.key);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? 0;
}

function measure(agents: number, nodesPerClass: number) {
  const { demands, nodes } = fleet(agents, nodesPerClass);
  const first = planPlacement(demands, classes, nodes);
  // Settled: every agent where the first plan put it, as the operator sees a steady fleet.
  const settled = demands.map((d) => {
    const p = first.get(d.key);
    return p?.kind === "placed" ? { ...d, current: { gpuClass: p.gpuClass, node: p.node } } : d;
  });
  const runs = 20;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    planPlacement(settled, classes, nodes);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const placed = [...first.values()].filter((d) => d.kind === "placed").length;
  return {
    agents,
    nodes: nodes.length,
    placed,
    medianMs: times[Math.floor(runs / 2)] ?? 0,
    maxMs: times[runs - 1] ?? 0,
    oneChangeMs: measureLiveChange(demands, nodes),
  };
}

console.log("agents  nodes  placed  median ms  max ms  one change, live planner ms");
for (const [agents, nodesPerClass] of [
  [297, 1],
  [3000, 20],
  [10000, 66],
] as const) {
  const r = measure(agents, nodesPerClass);
  console.log(
    `${String(r.agents).padStart(6)}  ${String(r.nodes).padStart(5)}  ${String(r.placed).padStart(6)}  ${r.medianMs.toFixed(2).padStart(9)}  ${r.maxMs.toFixed(2).padStart(6)}  ${r.oneChangeMs.toFixed(2).padStart(27)}`,
  );
}
