// What the caches keep of each kind: the fields the reconcilers and the planner read, no more, as
// controller-runtime's cache transforms do. At 3,000 agents the caches hold some 18,000 objects;
// a Deployment's pod template, a pod's containers, a ConfigMap's data are most of each object, and
// nothing here reads them. A reconciler that starts reading another field adds it here.
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { KubeObject } from "../controller/objects.ts";

/** Children the operator only compares by their applied-state digest and owner. */
export function metadataOnly(obj: KubeObject): KubeObject {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata };
}

/** A Deployment: its replicas, its pod template's annotations (where it was placed) and its status. */
export function deploymentFields(obj: KubeObject): KubeObject {
  const d = obj as V1Deployment & KubeObject;
  const template = d.spec?.template?.metadata;
  return {
    ...metadataOnly(d),
    spec: {
      ...(d.spec?.replicas !== undefined ? { replicas: d.spec.replicas } : {}),
      template: template ? { metadata: template } : {},
    },
    ...(d.status ? { status: d.status } : {}),
  } as KubeObject;
}

/**
 * The members of a pod's spec that podFields keeps: the pods cache's watch reads no other
 * (InformerOptions.specKept), so a field a reconciler starts reading is named here.
 */
export const podSpecKept = ["nodeName"] as const satisfies readonly (keyof NonNullable<V1Pod["spec"]>)[];

/** A pod: the node it runs on, and its status (readiness, waiting containers and why). */
export function podFields(obj: KubeObject): KubeObject {
  const p = obj as V1Pod & KubeObject;
  const spec: Record<string, unknown> = {};
  for (const key of podSpecKept) if (p.spec?.[key]) spec[key] = p.spec[key];
  return {
    ...metadataOnly(p),
    spec,
    ...(p.status ? { status: p.status } : {}),
  } as KubeObject;
}
