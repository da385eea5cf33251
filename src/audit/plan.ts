// The fleet's placement as the operator would make it, and what each card carries: the audit's view
// of "what runs where". Running agents keep their node, as in the operator. Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { demandOf } from "../placement/gpu-choice.ts";
import { gpusOn, nodeInClass, usable, vramCapacityMiB } from "../placement/nodes.ts";
import { type Decision, planPlacement, type Supply } from "../placement/plan.ts";

export const keyOf = (a: AgentDeployment) => `${a.metadata.namespace ?? "default"}/${a.metadata.name}`;

export type Placements = ReadonlyMap<string, { gpuClass: string; node: string }>;

export function planFleet(
  agents: readonly AgentDeployment[],
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly Supply[],
  current: Placements,
): Map<string, Decision> {
  const demands = agents.flatMap((a) => demandOf(keyOf(a), a, current.get(keyOf(a)), false) ?? []);
  return planPlacement(demands, classes, nodes);
}

/** Where a plan puts each GPU agent, as the current placement of the next plan. */
export function placementsOf(
  decisions: ReadonlyMap<string, Decision>,
): Map<string, { gpuClass: string; node: string }> {
  const out = new Map<string, { gpuClass: string; node: string }>();
  for (const [key, d] of decisions) if (d.kind === "placed") out.set(key, { gpuClass: d.gpuClass, node: d.node });
  return out;
}

export interface CardSegment {
  agent: string;
  vramMiB: number;
  required: boolean;
}

/** One node's GPUs of one class, and what the plan puts there. */
export interface CardUsage {
  node: string;
  gpuClass: string;
  ready: boolean;
  /** The cards' VRAM, the reserve kept free, and what agents may use (total − reserve). */
  totalMiB: number;
  reservedMiB: number;
  capacityMiB: number;
  segments: CardSegment[];
  requestedMiB: number;
  freeMiB: number;
  /** Time-sliced GPU replicas: advertised, and taken by the plan. */
  replicas: number;
  replicasTaken: number;
}

export function cardUsage(
  agents: readonly AgentDeployment[],
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly Supply[],
  decisions: ReadonlyMap<string, Decision>,
): CardUsage[] {
  const byKey = new Map(agents.map((a) => [keyOf(a), a]));
  const cards: CardUsage[] = [];
  const seen = new Set<string>();
  for (const gpuClass of [...classes.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    for (const node of nodes.filter((n) => nodeInClass(n, gpuClass))) {
      // A node in two classes (a class per product and one per family) is one card: show it once.
      if (seen.has(node.name)) continue;
      seen.add(node.name);
      const gpus = gpusOn(node, gpuClass);
      const segments = [...decisions]
        .filter(([, d]) => d.kind === "placed" && d.node === node.name)
        .map(([key, d]) => {
          const agent = byKey.get(key);
          const replicas = agent?.spec.replicas ?? 1;
          return {
            agent: key,
            vramMiB: (d.kind === "placed" ? d.vramMiB : 0) * replicas,
            required: agent?.spec.required ?? false,
            replicas,
          };
        })
        .sort((a, b) => b.vramMiB - a.vramMiB || a.agent.localeCompare(b.agent));
      const capacityMiB = vramCapacityMiB(node, gpuClass);
      const requestedMiB = segments.reduce((s, x) => s + x.vramMiB, 0);
      cards.push({
        node: node.name,
        gpuClass: gpuClass.metadata.name,
        ready: usable(node),
        totalMiB: gpus * gpuClass.spec.vramMiB,
        reservedMiB: gpus * gpuClass.spec.reservedMiB,
        capacityMiB,
        segments: segments.map(({ agent, vramMiB, required }) => ({ agent, vramMiB, required })),
        requestedMiB,
        freeMiB: capacityMiB - requestedMiB,
        replicas: Number(node.allocatable[gpuClass.spec.resourceName] ?? 0),
        replicasTaken: segments.reduce((s, x) => s + x.replicas, 0),
      });
    }
  }
  return cards.sort((a, b) => a.node.localeCompare(b.node));
}
