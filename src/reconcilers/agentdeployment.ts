// The AgentDeployment reconciler: read the caches → decide (placement) → render → apply what
// changed → write the status if it changed. An unchanged agent causes no write at all.
import type { V1Deployment } from "@kubernetes/client-node";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, AgentReason } from "../api/conditions.ts";
import { fieldManager } from "../api/group.ts";
import { annotationKeys } from "../api/labels.ts";
import type { ReconcileContext, ReconcileResult } from "../controller/controller.ts";
import type { EventSink } from "../controller/events.ts";
import { type KubeObject, objectKey, splitKey } from "../controller/objects.ts";
import type { OwnApplies, OwnStatusWrites } from "../controller/own-writes.ts";
import { resourcePath } from "../controller/resources.ts";
import { isInvalid, isNamespaceTerminating, isNotFound, type KubeClient } from "../controller/rest.ts";
import { applyStatus, sameStatus } from "../controller/status.ts";
import { decideStart, holdsDeploymentAsWritten } from "../dependencies/start.ts";
import { disruptionPolicy, type FreeVram } from "../placement/disruption.ts";
import { gpuChoice } from "../placement/gpu-choice.ts";
import type { Decision } from "../placement/plan.ts";
import type { Child } from "../render/input.ts";
import { podSelector } from "../render/labels.ts";
import { agentDependencies } from "./agent-dependencies.ts";
import { parseAgentSpec } from "./agent-spec.ts";
import { decideStatus } from "./agent-status.ts";
import { childKind, renderChildren } from "./child-kinds.ts";
import { type LiveChildren, planChildSync } from "./child-sync.ts";
import { conditionEvents } from "./condition-events.ts";
import { type ConditionInput, mergeConditions } from "./conditions.ts";
import { cacheIndex, type FleetCaches } from "./fleet-caches.ts";
import { agentDeploymentResource } from "./kinds.ts";
import { supplyOf } from "./planner.ts";
import { isProgressOnly, statusWriteDelay } from "./status-coalescing.ts";

export interface AgentReconcilerDeps {
  client: KubeClient;
  caches: FleetCaches;
  events: EventSink;
  /** The fleet's GPU placement: where each GPU agent runs, or why it waits. */
  placement: (key: string) => Decision | undefined;
  /** VRAM the fleet's ledger leaves free on a node. */
  freeVram?: FreeVram;
  /** Where the status writes are remembered, so that their echoes start no reconcile (own-writes.ts). */
  ownWrites?: OwnStatusWrites;
  /** Where the applies of children the status does not read are remembered, for the same reason. */
  ownApplies?: OwnApplies;
  now?: () => Date;
}

