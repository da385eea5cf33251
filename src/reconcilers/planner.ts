// The fleet's placement, kept current: recomputed (once per burst of changes) from the caches when
// what it reads changes (an agent's spec, a class's spec, a node's readiness or capacity, where a
// Deployment's pods were placed and whether they still move), and every agent whose decision changed
// is queued again. Status updates, heartbeats and pod counts do not make it plan again. This is how
// room that appears (an agent deleted and its pods gone, a node back) reaches the agents waiting for
// it, with nobody touching them.
import type { V1Deployment } from "@kubernetes/client-node";
import type { AgentDeployment, GpuRequest } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { annotationKeys as annotations } from "../api/labels.ts";
import type { ObjectCache } from "../controller/cache.ts";
import { changeFilter, mapOnChange, specSignature } from "../controller/change-filter.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { classesWithRoom, classRoom } from "../placement/disruption.ts";
import { demandOf } from "../placement/gpu-choice.ts";
import { type ClassLedger, classLedger, placedAgents } from "../placement/ledger.ts";
import {
  type Decision,
  type Demand,
  leavingByNode,
  placedNodeIn,
  planPlacement,
  type RunningPod,
  type Supply,
} from "../placement/plan.ts";
import { parseAgentSpec } from "./agent-spec.ts";
import { agentKeysOfPod, type FleetCaches, type NodeObject, type PodObject } from "./fleet-caches.ts";

export interface PlannerSources {
  agents: ObjectCache<AgentDeployment>;
  classes: ObjectCache<GPUClass>;
  nodes: ObjectCache<NodeObject>;
  deployments: ObjectCache<KubeObject>;
  /** The agents' pods: those of GPU agents that still run where their agent no longer is hold its VRAM. */
  pods: ObjectCache<PodObject>;
}

/** Runs a function after a delay; injected so that unit tests decide when time passes. */
export type Schedule = (run: () => void, delayMs: number) => void;

const realTimer: Schedule = (run, delayMs) => {
  setTimeout(run, delayMs).unref();
};

/** How long a burst of changes may gather before the fleet is planned again. */
export const replanDelayMs = 200;

/** Told the agents (namespace/name) whose decision changed, or that may hold a drain differently now. */
export type PlanListener = (keys: string[]) => void;

// Each reconcile reads every node's supply: kept per node object, which the cache replaces when the
// node changes and nothing mutates (3,000 reconciles over 48 nodes made it a tenth of a start's pass).
const supplies = new WeakMap<NodeObject, Supply>();

export function supplyOf(node: NodeObject): Supply {
  let supply = supplies.get(node);
  if (!supply) {
    supply = {
      name: node.metadata.name,
      labels: node.metadata.labels ?? {},
      ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      schedulable: !node.spec?.unschedulable,
      allocatable: node.status?.allocatable ?? {},
    };
    supplies.set(node, supply);
  }
  return supply;
}

/** What placement reads of a node: a heartbeat or an image list changes nothing it decides. */
export const placementSignature = (node: NodeObject) => JSON.stringify(supplyOf(node));

/** A watch's map on nodes that fires only when what placement reads of a node changed. */
export const nodePlacementChange = (keys: () => string[]) =>
  mapOnChange((n: KubeObject) => placementSignature(n as NodeObject), keys);

/**
 * A GPU agent's pod that holds a card: scheduled to a node, not finished, placed for a class (its
 * template's annotation). Undefined for any other pod.
 */
export function runningGpuPod(pod: PodObject): RunningPod | undefined {
  const node = pod.spec?.nodeName;
  const gpuClass = pod.metadata.annotations?.[annotations.placedClass];
  const agent = agentKeysOfPod(pod)[0];
  const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
  return node && gpuClass && agent && !finished ? { agent, node, gpuClass } : undefined;
}

