// What placement needs to know of a node, and whether it belongs to a GPU class. Pure.
import type { GPUClass } from "../api/gpuclass.ts";

export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  /** Ready condition True. */
  ready: boolean;
  /** Not cordoned. */
  schedulable: boolean;
}

type Requirement = GPUClass["spec"]["nodeSelectorTerms"][number]["matchExpressions"][number];

function requirementHolds(labels: Record<string, string>, r: Requirement): boolean {
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const bound = Number(values[0]);
      const actual = Number(value);
      if (value === undefined || !Number.isInteger(actual) || !Number.isInteger(bound)) return false;
      return r.operator === "Gt" ? actual > bound : actual < bound;
    }
  }
}

/** True when the node satisfies one of the class's terms (terms are ORed, expressions ANDed), as the scheduler judges. */
export function nodeInClass(node: Pick<NodeInfo, "labels">, gpuClass: GPUClass): boolean {
  return gpuClass.spec.nodeSelectorTerms.some((term) =>
    term.matchExpressions.every((r) => requirementHolds(node.labels, r)),
  );
}

export const usable = (node: NodeInfo) => node.ready && node.schedulable;

export function nodesOfClass(nodes: readonly NodeInfo[], gpuClass: GPUClass): NodeInfo[] {
  return nodes.filter((n) => nodeInClass(n, gpuClass));
}

/** Physical GPUs on a node: GFD's count label, else the device plugin's allocatable over the replicas. */
export function gpusOn(node: NodeInfo & { allocatable?: Record<string, string> }, gpuClass: GPUClass): number {
  const counted = Number(node.labels["nvidia.com/gpu.count"]);
  if (Number.isInteger(counted) && counted > 0) return counted;
  const advertised = Number(node.allocatable?.[gpuClass.spec.resourceName] ?? 0);
  return Math.max(1, Math.floor(advertised / gpuClass.spec.sharing.replicas));
}

/** VRAM agents may use on a node of a class: its GPUs × (vramMiB − reservedMiB). */
export function vramCapacityMiB(node: NodeInfo & { allocatable?: Record<string, string> }, gpuClass: GPUClass): number {
  return gpusOn(node, gpuClass) * (gpuClass.spec.vramMiB - gpuClass.spec.reservedMiB);
}
