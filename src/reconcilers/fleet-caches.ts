// The caches every AgentFleet controller reads, asked of the manager in one place so that each
// controller gets the same shared informers, with the same cut-down shapes (cached-fields.ts).
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { labelKeys, managedBySelector } from "../api/labels.ts";
import type { ObjectCache } from "../controller/cache.ts";
import type { Manager } from "../controller/manager.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { core } from "../controller/resources.ts";
import { metadataOnly, podFields, podSpecKept } from "./cached-fields.ts";
import { withDriftDigest } from "./child-drift.ts";
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
  /** The RuntimeClasses there are (k3s creates nvidia), for the GPU classes' preflight. */
  runtimeClasses: ObjectCache<KubeObject>;
  /** The namespaces, by metadata only: whether an agent's namespace is being deleted. */
  namespaces: ObjectCache<KubeObject>;
  /** Each kind of child in the table of child kinds. */
  children: Record<ChildKindName, ObjectCache<KubeObject>>;
}

/**
 * The caches' indexes (store.ts): what a reconcile looks up by key instead of scanning a namespace.
 * Each is made once, here: the manager shares a cache only between callers with the same indexes.
 */
export const cacheIndex = {
  /** Children by the uid of the agent that controls them. */
  owner: "owner",
  /** Pods by the agent (namespace/name) whose Deployment runs them. */
  agent: "agent",
  /** Agents by each agent (namespace/name) they depend on. */
  dependsOn: "dependsOn",
} as const;

export const ownerIndex = {
  [cacheIndex.owner]: (obj: KubeObject) =>
    (obj.metadata.ownerReferences ?? []).filter((o) => o.controller).map((o) => o.uid),
};
/** The agent (namespace/name) whose Deployment runs a pod, by the pod's name label; none for another pod. */
export function agentKeysOfPod(pod: KubeObject): string[] {
  const agent = pod.metadata.labels?.[labelKeys.name];
  return agent ? [objectKey({ name: agent, namespace: pod.metadata.namespace })] : [];
}
export const agentIndex = { [cacheIndex.agent]: agentKeysOfPod };
/** The keys (namespace/name) of the agents an agent depends on. */
export const dependencyKeysOf = (obj: KubeObject): string[] =>
  ((obj as AgentDeployment).spec?.dependencies ?? []).map((name) =>
    objectKey({ name, namespace: obj.metadata.namespace }),
  );
export const dependsOnIndex = { [cacheIndex.dependsOn]: dependencyKeysOf };

/** What the operator only reads (lists and watches), besides the children it owns: the chart's RBAC grants these. */
export const readResources = {
  agents: agentDeploymentResource,
  classes: gpuClassResource,
  nodes: core.node,
  pods: core.pod,
  runtimeClasses: core.runtimeClass,
  namespaces: core.namespace,
} as const;

/**
 * One transform per kind of child, made once: the manager shares a cache only between callers that
 * pass the same transform. Each records the drift digest of the whole object before cutting it down.
 */
export const childTransforms = Object.fromEntries(
  childKinds.map((k) => [k.resource.kind, withDriftDigest(k.drift, k.cache)]),
) as Record<ChildKindName, (obj: KubeObject) => KubeObject>;

export function fleetCaches(mgr: Manager): FleetCaches {
  const owned = { labelSelector: managedBySelector };
  return {
    agents: mgr.informer<AgentDeployment>(readResources.agents, { indexes: dependsOnIndex }),
    classes: mgr.informer<GPUClass>(readResources.classes),
    nodes: mgr.informer<NodeObject>(readResources.nodes),
    pods: mgr.informer<PodObject>(readResources.pods, {
      ...owned,
      transform: podFields,
      specKept: podSpecKept,
      indexes: agentIndex,
    }),
    runtimeClasses: mgr.informer(readResources.runtimeClasses, { transform: metadataOnly }),
    namespaces: mgr.informer(readResources.namespaces, { transform: metadataOnly }),
    children: Object.fromEntries(
      childKinds.map((k) => [
        k.resource.kind,
        mgr.informer(k.resource, { ...owned, transform: childTransforms[k.resource.kind], indexes: ownerIndex }),
      ]),
    ) as unknown as Record<ChildKindName, ObjectCache<KubeObject>>, // one entry per kind of the table, built from it
  };
}