/** Where the agent was placed last, read back from its Deployment, and whether its pods still move. */
export function lastPlacement(deployment: V1Deployment | undefined): {
  current?: Demand["current"];
  settling: boolean;
} {
  const template = deployment?.spec?.template.metadata?.annotations ?? {};
  const node = template[annotations.placedNode];
  const gpuClass = template[annotations.placedClass];
  const want = deployment?.spec?.replicas ?? 0;
  const status = deployment?.status;
  const settling =
    deployment !== undefined &&
    ((status?.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0) ||
      (status?.updatedReplicas ?? 0) < want ||
      (status?.replicas ?? 0) > want);
  return node && gpuClass && want > 0 ? { current: { gpuClass, node }, settling } : { settling };
}

export class FleetPlanner {
  private readonly sources: PlannerSources;
  private readonly listeners: PlanListener[] = [];
  private readonly schedule: Schedule;
  private decisions = new Map<string, Decision>();
  private free = new Map<string, number>();
  private ledgers = new Map<string, ClassLedger>();
  /** Whether each required single-pod GPU agent may hold a drain, by the last plan's room. */
  private drainHolds = new Map<string, string>();
  /**
   * The classes each GPU agent asked for, as last planned: the VRAM its pods hold once it is deleted
   * (or leaves the GPU) and they have not stopped yet. Kept while any of its pods runs. An operator
   * started while such pods still stop never saw their agent: they count a GPU replica, not VRAM.
   */
  private lastClasses = new Map<string, Demand["classes"]>();
  private dirty = true;
  private scheduled = false;

  constructor(sources: PlannerSources, schedule: Schedule = realTimer) {
    this.sources = sources;
    this.schedule = schedule;
    const onChangeOf = <T extends KubeObject>(source: ObjectCache<T>, signature: (obj: T) => string) => {
      const changed = changeFilter(signature);
      source.onChange((obj, event) => {
        if (changed(obj, event)) this.touch();
      });
    };
    onChangeOf(sources.agents, specSignature);
    onChangeOf(sources.classes, specSignature);
    onChangeOf(sources.nodes, placementSignature);
    // A pod matters to the plan only where its agent is not placed (a deleted agent's, a moved one's
    // old pod): its coming and going changes the room there. The pods of a rollout do not.
    sources.pods.onChange((pod) => {
      const node = pod.spec?.nodeName;
      if (!node || !pod.metadata.annotations?.[annotations.placedClass]) return;
      const decision = this.decisions.get(agentKeysOfPod(pod)[0] ?? "");
      if (decision?.kind !== "placed" || decision.node !== node) this.touch();
    });
    // Only a GPU agent's Deployment says where it was placed; a CPU agent's pods are no concern of the plan.
    onChangeOf(sources.deployments, (d) =>
      sources.agents.get(d.metadata.name, d.metadata.namespace)?.spec.gpu
        ? JSON.stringify(lastPlacement(d as V1Deployment))
        : "",
    );
  }

  /** Calls the listener with the agents to look again at, after each plan that changed something. */
  subscribe(listener: PlanListener): void {
    this.listeners.push(listener);
  }

  /** The current decision for an agent (namespace/name). */
  decisionFor(key: string): Decision | undefined {
    if (this.dirty) this.recompute();
    return this.decisions.get(key);
  }

  /** VRAM left free on a node after every placed agent, by the ledger; undefined for a node of no class. */
  freeVram(node: string): number | undefined {
    if (this.dirty) this.recompute();
    return this.free.get(node);
  }

  /** The VRAM ledger of a class by the current plan: its nodes, their room, the agents placed there. */
  ledgerOf(gpuClass: string): ClassLedger | undefined {
    if (this.dirty) this.recompute();
    return this.ledgers.get(gpuClass);
  }

  private touch(): void {
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    // One plan per burst of events, not one per event: at a fleet's rollout a plan of 3,000 agents
    // every 20 ms was most of the operator's CPU. A GPU agent's reconcile re-plans first if needed.
    this.schedule(() => {
      this.scheduled = false;
      if (this.dirty) this.recompute();
    }, replanDelayMs);
  }

