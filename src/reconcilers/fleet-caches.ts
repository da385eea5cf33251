// The caches every AgentFleet controller reads, asked of the manager in one place so that each
// controller gets the same shared informers, with the same cut-down shapes (cached-fields.ts).
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { managedBySelector } from "../api/labels.ts";
import type { ObjectCache } from "../controller/cache.ts";
import type { Manager } from "../controller/manager.ts";
import type { KubeObject } from "../controller/objects.ts";
import { core } from "../controller/resources.ts";
import { podFields } from "./cached-fields.ts";
import { type ChildKindName, childKinds } from "./child-kinds.ts";
import { agentDeploymentResource, gpuClassResource } from "./kinds.ts";

export type NodeObject = V1Node & KubeObject;
export type PodObject = V1Pod & KubeObject;

export interface FleetCaches {
  agents: ObjectCache<AgentDeployment>;
  classes: ObjectCache<GPUClass>;
  nodes: ObjectCache<NodeObject>;
  /** The agents' pods (only those the operator's Deployments run). */
  pods: ObjectCache<PodObject>;
  /** Each kind of child in the table of child kinds. */
  children: Record<ChildKindName, ObjectCache<KubeObject>>;
}

export function fleetCaches(mgr: Manager): FleetCaches {
  const owned = { labelSelector: managedBySelector };
  return {
    agents: mgr.informer<AgentDeployment>(agentDeploymentResource),
    classes: mgr.informer<GPUClass>(gpuClassResource),
    nodes: mgr.informer<NodeObject>(core.node),
    pods: mgr.informer<PodObject>(core.pod, { ...owned, transform: podFields }),
    children: Object.fromEntries(
      childKinds.map((k) => [k.resource.kind, mgr.informer(k.resource, { ...owned, transform: k.cache })]),
    ) as unknown as Record<ChildKindName, ObjectCache<KubeObject>>, // one entry per kind of the table, built from it
  };
}