export function agentReconciler(deps: AgentReconcilerDeps) {
  const now = deps.now ?? (() => new Date());
  const { caches } = deps;
  /** Agents whose status change only reports progress, and since when it has waited to be written. */
  const progressSince = new Map<string, number>();

  /**
   * Writes the status (the decided fields and conditions) when it differs from the one the agent has,
   * then records the events its change of conditions is worth.
   */
  async function writeStatus(
    agent: AgentDeployment,
    decided: readonly ConditionInput[],
    fields: Record<string, unknown> = {},
  ): Promise<ReconcileResult | undefined> {
    const key = objectKey(agent.metadata);
    const at = now();
    const conditions = mergeConditions(agent.status?.conditions, decided, agent.metadata.generation, at);
    const status = {
      observedGeneration: agent.metadata.generation,
      selector: podSelector(agent.metadata.name),
      ...fields,
      conditions,
    };
    if (sameStatus(agent.status, status)) {
      progressSince.delete(key);
      return undefined;
    }
    // Progress alone waits up to a second for the next change (status-coalescing.ts).
    const since = progressSince.get(key) ?? at.getTime();
    const wait = statusWriteDelay(isProgressOnly(agent.status?.conditions, conditions), since, at.getTime());
    if (wait > 0) {
      progressSince.set(key, since);
      return { requeueAfterMs: wait };
    }
    const written = await applyStatus(deps.client, agentDeploymentResource, agent, status, fieldManager);
    deps.ownWrites?.record(agent, written);
    progressSince.delete(key);
    for (const e of conditionEvents(agent.status?.conditions, conditions)) deps.events.record(agent, e);
    return undefined;
  }

  /** An agent whose namespace is being deleted is left as it is: nothing is written for it (see reconcile). */
  function leftToNamespaceDeletion(key: string, ctx: ReconcileContext): undefined {
    progressSince.delete(key);
    ctx.logger.debug("namespace is being deleted; the agent is left as it is");
    return undefined;
  }

  /**
   * Applies the children that differ from their desired state and prunes those no longer needed.
   * Says whether a write will come back through the watches to reconcile the agent again (a child the
   * status reads, or a deletion), or which child the API server refused as invalid.
   */
  async function syncChildren(
    agent: AgentDeployment,
    desired: Child[],
    ctx: ReconcileContext,
  ): Promise<{ awaitsEcho: boolean; rejected?: string; namespaceTerminating?: boolean }> {
    const namespace = agent.metadata.namespace;
    const live: LiveChildren = {
      get: (kind, name) => caches.children[kind as keyof FleetCaches["children"]].get(name, namespace),
      owned: (kind) =>
        caches.children[kind as keyof FleetCaches["children"]].byIndex(cacheIndex.owner, agent.metadata.uid ?? ""),
    };
    const plan = planChildSync(agent.metadata.uid, desired, live);
    let awaitsEcho = plan.prune.length > 0;
    for (const { child, exists } of plan.apply) {
      const { resource, readByStatus } = childKind(child.kind);
      try {
        const written = await deps.client.apply<KubeObject>(
          resourcePath(resource, namespace, child.metadata.name),
          child,
          fieldManager,
        );
        if (readByStatus) awaitsEcho = true;
        else deps.ownApplies?.record(child.kind, written);
      } catch (err) {
        // Its namespace began to be deleted before the cache heard of it: nothing there can be created.
        if (isNamespaceTerminating(err)) return { awaitsEcho: false, namespaceTerminating: true };
        if (!isInvalid(err)) throw err;
        // The spec passed admission but makes a child Kubernetes refuses: retrying as is cannot help.
        return {
          awaitsEcho: false,
          rejected: `the API server refused its ${child.kind} ${child.metadata.name}: ${err.message}`,
        };
      }
      ctx.logger.info({ kind: child.kind, child: child.metadata.name }, exists ? "updated child" : "created child");
    }
    for (const { kind, name } of plan.prune) {
      await deps.client.delete(resourcePath(childKind(kind).resource, namespace, name)).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      ctx.logger.info({ kind, child: name }, "deleted child no longer needed");
    }
    return { awaitsEcho };
  }

  return async function reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace, name } = splitKey(key);
    const agent = caches.agents.get(name, namespace);
    // Deleted: the garbage collector removes the children through their owner references.
    if (!agent || agent.metadata.deletionTimestamp) {
      progressSince.delete(key);
      return undefined;
    }
    // Its namespace is being deleted (`kubectl delete namespace`): the namespace controller is taking
    // the agent's pods and children away and will delete the agent next. Nothing is recreated (the API
    // server would refuse it) and no status is written for an agent about to go: at 297 agents that
    // was some 930 status writes, and a retried error per child, while the namespace emptied.
    if (namespace && caches.namespaces.get(namespace)?.metadata.deletionTimestamp) {
      return leftToNamespaceDeletion(key, ctx);
    }

    const parsed = parseAgentSpec(agent);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; ");
      return writeStatus(agent, [
        { type: AgentCondition.Ready, status: "False", reason: AgentReason.InvalidSpec, message: problems },
      ]);
    }
    const typed: AgentDeployment = { ...agent, spec: parsed.data };

    const classes = new Map(caches.classes.list().map((c) => [c.metadata.name, c]));
    const nodes = caches.nodes.list().map(supplyOf);
    const pods = caches.pods.byIndex(cacheIndex.agent, key);
    const podNodes = pods.flatMap((p) => (p.spec?.nodeName && !p.metadata.deletionTimestamp ? [p.spec.nodeName] : []));
    const runningOn = podNodes[0];

    // Only a GPU agent reads the fleet's plan: a CPU agent's reconcile never waits for a re-plan.
    const onGpu = typed.spec.gpu !== undefined;
    const gpu = gpuChoice(typed, onGpu ? deps.placement(key) : undefined, classes);
    const disruption = disruptionPolicy(typed, classes, nodes, runningOn, onGpu ? deps.freeVram : undefined);
    const deployment = caches.children.Deployment.get(name, namespace) as V1Deployment | undefined;
    const dependencies = agentDependencies(typed, {
      get: (n) => caches.agents.get(n, namespace),
      dependents: (n) => caches.agents.byIndex(cacheIndex.dependsOn, objectKey({ name: n, namespace })),
    });
    const start = decideStart({
      policy: typed.spec.startPolicy,
      // Marked by the render step once started; a Deployment that runs pods but predates the mark
      // (an operator before dependency-ordered start) has started too, and is never held.
      started:
        deployment?.metadata?.annotations?.[annotationKeys.started] === "true" || (deployment?.spec?.replicas ?? 0) > 0,
      dependencies: dependencies.states,
      cycleMembers: dependencies.cycleMembers,
      ageMs: ageOf(agent, now()),
    });
    // Held a moment for a dependency that does not exist yet (startPolicy Immediately): reconciled
    // again when the grace ends, if the dependency's creation has not woken it before.
    const holdMs = start.start ? undefined : start.graceLeftMs;
    const rendered = renderChildren({
      agent: typed,
      placement: gpu,
      disruption,
      started: start.start,
      dependencies: dependencies.endpoints,
      dependents: dependencies.dependents,
      podNodes,
    });
    // A GPU class deleted under running agents (a mistake, or a class being replaced) must not stop
    // them: their Deployment is left as it is until the class returns or the agent names another.
    // Nor must a running agent placed elsewhere into room that pods leaving still hold (a required
    // agent moving in a drain, onto a card whose displaced agents are still stopping): its old pod
    // serves until the new one may start.
    const keepRunning =
      gpu.kind === "unplaceable" &&
      (gpu.reason === AgentReason.UnknownGPUClass || gpu.afterLeaving === true) &&
      (deployment?.spec?.replicas ?? 0) > 0;
    const heldAsWritten = holdsDeploymentAsWritten(start, deployment ? (deployment.spec?.replicas ?? 1) : undefined);
    const desired = keepRunning || heldAsWritten ? rendered.filter((c) => c.kind !== "Deployment") : rendered;
    // The status reports the children as they are. A Deployment just written comes back through the
    // watches in a moment and queues this agent again; the status written then is the one worth
    // writing (a status now would say "Creating" and be replaced within a second). The other
    // children are not read by the status: it is written now, and their echoes start nothing.
    const synced = await syncChildren(typed, desired, ctx);
    if (synced.namespaceTerminating) return leftToNamespaceDeletion(key, ctx);
    if (synced.rejected) {
      ctx.logger.warn({ reason: synced.rejected }, "child refused as invalid; will retry with backoff");
      await writeStatus(agent, [
        { type: AgentCondition.Ready, status: "False", reason: AgentReason.ChildRejected, message: synced.rejected },
        { type: AgentCondition.Degraded, status: "True", reason: AgentReason.ChildRejected, message: synced.rejected },
      ]);
      return { backoff: true };
    }
    if (synced.awaitsEcho) return soonest(undefined, holdMs);

    const { conditions, ...fields } = decideStatus({
      agent: typed,
      gpu,
      disruption,
      deployment,
      pods,
      dependencies,
      start,
    });
    return soonest(await writeStatus(agent, conditions, fields), holdMs);
  };
}

/** How long ago the agent was created; Infinity when the API server has not said (never held for it). */
const ageOf = (agent: AgentDeployment, now: Date) => {
  // Typed as a Date by client-node; a string as the API server sends it.
  const created = Date.parse(String(agent.metadata.creationTimestamp ?? ""));
  return Number.isNaN(created) ? Number.POSITIVE_INFINITY : now.getTime() - created;
};

/** The result, reconciled again no later than `requeueAfterMs` when one is given. */
function soonest(result: ReconcileResult | undefined, requeueAfterMs: number | undefined): ReconcileResult | undefined {
  if (requeueAfterMs === undefined) return result;
  if (result?.requeueAfterMs !== undefined && result.requeueAfterMs <= requeueAfterMs) return result;
  return { ...result, requeueAfterMs };
}