  private recompute(): void {
    this.dirty = false;
    const demands: Demand[] = [];
    const holdsDrainByRoom = new Map<string, GpuRequest>();
    for (const agent of this.sources.agents.list()) {
      if (agent.metadata.deletionTimestamp) continue;
      const parsed = parseAgentSpec(agent);
      if (!parsed.success) continue;
      const key = objectKey(agent.metadata);
      const deployment = this.sources.deployments.get(agent.metadata.name, agent.metadata.namespace) as
        | V1Deployment
        | undefined;
      const { current, settling } = lastPlacement(deployment);
      const demand = demandOf(key, { spec: parsed.data }, current, settling);
      if (demand) demands.push(demand);
      if (demand && parsed.data.gpu && parsed.data.required && parsed.data.replicas === 1)
        holdsDrainByRoom.set(key, parsed.data.gpu);
    }
    const classes = new Map(this.sources.classes.list().map((c) => [c.metadata.name, c]));
    const supplies = this.sources.nodes.list().map(supplyOf);
    const pods = this.sources.pods.list().flatMap((p) => runningGpuPod(p) ?? []);
    const lastClasses = new Map<string, Demand["classes"]>();
    for (const d of demands) lastClasses.set(d.key, d.classes);
    for (const pod of pods) {
      const before = this.lastClasses.get(pod.agent);
      if (before && !lastClasses.has(pod.agent)) lastClasses.set(pod.agent, before);
    }
    this.lastClasses = lastClasses;
    const next = planPlacement(demands, classes, supplies, { pods, lastClasses });
    const changed = new Set(
      [...new Set([...next.keys(), ...this.decisions.keys()])].filter(
        (k) => JSON.stringify(next.get(k)) !== JSON.stringify(this.decisions.get(k)),
      ),
    );
    this.decisions = next;
    const replicas = new Map(demands.map((d) => [d.key, d.replicas]));
    const placed = placedAgents(next, (key) => replicas.get(key) ?? 1);
    const leaving = new Map(
      [...leavingByNode(pods, (agent) => lastClasses.get(agent), placedNodeIn(next))].map(
        ([node, held]) => [node, held.vramMiB] as const,
      ),
    );
    this.ledgers = new Map(
      [...classes.values()].map((c) => [c.metadata.name, classLedger(c, supplies, placed, leaving)]),
    );
    const free = new Map(
      [...this.ledgers.values()].flatMap((l) => (l.nodes ?? []).map((n) => [n.name, n.freeMiB] as const)),
    );
    // Room on another node decides whether a required agent with one pod may hold a drain
    // (disruption.ts): those whose answer the new room changes look again, though their own placement
    // did not change. Only those: at a rollout, room changes with every placement.
    const room = classRoom(classes.values(), supplies, (n) => free.get(n));
    const drainHolds = new Map<string, string>();
    for (const [key, gpu] of holdsDrainByRoom) {
      const decision = next.get(key);
      const answer = classesWithRoom(gpu, decision?.kind === "placed" ? decision.node : undefined, room).join(" ");
      drainHolds.set(key, answer);
      if (this.drainHolds.get(key) !== answer) changed.add(key);
    }
    this.drainHolds = drainHolds;
    const freeChanged = JSON.stringify([...free]) !== JSON.stringify([...this.free]);
    this.free = free;
    // The classes' ledgers change with any decision or with the room left.
    if (changed.size || freeChanged) for (const listener of this.listeners) listener([...changed]);
  }
}

/** The fleet's planner over the manager's shared caches. */
export function setupFleetPlanner(caches: FleetCaches): FleetPlanner {
  return new FleetPlanner({
    agents: caches.agents,
    classes: caches.classes,
    nodes: caches.nodes,
    deployments: caches.children.Deployment,
    pods: caches.pods,
  });
}
