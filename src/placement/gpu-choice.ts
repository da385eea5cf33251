// Which GPU class an agent runs on: its own class while that has a usable node, else the first fallback
// that has one. Pure; the VRAM ledger builds on it.
import type { AgentDeployment, GpuRequest } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { type NodeInfo, nodesOfClass, usable } from "./nodes.ts";

export interface EnvVar {
  name: string;
  value: string;
}

export type GpuChoice =
  | { kind: "cpu" }
  | {
      kind: "gpu";
      gpuClass: GPUClass;
      vramMiB: number;
      env: EnvVar[];
      /** True when the agent runs on a fallback class, not its own. */
      fallback: boolean;
      /** Usable nodes of the chosen class. */
      nodes: NodeInfo[];
    }
  | { kind: "unplaceable"; reason: "UnknownGPUClass" | "NoReadyNode"; message: string };

function onClass(gpu: GpuRequest, gpuClass: GPUClass, nodes: NodeInfo[], fallback: boolean): GpuChoice {
  const override = fallback ? gpu.overrides?.find((o) => o.class === gpuClass.metadata.name) : undefined;
  return {
    kind: "gpu",
    gpuClass,
    vramMiB: override?.vramMiB ?? gpu.vramMiB,
    env: override?.env ?? [],
    fallback,
    nodes,
  };
}

export function chooseGpu(
  agent: Pick<AgentDeployment, "spec">,
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly NodeInfo[],
): GpuChoice {
  const gpu = agent.spec.gpu;
  if (!gpu) return { kind: "cpu" };
  const candidates = [gpu.class, ...(gpu.fallbackClasses ?? [])];
  const known = candidates.filter((name) => classes.has(name));
  if (!classes.has(gpu.class) && known.length === 0) {
    return {
      kind: "unplaceable",
      reason: "UnknownGPUClass",
      message: `GPU class ${gpu.class} does not exist; create it (kubectl get gpuclasses lists those there are) or change spec.gpu.class`,
    };
  }
  for (const name of candidates) {
    const gpuClass = classes.get(name);
    if (!gpuClass) continue;
    const ready = nodesOfClass(nodes, gpuClass).filter(usable);
    if (ready.length > 0) return onClass(gpu, gpuClass, ready, name !== gpu.class);
  }
  const missing = candidates.filter((name) => !classes.has(name));
  return {
    kind: "unplaceable",
    reason: "NoReadyNode",
    message:
      `no Ready, schedulable node carries ${known.join(" or ")}` +
      (missing.length ? `; GPU class ${missing.join(", ")} does not exist` : "") +
      "; the agent starts when one does",
  };
}
