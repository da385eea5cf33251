// The fleet's placement, kept current: recomputed (once per burst of changes) from the caches when
// an agent, a class, a node or a Deployment changes, and every agent whose decision changed is
// queued again. This is how room that appears (an agent deleted, a node back) reaches the agents
// waiting for it, with nobody touching them.
import type { V1Deployment, V1Node } from "@kubernetes/client-node";
import { type AgentDeployment, agentDeploymentSpecSchema } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import type { Informer } from "../controller/informer.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { demandOf } from "../placement/gpu-choice.ts";
import { classLedger, placedAgents } from "../placement/ledger.ts";
import { type Decision, type Demand, planPlacement, type Supply } from "../placement/plan.ts";
import { annotations } from "../render/labels.ts";

export interface PlannerSources {
  agents: Informer<AgentDeployment>;
  classes: Informer<GPUClass>;
  nodes: Informer<V1Node & KubeObject>;
  deployments: Informer<KubeObject>;
}

export function supplyOf(node: V1Node & KubeObject): Supply {
  return {
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    schedulable: !node.spec?.unschedulable,
    allocatable: node.status?.allocatable ?? {},
  };
}

/** Where the agent was placed last, read back from its Deployment, and whether its pods still move. */
function lastPlacement(deployment: V1Deployment | undefined): { current?: Demand["current"]; settling: boolean } {
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
  private readonly onChanged: (keys: string[]) => void;
  private decisions = new Map<string, Decision>();
  private free = new Map<string, number>();
  private dirty = true;
  private scheduled = false;

  constructor(sources: PlannerSources, onChanged: (keys: string[]) => void) {
    this.sources = sources;
    this.onChanged = onChanged;
    const touch = () => this.touch();
    for (const source of [
      sources.agents,
      sources.classes,
      sources.nodes,
      sources.deployments,
    ] as Informer<KubeObject>[]) {
      source.onChange(touch);
    }
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

  all(): ReadonlyMap<string, Decision> {
    if (this.dirty) this.recompute();
    return this.decisions;
  }

  private touch(): void {
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    // One plan per burst of events, not one per event.
    setTimeout(() => {
      this.scheduled = false;
      if (this.dirty) this.recompute();
    }, 20).unref();
  }

  private recompute(): void {
    this.dirty = false;
    const demands: Demand[] = [];
    for (const agent of this.sources.agents.list()) {
      if (agent.metadata.deletionTimestamp) continue;
      const parsed = agentDeploymentSpecSchema.safeParse(agent.spec);
      if (!parsed.success) continue;
      const key = objectKey(agent.metadata);
      const deployment = this.sources.deployments.get(agent.metadata.name, agent.metadata.namespace) as
        | V1Deployment
        | undefined;
      const { current, settling } = lastPlacement(deployment);
      const demand = demandOf(key, { spec: parsed.data }, current, settling);
      if (demand) demands.push(demand);
    }
    const classes = new Map(this.sources.classes.list().map((c) => [c.metadata.name, c]));
    const supplies = this.sources.nodes.list().map(supplyOf);
    const next = planPlacement(demands, classes, supplies);
    const changed = [...new Set([...next.keys(), ...this.decisions.keys()])].filter(
      (k) => JSON.stringify(next.get(k)) !== JSON.stringify(this.decisions.get(k)),
    );
    this.decisions = next;
    const agents = this.sources.agents.list();
    const free = new Map(
      [...classes.values()].flatMap((c) =>
        (classLedger(c, supplies, placedAgents(next, agents)).nodes ?? []).map((n) => [n.name, n.freeMiB] as const),
      ),
    );
    // Room on a node decides whether an agent with a fallback may hold a drain: when it changes,
    // those agents look again, even though their own placement did not change.
    if (JSON.stringify([...free]) !== JSON.stringify([...this.free])) {
      for (const d of demands) if (d.required && d.classes.length > 1 && !changed.includes(d.key)) changed.push(d.key);
    }
    this.free = free;
    if (changed.length) this.onChanged(changed);
  }
}
