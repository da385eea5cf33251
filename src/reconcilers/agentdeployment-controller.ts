import type { CacheEvent } from "../controller/cache.ts";
import { changeFilter, mapOnChange, specSignature } from "../controller/change-filter.ts";
import { type Controller, ownerKeyOf } from "../controller/controller.ts";
import type { EventSink } from "../controller/events.ts";
import type { Manager } from "../controller/manager.ts";
import { type KubeObject, objectKey, splitKey } from "../controller/objects.ts";
import { OwnApplies, OwnStatusWrites } from "../controller/own-writes.ts";
import { digestOfText } from "../lib/stable-json.ts";
import { prepareConfigFile } from "../render/configmap.ts";
import { parseAgentSpec } from "./agent-spec.ts";
import { podSignature } from "./agent-status.ts";
import { agentReconciler } from "./agentdeployment.ts";
import { childKinds } from "./child-kinds.ts";
import { dependencyGraphChange } from "./dependency-watch.ts";
import { agentKeysOfPod, cacheIndex, dependencyKeysOf, type FleetCaches, type PodObject } from "./fleet-caches.ts";
import { type FleetPlanner, nodePlacementChange } from "./planner.ts";

export interface AgentControllerOptions {
  events: EventSink;
  workers?: number;
}

export function setupAgentDeploymentController(
  mgr: Manager,
  caches: FleetCaches,
  planner: FleetPlanner,
  opts: AgentControllerOptions,
): Controller {
  const { agents } = caches;
  const allAgents = () => agents.list().map((a) => objectKey(a.metadata));

  const ownWrites = new OwnStatusWrites();
  const ownApplies = new OwnApplies();
  const toOwner = ownerKeyOf("AgentDeployment");
  /**
   * A child the status does not read wakes its agent only when someone else changed what the cache
   * keeps of it: not for the echo of our own apply, nor for an update of its status alone (a
   * PodDisruptionBudget's counts), which the cache does not keep. The filter remembers a digest of
   * what the cache keeps, not its text: the text of four kinds of child was 2.8 MiB of a 50 MiB heap
   * at 1,000 agents.
   */
  const unlessOwnOrUnchanged = (kind: string) => {
    const changed = changeFilter((obj: KubeObject) =>
      digestOfText(JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } })),
    );
    return (obj: KubeObject, event: CacheEvent) => {
      const echo = ownApplies.isEcho(kind, obj, event);
      return changed(obj, event) && !echo ? toOwner(obj) : [];
    };
  };
  const controller = mgr.addController({
    name: "agentdeployment",
    primary: agents,
    primaryFilter: (obj, event) => !ownWrites.isEcho(obj, event),
    watches: [
      { informer: agents, map: dependencyGraphChange(agents) },
      { informer: caches.classes, map: mapOnChange(specSignature, allAgents) },
      { informer: caches.nodes, map: nodePlacementChange(allAgents) },
      { informer: caches.pods, map: mapOnChange((p: KubeObject) => podSignature(p as PodObject), agentKeysOfPod) },
      ...childKinds.map(({ resource: { kind }, readByStatus }) => ({
        informer: caches.children[kind],
        map: readByStatus ? toOwner : unlessOwnOrUnchanged(kind),
      })),
    ],
    reconcile: agentReconciler({
      client: mgr.client,
      caches,
      events: opts.events,
      placement: (key) => planner.decisionFor(key),
      freeVram: (node) => planner.freeVram(node),
      ownWrites,
      ownApplies,
    }),
    // A new agent's dependencies are reconciled before it, whichever came first: their pods start
    // first, so its dependents find them Ready, with or without a start in dependency order.
    order: {
      needs: (key) => {
        const { name, namespace } = splitKey(key);
        const agent = agents.get(name, namespace);
        return agent ? dependencyKeysOf(agent) : [];
      },
      neededBy: (key) => agents.byIndex(cacheIndex.dependsOn, key).map((a) => objectKey(a.metadata)),
    },
    workers: opts.workers ?? 4,
  });
  // While the caches list, the operator mostly waits on the API server; the start's pass over every
  // agent then waits on nothing. Each agent's spec is parsed and its config file rendered as it
  // arrives (both kept per object: agent-spec.ts, render/configmap.ts), and that pass finds them done.
  agents.onChange((agent, event) => {
    if (mgr.hasSynced || event === "delete") return;
    const parsed = parseAgentSpec(agent);
    if (parsed.success) prepareConfigFile({ ...agent, spec: parsed.data });
  });
  // The fleet's placement is one decision over every GPU agent: a change to one may move others.
  planner.subscribe((keys) => {
    for (const key of keys) controller.queue.add(key);
  });
  return controller;
}
