// The fleet's GPU placement: which node of which class each GPU agent runs on, such that no node's
// requested VRAM exceeds its capacity and no node gives out more time-sliced GPU replicas than it
// has. Pure and deterministic: the same fleet always gives the same placement.
//
// Order: required agents first, then higher priority, then name. Each agent tries its own class,
// then its fallbacks in order; within a class, the node it already runs on, then BinPack (fullest
// first) or Spread (emptiest first), then name. An agent keeps its node while that node is usable
// and has room, so a steady fleet never moves. Fail-back to the own class happens one agent at a
// time, and never while another agent is still moving.
import type { GPUClass } from "../api/gpuclass.ts";
import { type NodeInfo, nodeInClass, usable } from "./nodes.ts";

export interface Demand {
  key: string; // namespace/name
  required: boolean;
  priority: number;
  replicas: number;
  /** The own class first, then the fallbacks, each with the VRAM one replica needs there. */
  classes: { name: string; vramMiB: number }[];
  failback: boolean;
  /** Where it was placed last (the node its Deployment is pinned to), if anywhere. */
  current?: { gpuClass: string; node: string };
  /** Its pods are still moving to where it was placed last. */
  settling?: boolean;
}

export interface Supply extends NodeInfo {
  /** Time-sliced replicas the device plugin advertises, per resource name. */
  allocatable: Record<string, string>;
}

export type Decision =
  | { kind: "placed"; gpuClass: string; node: string; vramMiB: number; fallback: boolean }
  | {
      kind: "waiting";
      reason: "InsufficientVRAM" | "NoFreeGPU" | "NodeNotReady" | "UnknownGPUClass" | "Preempted";
      message: string;
    };

interface NodeLedger {
  node: Supply;
  gpuClass: GPUClass;
}

const byOrder = (a: Demand, b: Demand) =>
  Number(b.required) - Number(a.required) || b.priority - a.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function gpusOn(node: Supply, gpuClass: GPUClass): number {
  const counted = Number(node.labels["nvidia.com/gpu.count"]);
  if (Number.isInteger(counted) && counted > 0) return counted;
  return Math.max(
    1,
    Math.floor(Number(node.allocatable[gpuClass.spec.resourceName] ?? 0) / gpuClass.spec.sharing.replicas),
  );
}

export function planPlacement(
  demands: readonly Demand[],
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly Supply[],
): Map<string, Decision> {
  // One ledger per node and class: a node in two classes (unusual) shares one budget.
  const ledgers = new Map<string, NodeLedger[]>();
  const shared = new Map<string, { freeMiB: number; freeSlots: number }>();
  for (const gpuClass of [...classes.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const members: NodeLedger[] = [];
    for (const node of nodes) {
      if (!nodeInClass(node, gpuClass)) continue;
      const budget = shared.get(node.name) ?? {
        freeMiB: gpusOn(node, gpuClass) * (gpuClass.spec.vramMiB - gpuClass.spec.reservedMiB),
        freeSlots: Number(node.allocatable[gpuClass.spec.resourceName] ?? 0),
      };
      shared.set(node.name, budget);
      members.push({ node, gpuClass });
    }
    ledgers.set(gpuClass.metadata.name, members);
  }
  const budgetOf = (l: NodeLedger) => shared.get(l.node.name) as { freeMiB: number; freeSlots: number };

  const decisions = new Map<string, Decision>();
  let failbackStarted = demands.some((d) => d.settling);
  for (const d of [...demands].sort(byOrder)) {
    const known = d.classes.filter((c) => classes.has(c.name));
    if (known.length === 0) {
      decisions.set(d.key, {
        kind: "waiting",
        reason: "UnknownGPUClass",
        message: `GPU class ${d.classes.map((c) => c.name).join(", ")} does not exist; create it (kubectl get gpuclasses lists those there are) or change spec.gpu.class`,
      });
      continue;
    }
    // A running agent on a fallback moves back only when it is its turn.
    const onFallback = d.current !== undefined && d.current.gpuClass !== d.classes[0]?.name;
    const currentUsable =
      d.current !== undefined &&
      (ledgers.get(d.current.gpuClass) ?? []).some((l) => l.node.name === d.current?.node && usable(l.node));
    let candidates = known;
    if (onFallback && currentUsable && (!d.failback || failbackStarted)) {
      candidates = known.filter((c) => c.name === d.current?.gpuClass);
    }
    let placed: Decision | undefined;
    const shortfalls: string[] = [];
    let anyUsable = false;
    let slotsOnly = true;
    for (const c of candidates) {
      const members = (ledgers.get(c.name) ?? []).filter((l) => usable(l.node));
      anyUsable ||= members.length > 0;
      const needMiB = c.vramMiB * d.replicas;
      const placement = members[0]?.gpuClass.spec.placement ?? "BinPack";
      const ordered = [...members].sort(
        (a, b) =>
          Number(b.node.name === d.current?.node) - Number(a.node.name === d.current?.node) ||
          (placement === "Spread"
            ? budgetOf(b).freeMiB - budgetOf(a).freeMiB
            : budgetOf(a).freeMiB - budgetOf(b).freeMiB) ||
          (a.node.name < b.node.name ? -1 : 1),
      );
      const fit = ordered.find((l) => budgetOf(l).freeMiB >= needMiB && budgetOf(l).freeSlots >= d.replicas);
      if (fit) {
        const budget = budgetOf(fit);
        budget.freeMiB -= needMiB;
        budget.freeSlots -= d.replicas;
        const fallback = c.name !== d.classes[0]?.name;
        if (onFallback && !fallback) failbackStarted = true;
        placed = { kind: "placed", gpuClass: c.name, node: fit.node.name, vramMiB: c.vramMiB, fallback };
        break;
      }
      for (const l of ordered) {
        const b = budgetOf(l);
        if (b.freeMiB < needMiB) slotsOnly = false;
        shortfalls.push(
          b.freeMiB < needMiB
            ? `${c.name} has ${b.freeMiB} MiB free on ${l.node.name}`
            : `${c.name} has no free GPU replica on ${l.node.name}`,
        );
      }
    }
    if (placed) {
      decisions.set(d.key, placed);
      continue;
    }
    const need = candidates.map((c) => `${c.vramMiB * d.replicas} MiB`).filter((v, i, all) => all.indexOf(v) === i);
    if (!anyUsable) {
      decisions.set(d.key, {
        kind: "waiting",
        reason: "NodeNotReady",
        message: `no Ready, schedulable node carries ${candidates.map((c) => c.name).join(" or ")}; the agent starts when one does`,
      });
    } else {
      // Preempted: it still has a usable node, but agents placed before it took the room.
      const wasRunning = currentUsable;
      decisions.set(d.key, {
        kind: "waiting",
        reason: wasRunning ? "Preempted" : slotsOnly ? "NoFreeGPU" : "InsufficientVRAM",
        message: `${wasRunning ? "displaced by agents placed before it; " : ""}needs ${need.join(" or ")}: ${shortfalls.join("; ")}`,
      });
    }
  }
  return decisions;
}
