import { mapOnChange, specSignature } from "../controller/change-filter.ts";
import { type Controller, ownerKeyOf } from "../controller/controller.ts";
import type { EventSink } from "../controller/events.ts";
import type { Manager } from "../controller/manager.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { OwnStatusWrites } from "../controller/own-writes.ts";
import { podSignature } from "./agent-status.ts";
import { agentReconciler } from "./agentdeployment.ts";
import { dependencyGraphChange } from "./dependency-watch.ts";
import { agentKeysOfPod, type FleetCaches, type PodObject } from "./fleet-caches.ts";
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
  const controller = mgr.addController({
    name: "agentdeployment",
    primary: agents,
    primaryFilter: (obj, event) => !ownWrites.isEcho(obj, event),
    watches: [
      { informer: agents, map: dependencyGraphChange(agents) },
      { informer: caches.classes, map: mapOnChange(specSignature, allAgents) },
      { informer: caches.nodes, map: nodePlacementChange(allAgents) },
      { informer: caches.pods, map: mapOnChange((p: KubeObject) => podSignature(p as PodObject), agentKeysOfPod) },
      ...Object.values(caches.children).map((c) => ({ informer: c, map: ownerKeyOf("AgentDeployment") })),
    ],
    reconcile: agentReconciler({
      client: mgr.client,
      caches,
      events: opts.events,
      placement: (key) => planner.decisionFor(key),
      freeVram: (node) => planner.freeVram(node),
      ownWrites,
    }),
    workers: opts.workers ?? 4,
  });
  // The fleet's placement is one decision over every GPU agent: a change to one may move others.
  planner.subscribe((keys) => {
    for (const key of keys) controller.queue.add(key);
  });
  return controller;
}
