// The VRAM ledger of a GPU class: for each of its nodes, what agents may use and what the agents
// placed there request. Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass, GPUClassStatus } from "../api/gpuclass.ts";
import { objectKey } from "../controller/objects.ts";
import { gpusOn, type NodeInfo, nodesOfClass, usable, vramCapacityMiB } from "./nodes.ts";
import type { Decision } from "./plan.ts";

export interface PlacedAgent {
  key: string; // namespace/name
  gpuClass: string;
  node: string;
  vramMiB: number;
}

export function classLedger(
  gpuClass: GPUClass,
  nodes: readonly (NodeInfo & { allocatable?: Record<string, string> })[],
  agents: readonly PlacedAgent[],
): Omit<GPUClassStatus, "conditions" | "observedGeneration"> {
  const members = nodesOfClass(nodes, gpuClass)
    .map((node) => {
      const gpus = gpusOn(node, gpuClass);
      const placed = agents
        .filter((a) => a.gpuClass === gpuClass.metadata.name && a.node === node.name)
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      const capacityMiB = vramCapacityMiB(node, gpuClass);
      const requestedMiB = placed.reduce((sum, a) => sum + a.vramMiB, 0);
      return {
        name: node.name,
        ready: usable(node),
        gpus,
        capacityMiB,
        requestedMiB,
        freeMiB: capacityMiB - requestedMiB,
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
    freeMiB: capacityMiB - ready.reduce((s, n) => s + n.requestedMiB, 0),
  };
}

/** The agents the fleet's placement put on a node, with the VRAM they take there (all replicas). */
export function placedAgents(
  decisions: ReadonlyMap<string, Decision>,
  agents: readonly AgentDeployment[],
): PlacedAgent[] {
  const replicas = new Map(agents.map((a) => [objectKey(a.metadata), a.spec.replicas ?? 1]));
  return [...decisions].flatMap(([key, d]) =>
    d.kind === "placed"
      ? [{ key, gpuClass: d.gpuClass, node: d.node, vramMiB: d.vramMiB * (replicas.get(key) ?? 1) }]
      : [],
  );
}
