// The fleet's GPU placement: which node of which class each GPU agent runs on, such that no node's
// requested VRAM exceeds its capacity and no node gives out more time-sliced GPU replicas than it
// has. Pure and deterministic: the same fleet always gives the same placement.
//
// 1. Agents already running keep their node while it is usable and they still fit, so a steady
//    fleet never moves and a newcomer never pushes a running agent out.
// 2. The others are placed in order (required first, then higher priority, then name), each on its
//    own class if it has room, else on its first fallback with room; within a class, BinPack fills
//    the fullest node that fits, Spread the emptiest.
// 3. One agent on a fallback moves back to its own class, if that has room, and only while no other
//    agent is still moving (make-before-break, one at a time).
// 4. A required agent that still has no room may displace running agents of lower rank, which then
//    wait as Preempted.
//
// Pods that are leaving a node (those of a deleted agent, the old pods of one that moved) hold its
// VRAM until they are gone: from step 2 on, nobody new is placed into it. A model still unloading
// and one loading into the same room is a CUDA out-of-memory error, not a start. Only a required
// agent (step 4) may claim that room, as it may displace others: it is placed, so that nobody takes
// the room from it, but waits to start (`waitsFor`) until the pods leaving have stopped, as
// Kubernetes' scheduler lets a preemptor in only once its victims are gone.
import { AgentReason } from "../api/conditions.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { firstFew } from "../lib/words.ts";
import { type NodeInfo, nodeInClass, usable, vramCapacityMiB } from "./nodes.ts";

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

/** A GPU agent's pod that runs on a node (scheduled, not finished), and the class it was placed for. */
export interface RunningPod {
  agent: string; // namespace/name
  node: string;
  gpuClass: string;
}

/**
 * The pods that run on the nodes, to count those leaving a node; and the classes (with the VRAM of
 * one replica on each) of agents that are no longer demands (deleted, or no longer on a GPU), as
 * last seen: their pods hold that VRAM until they are gone. A pod of an agent known to neither holds
 * a GPU replica, and VRAM that cannot be told.
 */
export interface RunningPods {
  pods: readonly RunningPod[];
  lastClasses: ReadonlyMap<string, Demand["classes"]>;
}

export interface Supply extends NodeInfo {
  /** What the device plugin advertises, per resource name (time-sliced replicas). */
  allocatable: Record<string, string>;
}

export type WaitReason =
  | typeof AgentReason.InsufficientVRAM
  | typeof AgentReason.NoFreeGPU
  | typeof AgentReason.NodeNotReady
  | typeof AgentReason.UnknownGPUClass
  | typeof AgentReason.Preempted;

export type Decision =
  | {
      kind: "placed";
      gpuClass: string;
      node: string;
      vramMiB: number;
      fallback: boolean;
      /** Placed into room that pods leaving the node still hold: why it must not start yet. */
      waitsFor?: string;
    }
  | { kind: "waiting"; reason: WaitReason; message: string };

type Placed = Extract<Decision, { kind: "placed" }>;

interface Budget {
  /** What the node has for agents: its first class's VRAM capacity, and its GPU replicas. */
  readonly capacityMiB: number;
  readonly slots: number;
  freeMiB: number;
  freeSlots: number;
  /** Of the VRAM and GPU replicas not free, what pods leaving the node still hold. */
  leavingMiB: number;
  leavingSlots: number;
  /** The agents whose pods are leaving the node. */
  leavingAgents: Set<string>;
}

interface Member {
  node: Supply;
  gpuClass: GPUClass;
  budget: Budget;
}

const rank = (a: Demand, b: Demand) =>
  Number(b.required) - Number(a.required) || b.priority - a.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Each class's nodes, each node with one budget shared by every class it belongs to (the first
 * class's, by name), and the budgets by node.
 */
