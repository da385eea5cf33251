// How an agent's PodDisruptionBudget guards it through a drain. A budget must never make a node
// undrainable on its own: a single replica is held only while another class could take it.

import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentReason } from "../api/conditions.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { type NodeInfo, nodesOfClass, usable } from "./nodes.ts";
import { vramNeedOn } from "./vram-need.ts";

export interface DisruptionPolicy {
  /** minAvailable: 1 when true; maxUnavailable: 1 otherwise. */
  protect: boolean;
  reason:
    | typeof AgentReason.MultipleReplicas
    | typeof AgentReason.FallbackAvailable
    | typeof AgentReason.NotRequired
    | typeof AgentReason.NoFallback
    | typeof AgentReason.NoReplicas;
  message: string;
}

/** VRAM still free on a node by the fleet's ledger; undefined when the ledger does not know the node. */
export type FreeVram = (node: string) => number | undefined;

export function disruptionPolicy(
  agent: Pick<AgentDeployment, "spec">,
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly NodeInfo[],
  runningOn: string | undefined,
  freeVram: FreeVram = () => undefined,
): DisruptionPolicy {
  const { replicas, required, gpu } = agent.spec;
  if (replicas === 0) return { protect: false, reason: AgentReason.NoReplicas, message: "scaled to zero" };
  if (replicas > 1) {
    return {
      protect: true,
      reason: AgentReason.MultipleReplicas,
      message: `a drain keeps at least 1 of ${replicas} pods up`,
    };
  }
  if (!required) {
    return { protect: false, reason: AgentReason.NotRequired, message: "not required: a drain may stop its only pod" };
  }
  const elsewhere = (candidates: readonly NodeInfo[], needMiB = 0) =>
    candidates
      .filter((n) => usable(n) && n.name !== runningOn && (freeVram(n.name) ?? Number.POSITIVE_INFINITY) >= needMiB)
      .map((n) => n.name);
  // Holding a drain is right only where the agent could really go: a usable node with room in the ledger.
  // The message names the classes with room, not the nodes: which nodes have room changes with every
  // placement in the fleet, and a status that said so would be rewritten for no news (a restarted
  // operator found one such write at 1,000 agents).
  const classesWithRoom = gpu
    ? [gpu.class, ...(gpu.fallbackClasses ?? [])].filter((name) => {
        const c = classes.get(name);
        return c ? elsewhere(nodesOfClass(nodes, c), vramNeedOn(gpu, name)).length > 0 : false;
      })
    : [];
  if (gpu ? classesWithRoom.length > 0 : elsewhere(nodes).length > 0) {
    return {
      protect: true,
      reason: AgentReason.FallbackAvailable,
      message: gpu
        ? `a drain waits until its pod runs again on another node of ${classesWithRoom.join(" or ")}`
        : "a drain waits until its pod runs again on another node",
    };
  }
  return {
    protect: false,
    reason: AgentReason.NoFallback,
    message: `no other node has room for it${gpu ? ` (class ${gpu.class}${gpu.fallbackClasses?.length ? ` or ${gpu.fallbackClasses.join(", ")}` : ""})` : ""}: a drain will stop it; add a fallback class to keep it up`,
  };
}
