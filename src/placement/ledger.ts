// The VRAM ledger of a GPU class: for each of its nodes, what agents may use and what the agents
// placed there request. Pure.
import type { GPUClass, GPUClassStatus } from "../api/gpuclass.ts";
import { gpusOn, type NodeInfo, nodesOfClass, usable, vramCapacityMiB } from "./nodes.ts";
import type { Decision } from "./plan.ts";

export interface PlacedAgent {
  key: string; // namespace/name
  gpuClass: string;
  node: string;
  vramMiB: number;
}

/** A class's status, but for its conditions: its nodes, their VRAM and the agents placed on each. */
export type ClassLedger = Omit<GPUClassStatus, "conditions" | "observedGeneration">;

/**
 * `leavingMiB`: per node, the VRAM pods leaving it still hold (plan.ts, leavingByNode): not free
 * until they stop, though no agent placed there requests it.
 */
export function classLedger(
  gpuClass: GPUClass,
  nodes: readonly (NodeInfo & { allocatable?: Record<string, string> })[],
  agents: readonly PlacedAgent[],
  leavingMiB: ReadonlyMap<string, number> = new Map(),
): ClassLedger {
  // Grouped once: a fleet of thousands on a hundred nodes would otherwise be scanned per node.
  const byNode = new Map<string, PlacedAgent[]>();
  for (const a of agents) {
    if (a.gpuClass !== gpuClass.metadata.name) continue;
    const onNode = byNode.get(a.node);
    if (onNode) onNode.push(a);
    else byNode.set(a.node, [a]);
  }
  const members = nodesOfClass(nodes, gpuClass)
    .map((node) => {
      const gpus = gpusOn(node, gpuClass);
      const placed = (byNode.get(node.name) ?? []).sort((a, b) => (a.key < b.key ? -1 : 1));
      const capacityMiB = vramCapacityMiB(node, gpuClass);
      const requestedMiB = placed.reduce((sum, a) => sum + a.vramMiB, 0);
      const leaving = leavingMiB.get(node.name) ?? 0;
      return {
        name: node.name,
        ready: usable(node),
        gpus,
        capacityMiB,
        requestedMiB,
        ...(leaving ? { leavingMiB: leaving } : {}),
        freeMiB: capacityMiB - requestedMiB - leaving,
        agents: placed.map((a) => a.key),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const ready = members.filter((n) => n.ready);
  const capacityMiB = ready.reduce((s, n) => s + n.capacityMiB, 0);
  const requestedMiB = members.reduce((s, n) => s + n.requestedMiB, 0);
  return {
    nodes: members,
    readyNodes: ready.length,
    capacityMiB,
    requestedMiB,
    freeMiB: capacityMiB - ready.reduce((s, n) => s + n.requestedMiB + (n.leavingMiB ?? 0), 0),
  };
}

/** The agents the fleet's placement put on a node, with the VRAM they take there (all replicas). */
export function placedAgents(
  decisions: ReadonlyMap<string, Decision>,
  replicasOf: (key: string) => number,
): PlacedAgent[] {
  const placed: PlacedAgent[] = [];
  for (const [key, d] of decisions) {
    if (d.kind === "placed")
      placed.push({ key, gpuClass: d.gpuClass, node: d.node, vramMiB: d.vramMiB * replicasOf(key) });
  }
  return placed;
}
