// The AgentDeployment reconciler: read the caches → decide (placement) → render → apply what
// changed → write the status if it changed. An unchanged agent causes no write at all.
import type { V1Deployment, V1Node, V1Pod } from "@kubernetes/client-node";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { fieldManager } from "../api/group.ts";
import type { ReconcileContext, ReconcileResult } from "../controller/controller.ts";
import type { Informer } from "../controller/informer.ts";
import { type KubeObject, splitKey } from "../controller/objects.ts";
import { core, type ResourceType, resource, resourcePath } from "../controller/resources.ts";
import { isNotFound, type KubeClient } from "../controller/rest.ts";
import type { EventSink } from "../observability/events.ts";
import { disruptionPolicy, type FreeVram } from "../placement/disruption.ts";
import { gpuChoice } from "../placement/gpu-choice.ts";
import type { Decision } from "../placement/plan.ts";
import { type Child, renderChildren } from "../render/children.ts";
import { annotations } from "../render/labels.ts";
import { parseAgentSpec } from "./agent-spec.ts";
import { decideStatus } from "./agent-status.ts";
import { conditionEvents } from "./condition-events.ts";
import { mergeConditions } from "./conditions.ts";
import { supplyOf } from "./planner.ts";
import { applyStatus, sameStatus } from "./status-writer.ts";

export const agentDeploymentResource = resource(
  "agentfleet.io",
  "v1alpha1",
  "AgentDeployment",
  "agentdeployments",
  true,
);
export const gpuClassResource = resource("agentfleet.io", "v1alpha1", "GPUClass", "gpuclasses", false);

/** The kinds of child an agent has, with the cache of each. */
export interface ChildCaches {
  ConfigMap: Informer<KubeObject>;
  Service: Informer<KubeObject>;
  Deployment: Informer<KubeObject>;
  PodDisruptionBudget: Informer<KubeObject>;
}

export const childResources: Record<keyof ChildCaches, ResourceType> = {
  ConfigMap: core.configMap,
  Service: core.service,
  Deployment: core.deployment,
  PodDisruptionBudget: core.podDisruptionBudget,
};

export interface AgentReconcilerDeps {
  client: KubeClient;
  agents: Informer<AgentDeployment>;
  classes: Informer<GPUClass>;
  nodes: Informer<V1Node & KubeObject>;
  pods: Informer<V1Pod & KubeObject>;
  children: ChildCaches;
  events: EventSink;
  /** The fleet's GPU placement: where each GPU agent runs, or why it waits. */
  placement: (key: string) => Decision | undefined;
  /** VRAM the fleet's ledger leaves free on a node. */
  freeVram?: FreeVram;
  now?: () => Date;
}

export const isReady = (a: AgentDeployment | undefined) =>
  a?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export function agentReconciler(deps: AgentReconcilerDeps) {
  const now = deps.now ?? (() => new Date());

  const writeStatus = (agent: AgentDeployment, status: Record<string, unknown>) =>
    applyStatus(deps.client, agentDeploymentResource, agent, status);

  /** Applies the children that differ from their desired state; true when it wrote any. */
  async function applyChildren(agent: AgentDeployment, desired: Child[], ctx: ReconcileContext): Promise<boolean> {
    const namespace = agent.metadata.namespace;
    let wrote = false;
    for (const child of desired) {
      const kind = child.kind as keyof ChildCaches;
      const live = deps.children[kind].get(child.metadata.name, namespace);
      if (
        live?.metadata.annotations?.[annotations.appliedHash] === child.metadata.annotations?.[annotations.appliedHash]
      )
        continue;
      await deps.client.apply(resourcePath(childResources[kind], namespace, child.metadata.name), child, fieldManager);
      wrote = true;
      ctx.logger.info({ kind, child: child.metadata.name }, live ? "updated child" : "created child");
    }
    // Children the agent no longer needs (config removed, ports removed). The Deployment of an agent that
    // cannot be placed stays as it was: the condition says why, and nothing running is torn down.
    for (const kind of ["ConfigMap", "Service"] as const) {
      for (const live of deps.children[kind].list(namespace)) {
        const owned = live.metadata.ownerReferences?.some((o) => o.controller && o.uid === agent.metadata.uid);
        if (!owned || desired.some((c) => c.kind === kind && c.metadata.name === live.metadata.name)) continue;
        await deps.client
          .delete(resourcePath(childResources[kind], namespace, live.metadata.name))
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
        wrote = true;
        ctx.logger.info({ kind, child: live.metadata.name }, "deleted child no longer needed");
      }
    }
    return wrote;
  }

  return async function reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    const agent = deps.agents.get(name, namespace);
    // Deleted: the garbage collector removes the children through their owner references.
    if (!agent || agent.metadata.deletionTimestamp) return undefined;

    const parsed = parseAgentSpec(agent);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; ");
      const conditions = mergeConditions(
        agent.status?.conditions,
        [{ type: "Ready", status: "False", reason: "InvalidSpec", message: problems }],
        agent.metadata.generation,
        now(),
      );
      const status = { observedGeneration: agent.metadata.generation, conditions };
      if (!sameStatus(agent.status, status)) {
        await writeStatus(agent, status);
        for (const e of conditionEvents(agent.status?.conditions, conditions)) deps.events.record(agent, e);
      }
      return undefined;
    }
    const typed: AgentDeployment = { ...agent, spec: parsed.data };

    const classes = new Map(deps.classes.list().map((c) => [c.metadata.name, c]));
    const nodes = deps.nodes.list().map(supplyOf);
    const pods = deps.pods.list(namespace).filter((p) => p.metadata.labels?.["app.kubernetes.io/name"] === name);
    const runningOn = pods.find((p) => p.spec?.nodeName && !p.metadata.deletionTimestamp)?.spec?.nodeName;

    // Only a GPU agent reads the fleet's plan: a CPU agent's reconcile never waits for a re-plan.
    const onGpu = typed.spec.gpu !== undefined;
    const gpu = gpuChoice(typed, onGpu ? deps.placement(key) : undefined, classes);
    const disruption = disruptionPolicy(typed, classes, nodes, runningOn, onGpu ? deps.freeVram : undefined);
    // The status reports the children as they are. Children just written come back through the
    // watches in a moment and queue this agent again; the status written then is the one worth
    // writing (a status now would say "Creating" and be replaced within a second).
    if (await applyChildren(typed, renderChildren({ agent: typed, gpu, disruption }), ctx)) return undefined;

    const dependencies = new Map(
      (typed.spec.dependencies ?? []).map((dep) => {
        const other = deps.agents.get(dep, namespace);
        return [dep, other ? isReady(other) : undefined] as const;
      }),
    );
    const decided = decideStatus({
      agent: typed,
      gpu,
      disruption,
      deployment: deps.children.Deployment.get(name, namespace) as V1Deployment | undefined,
      pods,
      dependencies,
    });
    const conditions = mergeConditions(agent.status?.conditions, decided.conditions, agent.metadata.generation, now());
    const status = { observedGeneration: agent.metadata.generation, ...decided, conditions };
    if (!sameStatus(agent.status, status)) {
      await writeStatus(agent, status);
      for (const e of conditionEvents(agent.status?.conditions, conditions)) deps.events.record(agent, e);
    }
    return undefined;
  };
}
