// The VRAM one replica of an agent needs on a GPU class: its own need, or a fallback class's override
// (a smaller model). The one rule that the plan, the drain policy and the tests all count with.
import type { GpuRequest } from "../api/agentdeployment.ts";

export function vramNeedOn(gpu: GpuRequest, className: string): number {
  if (className === gpu.class) return gpu.vramMiB;
  return gpu.overrides?.find((o) => o.class === className)?.vramMiB ?? gpu.vramMiB;
}