function ledgers(
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly Supply[],
): { byClass: Map<string, Member[]>; budgets: Map<string, Budget> } {
  const budgets = new Map<string, Budget>();
  const out = new Map<string, Member[]>();
  for (const gpuClass of [...classes.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const members: Member[] = [];
    for (const node of nodes) {
      if (!nodeInClass(node, gpuClass)) continue;
      const capacityMiB = vramCapacityMiB(node, gpuClass);
      const slots = Number(node.allocatable[gpuClass.spec.resourceName] ?? 0);
      const budget = budgets.get(node.name) ?? {
        capacityMiB,
        slots,
        freeMiB: capacityMiB,
        freeSlots: slots,
        leavingMiB: 0,
        leavingSlots: 0,
        leavingAgents: new Set<string>(),
      };
      budgets.set(node.name, budget);
      members.push({ node, gpuClass, budget });
    }
    out.set(gpuClass.metadata.name, members);
  }
  return { byClass: out, budgets };
}

const fits = (m: Member, mib: number, slots: number) => m.budget.freeMiB >= mib && m.budget.freeSlots >= slots;
const take = (m: Member, mib: number, slots: number) => {
  m.budget.freeMiB -= mib;
  m.budget.freeSlots -= slots;
};
const give = (m: Member, mib: number, slots: number) => take(m, -mib, -slots);

export function planPlacement(
  demands: readonly Demand[],
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly Supply[],
  running: RunningPods = { pods: [], lastClasses: new Map() },
): Map<string, Decision> {
  const { byClass, budgets } = ledgers(classes, nodes);
  // The VRAM of an agent's pods: by its demand, else as last seen (a deleted agent's).
  const demandClasses = new Map(demands.map((d) => [d.key, d.classes]));
  const classesOf = (agent: string) => demandClasses.get(agent) ?? running.lastClasses.get(agent);
  const members = new Map([...byClass.values()].flat().map((m) => [`${m.gpuClass.metadata.name}|${m.node.name}`, m]));
  const memberOf = (gpuClass: string, node: string) => members.get(`${gpuClass}|${node}`);
  // Usable members per class, by name: computed once, as every agent looks at them (at 10,000 agents
  // filtering and sorting them per agent was most of the plan's time).
  const usableByClass = new Map(
    [...byClass].map(([name, list]) => [
      name,
      list.filter((m) => usable(m.node)).sort((a, b) => (a.node.name < b.node.name ? -1 : 1)),
    ]),
  );
  const decisions = new Map<string, Decision>();
  const ordered = [...demands].sort(rank);
  const need = (d: Demand, gpuClass: string) => (d.classes.find((c) => c.name === gpuClass)?.vramMiB ?? 0) * d.replicas;
  // The VRAM required agents hold on each node: what keeps an optional agent out once it was
  // displaced (the plan keeps no memory of who displaced it), said in its waiting message.
  const requiredOn = new Map<string, RequiredHold>();
  const holdRequired = (d: Demand, node: string, mib: number) => {
    if (!d.required) return;
    const held = requiredOn.get(node) ?? { mib: 0, agents: [] };
    requiredOn.set(node, {
      mib: held.mib + mib,
      agents: mib > 0 ? [...held.agents, d.key] : held.agents.filter((k) => k !== d.key),
    });
  };
  const place = (d: Demand, m: Member): Placed => {
    const vramMiB = d.classes.find((c) => c.name === m.gpuClass.metadata.name)?.vramMiB ?? 0;
    take(m, vramMiB * d.replicas, d.replicas);
    holdRequired(d, m.node.name, vramMiB * d.replicas);
    const placed: Placed = {
      kind: "placed",
      gpuClass: m.gpuClass.metadata.name,
      node: m.node.name,
      vramMiB,
      fallback: m.gpuClass.metadata.name !== d.classes[0]?.name,
    };
    decisions.set(d.key, placed);
    return placed;
  };

  // 1. Incumbents keep their node.
  for (const d of ordered) {
    if (!d.current || !d.classes.some((c) => c.name === d.current?.gpuClass)) continue;
    const m = memberOf(d.current.gpuClass, d.current.node);
    if (m && usable(m.node) && fits(m, need(d, d.current.gpuClass), d.replicas)) place(d, m);
  }
  holdLeaving(running, classesOf, decisions, budgets);

  // 2. Everyone else, in rank order.
  for (const d of ordered) {
    if (decisions.has(d.key)) continue;
    const known = d.classes.filter((c) => classes.has(c.name));
    if (known.length === 0) {
      decisions.set(d.key, {
        kind: "waiting",
        reason: AgentReason.UnknownGPUClass,
        message: `GPU class ${d.classes.map((c) => c.name).join(", ")} does not exist; create it (kubectl get gpuclasses lists those there are) or change spec.gpu.class`,
      });
      continue;
    }
    let done = false;
    for (const c of known) {
      const usableMembers = usableByClass.get(c.name) ?? [];
      const spread = usableMembers[0]?.gpuClass.spec.placement === "Spread";
      // BinPack: the fitting node with the least free VRAM; Spread: the most; ties by name (the
      // members are in name order, and only a strictly better node replaces the one found).
      let target: Member | undefined;
      for (const m of usableMembers) {
        if (!fits(m, c.vramMiB * d.replicas, d.replicas)) continue;
        if (!target || (spread ? m.budget.freeMiB > target.budget.freeMiB : m.budget.freeMiB < target.budget.freeMiB)) {
          target = m;
        }
      }
      if (target) {
        place(d, target);
        done = true;
        break;
      }
    }
    if (!done) decisions.set(d.key, waiting(d, known, usableByClass, requiredOn));
  }

  // 3. One fail-back, if no agent is still moving.
  if (!demands.some((d) => d.settling)) {
    for (const d of ordered) {
      const now = decisions.get(d.key);
      const own = d.classes[0];
      if (!d.failback || now?.kind !== "placed" || !now.fallback || !own) continue;
      const target = (usableByClass.get(own.name) ?? [])
        .filter((m) => fits(m, own.vramMiB * d.replicas, d.replicas))
        .sort((a, b) => a.budget.freeMiB - b.budget.freeMiB || (a.node.name < b.node.name ? -1 : 1))[0];
      if (!target) continue;
      give(memberOf(now.gpuClass, now.node) as Member, now.vramMiB * d.replicas, d.replicas);
      holdRequired(d, now.node, -now.vramMiB * d.replicas);
      place(d, target);
      break;
    }
  }
  // 4. Required agents may displace running agents of lower rank.
  const waitingRequired = ordered.filter((d) => d.required && decisions.get(d.key)?.kind !== "placed");
  const requiredKeys = new Set(ordered.filter((d) => d.required).map((d) => d.key));
  // Who could be displaced, per node, lowest rank first: non-required agents, the only ones that may be.
  const displaceable = new Map<string, Demand[]>();
  if (waitingRequired.length) {
    for (const o of [...ordered].reverse()) {
      const p = decisions.get(o.key);
      if (o.required || p?.kind !== "placed") continue;
      displaceable.set(p.node, [...(displaceable.get(p.node) ?? []), o]);
    }
  }
  for (const d of waitingRequired) {
    for (const c of d.classes.filter((x) => classes.has(x.name))) {
      const victims = preemptionOn(d, c, usableByClass.get(c.name) ?? [], displaceable, decisions);
      if (!victims) continue;
      const onNode = displaceable.get(victims.member.node.name) ?? [];
      displaceable.set(
        victims.member.node.name,
        onNode.filter((o) => !victims.evict.includes(o)),
      );
      const displaced = (key: string) =>
        decisions.set(key, {
          kind: "waiting",
          reason: AgentReason.Preempted,
          message: `displaced from ${victims.member.node.name} by the required agent ${d.key}, which needs ${c.vramMiB * d.replicas} MiB of ${c.name}`,
        });
      for (const v of victims.evict) {
        const placed = decisions.get(v.key) as Placed;
        give(victims.member, placed.vramMiB * v.replicas, v.replicas);
        displaced(v.key);
      }
      // Room its leaving pods still hold goes to d: an agent that waits for it to come back (one
      // displaced by d in an earlier plan, its pod still stopping) is displaced, not about to return.
      if (!fits(victims.member, c.vramMiB * d.replicas, d.replicas)) {
        for (const key of victims.member.budget.leavingAgents) {
          const now = decisions.get(key);
          if (now?.kind === "waiting" && !requiredKeys.has(key)) displaced(key);
        }
      }
      place(d, victims.member);
      break;
    }
  }

  return startsAfterLeaving(decisions, demands, running, classesOf, budgets);
}

/**
 * The placed agents that must not start yet: those on a node whose agents and leaving pods together
 * need more than it has (only a required agent is placed into room pods leaving still hold), and
 * that run no pod there yet. An agent already running there is left alone.
 */
function startsAfterLeaving(
  decisions: Map<string, Decision>,
  demands: readonly Demand[],
  running: RunningPods,
  classesOf: (agent: string) => Demand["classes"] | undefined,
  budgets: ReadonlyMap<string, Budget>,
): Map<string, Decision> {
  if (running.pods.length === 0) return decisions;
  const replicas = new Map(demands.map((d) => [d.key, d.replicas]));
  const used = new Map<string, { mib: number; slots: number }>();
  const use = (node: string, mib: number, slots: number) => {
    const u = used.get(node) ?? { mib: 0, slots: 0 };
    u.mib += mib;
    u.slots += slots;
    used.set(node, u);
  };
  for (const [key, d] of decisions) {
    if (d.kind === "placed") use(d.node, d.vramMiB * (replicas.get(key) ?? 1), replicas.get(key) ?? 1);
  }
  const leaving = leavingByNode(running.pods, classesOf, placedNodeIn(decisions));
  for (const [node, held] of leaving) use(node, held.vramMiB, held.pods);
  const runsOn = new Set(running.pods.map((p) => `${p.agent}|${p.node}`));
  for (const [key, d] of decisions) {
    if (d.kind !== "placed" || runsOn.has(`${key}|${d.node}`)) continue;
    const has = budgets.get(d.node);
    const u = used.get(d.node);
    const held = leaving.get(d.node);
    if (!has || !u || !held || (u.mib <= has.capacityMiB && u.slots <= has.slots)) continue;
    decisions.set(key, {
      ...d,
      waitsFor: `placed on ${d.node} (${d.gpuClass}), where pods leaving the node still hold ${held.vramMiB} MiB; it starts once they have stopped`,
    });
  }
  return decisions;
}

/**
 * What the pods leaving each node hold there: every running pod whose agent is not placed on its node
 * (`placedNodeOf`), with the VRAM one replica of its agent takes on the pod's class (`classesOf`; 0
 * when the agent is unknown, though the pod still holds a GPU replica).
 */
export function leavingByNode(
  pods: readonly RunningPod[],
  classesOf: (agent: string) => Demand["classes"] | undefined,
  placedNodeOf: (agent: string) => string | undefined,
): Map<string, { vramMiB: number; pods: number; agents: Set<string> }> {
  const byNode = new Map<string, { vramMiB: number; pods: number; agents: Set<string> }>();
  for (const pod of pods) {
    if (placedNodeOf(pod.agent) === pod.node) continue;
    const held = byNode.get(pod.node) ?? { vramMiB: 0, pods: 0, agents: new Set<string>() };
    held.vramMiB += classesOf(pod.agent)?.find((c) => c.name === pod.gpuClass)?.vramMiB ?? 0;
    held.pods += 1;
    held.agents.add(pod.agent);
    byNode.set(pod.node, held);
  }
  return byNode;
}

/** The node an agent is placed on by these decisions, if it is placed. */
export const placedNodeIn =
  (decisions: ReadonlyMap<string, Decision>) =>
  (agent: string): string | undefined => {
    const d = decisions.get(agent);
    return d?.kind === "placed" ? d.node : undefined;
  };

/**
 * Takes from each node's budget what its leaving pods hold. Done after step 1, so that an agent
 * already pinned to a node keeps it (its room was counted when it was placed there), and before
 * anyone new is placed.
 */
function holdLeaving(
  running: RunningPods,
  classesOf: (agent: string) => Demand["classes"] | undefined,
  decisions: ReadonlyMap<string, Decision>,
  budgets: ReadonlyMap<string, Budget>,
): void {
  if (running.pods.length === 0) return;
  for (const [node, held] of leavingByNode(running.pods, classesOf, placedNodeIn(decisions))) {
    const budget = budgets.get(node);
    if (!budget) continue;
    budget.freeMiB -= held.vramMiB;
    budget.freeSlots -= held.pods;
    budget.leavingMiB += held.vramMiB;
    budget.leavingSlots += held.pods;
    for (const agent of held.agents) budget.leavingAgents.add(agent);
  }
}

/** The fewest lowest-ranked non-required agents on one node whose room would let d in. */
function preemptionOn(
  d: Demand,
  c: { name: string; vramMiB: number },
  members: readonly Member[],
  displaceable: ReadonlyMap<string, readonly Demand[]>,
  decisions: ReadonlyMap<string, Decision>,
): { member: Member; evict: Demand[] } | undefined {
  const needMiB = c.vramMiB * d.replicas;
  // The class's usable members, in name order.
  for (const member of members) {
    // Lowest rank first; a required agent outranks every non-required one.
    const lower = displaceable.get(member.node.name) ?? [];
    // What pods leaving the node hold is as good as free for a required agent: it is placed there,
    // and starts once they have stopped (startsAfterLeaving).
    let freeMiB = member.budget.freeMiB + member.budget.leavingMiB;
    let freeSlots = member.budget.freeSlots + member.budget.leavingSlots;
    const evict: Demand[] = [];
    for (const o of lower) {
      if (freeMiB >= needMiB && freeSlots >= d.replicas) break;
      const p = decisions.get(o.key) as Placed;
      freeMiB += p.vramMiB * o.replicas;
      freeSlots += o.replicas;
      evict.push(o);
    }
    if (freeMiB >= needMiB && freeSlots >= d.replicas) return { member, evict };
  }
  return undefined;
}

/**
 * Why an agent waits, with the numbers: per class, the node with the most free VRAM (on a PC with
 * one node per class, that node). Built from one pass over each class's nodes: at 10,000 agents a
 * message listing every node for every waiting agent was most of the plan's time, and no help.
 */
interface RequiredHold {
  mib: number;
  agents: string[];
}

function waiting(
  d: Demand,
  known: Demand["classes"],
  usableByClass: ReadonlyMap<string, readonly Member[]>,
  requiredOn: ReadonlyMap<string, RequiredHold>,
): Decision {
  const perClass = known.flatMap((c) => {
    const list = usableByClass.get(c.name) ?? [];
    let best: Member | undefined;
    let most = 0;
    for (const m of list) {
      if (!best || m.budget.freeMiB > best.budget.freeMiB) best = m;
      most = Math.max(most, m.budget.capacityMiB);
    }
    return best ? [{ c, best, most, count: list.length }] : [];
  });
  if (perClass.length === 0) {
    return {
      kind: "waiting",
      reason: AgentReason.NodeNotReady,
      message: `no Ready, schedulable node carries ${known.map((c) => c.name).join(" or ")}; the agent starts when one does`,
    };
  }
  const vramShort = perClass.some(({ c, best }) => best.budget.freeMiB < c.vramMiB * d.replicas);
  // Each class in the agent's order; one with no usable node is said too (its own card's PC off).
  const short = known.map((c) => {
    const found = perClass.find((p) => p.c === c);
    if (!found) return `${c.name} has no Ready, schedulable node`;
    const { best, most, count } = found;
    const others = count > 1 ? ` (the most of its ${count} nodes)` : "";
    const leaving = best.budget.leavingMiB
      ? `, and ${best.budget.leavingMiB} MiB more once the pods leaving it have stopped`
      : "";
    // An optional agent that would fit but for required agents there (one they displaced): who.
    const held = d.required ? undefined : requiredOn.get(best.node.name);
    const byRequired =
      held && held.mib > 0 && best.budget.freeMiB + held.mib >= c.vramMiB * d.replicas
        ? ` (required agents hold ${held.mib} MiB there: ${firstFew(held.agents)})`
        : "";
    const needMiB = c.vramMiB * d.replicas;
    // More than a node of the class holds with nothing else on it: no amount of waiting helps.
    if (most < needMiB)
      return count > 1
        ? `${c.name} has at most ${most} MiB on any of its ${count} nodes, however empty`
        : `${c.name} has ${most} MiB in all on ${best.node.name}, however empty`;
    return best.budget.freeMiB < needMiB
      ? `${c.name} has ${Math.max(0, best.budget.freeMiB)} MiB free on ${best.node.name}${others}${byRequired}${leaving}`
      : `${c.name} has no free GPU replica on ${best.node.name}${count > 1 ? ` or its other nodes with room` : ""}`;
  });
  // A Deployment's replicas each take the VRAM: two of 20000 MiB are 2 × 20000, not one of 40000.
  const needs = [
    ...new Set(known.map((c) => (d.replicas > 1 ? `${d.replicas} × ${c.vramMiB} MiB` : `${c.vramMiB} MiB`))),
  ].join(" or ");
  return {
    kind: "waiting",
    reason: vramShort ? AgentReason.InsufficientVRAM : AgentReason.NoFreeGPU,
    message: `needs ${needs}: ${short.join("; ")}`,
  };
}
