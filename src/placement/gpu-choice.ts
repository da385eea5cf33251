// What one agent's placement decision means for its pods: CPU, a GPU node of a class, or waiting
// with a reason. Pure; the fleet-wide decision comes from planPlacement.

import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentReason } from "../api/conditions.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import type { Decision, Demand, WaitReason } from "./plan.ts";
import { vramNeedOn } from "./vram-need.ts";

export interface EnvVar {
  name: string;
  value: string;
}

export type GpuChoice =
  | { kind: "cpu" }
  | {
      kind: "gpu";
      gpuClass: GPUClass;
      /** The node the agent's pods are pinned to. */
      node: string;
      vramMiB: number;
      env: EnvVar[];
      /** True when the agent runs on a fallback class, not its own. */
      fallback: boolean;
    }
  | {
      kind: "unplaceable";
      reason: WaitReason;
      message: string;
      gpuClass?: GPUClass;
      /** Placed, but pods leaving its node still hold the room: it starts once they have stopped. */
      afterLeaving?: true;
    };

/** The demand an agent puts on the fleet's GPUs; undefined for a CPU agent. */
export function demandOf(
  key: string,
  agent: Pick<AgentDeployment, "spec">,
  current: Demand["current"],
  settling: boolean,
): Demand | undefined {
  const gpu = agent.spec.gpu;
  if (!gpu) return undefined;
  return {
    key,
    required: agent.spec.required,
    priority: agent.spec.priority,
    replicas: agent.spec.replicas,
    classes: [gpu.class, ...(gpu.fallbackClasses ?? [])].map((name) => ({ name, vramMiB: vramNeedOn(gpu, name) })),
    failback: gpu.failback,
    ...(current ? { current } : {}),
    ...(settling ? { settling } : {}),
  };
}

export function gpuChoice(
  agent: Pick<AgentDeployment, "spec">,
  decision: Decision | undefined,
  classes: ReadonlyMap<string, GPUClass>,
): GpuChoice {
  const gpu = agent.spec.gpu;
  if (!gpu) return { kind: "cpu" };
  if (!decision)
    return { kind: "unplaceable", reason: AgentReason.NodeNotReady, message: "waiting for the fleet's placement" };
  if (decision.kind === "waiting") {
    const own = classes.get(gpu.class);
    return {
      kind: "unplaceable",
      reason: decision.reason,
      message: decision.message,
      ...(own ? { gpuClass: own } : {}),
    };
  }
  const gpuClass = classes.get(decision.gpuClass) as GPUClass;
  // Its room is reserved, but pods leaving the node still hold it: no pod yet.
  if (decision.waitsFor) {
    return {
      kind: "unplaceable",
      reason: AgentReason.InsufficientVRAM,
      message: decision.waitsFor,
      gpuClass,
      afterLeaving: true,
    };
  }
  const override = decision.fallback ? gpu.overrides?.find((o) => o.class === decision.gpuClass) : undefined;
  return {
    kind: "gpu",
    gpuClass,
    node: decision.node,
    vramMiB: decision.vramMiB,
    env: override?.env ?? [],
    fallback: decision.fallback,
  };
}
