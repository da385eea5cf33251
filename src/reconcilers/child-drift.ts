// What a hand edit of a child would change, per kind: the fields the operator renders that the API
// server stores as given (no defaults, no canonical forms), projected the same way from the rendered
// child and from the live one. The cache keeps the digest of the live projection (it is computed
// before the object is cut down), so a child that someone scaled, re-imaged or relabelled by hand no
// longer matches and is put back, while the operator's own writes compare equal and cost nothing.

import { annotationKeys, labelKeys } from "../api/labels.ts";
import type { KubeObject } from "../controller/objects.ts";
import { canonicalWithoutEmpty, digestOfText } from "../lib/stable-json.ts";
import type { Child } from "../render/input.ts";

type Obj = Record<string, unknown>;
const at = (obj: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Obj)[k] : undefined), obj);

/** The labels the operator sets on every child: someone else's extra labels are theirs to keep. */
const ownLabels = (obj: unknown) => {
  const labels = (at(obj, "metadata", "labels") ?? {}) as Record<string, string>;
  return Object.fromEntries([labelKeys.name, labelKeys.managedBy, labelKeys.partOf].map((k) => [k, labels[k]]));
};

export type DriftProjection = (obj: unknown) => unknown;

export const deploymentDrift: DriftProjection = (d) => ({
  labels: ownLabels(d),
  replicas: at(d, "spec", "replicas"),
  podLabels: at(d, "spec", "template", "metadata", "labels"),
  containers: ((at(d, "spec", "template", "spec", "containers") ?? []) as Obj[]).map((c) => ({
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    env: c.env,
    ports: c.ports,
  })),
});

export const serviceDrift: DriftProjection = (s) => ({
  labels: ownLabels(s),
  selector: at(s, "spec", "selector"),
  ports: at(s, "spec", "ports"),
});

export const configMapDrift: DriftProjection = (c) => ({ labels: ownLabels(c), data: at(c, "data") });

export const pdbDrift: DriftProjection = (p) => ({
  labels: ownLabels(p),
  minAvailable: at(p, "spec", "minAvailable"),
  maxUnavailable: at(p, "spec", "maxUnavailable"),
  selector: at(p, "spec", "selector"),
});

export const networkPolicyDrift: DriftProjection = (n) => ({
  labels: ownLabels(n),
  podSelector: at(n, "spec", "podSelector"),
  ingress: at(n, "spec", "ingress"),
});

/** Where the cache keeps the live projection's digest, beside the object (never written back). */
export interface WithDriftDigest {
  driftDigest?: string;
}

/**
 * The digest of a projection. Empty lists and objects are left out at any depth: the API server
 * stores an empty list as none (a container without ports, an empty env), so the rendered `[]` and the
 * stored nothing are the same. An item of a list is never left out: an empty item says something (a
 * NetworkPolicy's ingress `[{}]` lets everyone in, where `[]` lets no one).
 */
export const driftDigest = (projection: DriftProjection, obj: unknown) =>
  digestOfText(JSON.stringify(canonicalWithoutEmpty(projection(obj)) ?? null));

/** A cache transform that records the drift digest of the whole object, then cuts it down. */
export function withDriftDigest(projection: DriftProjection, cut: (obj: KubeObject) => KubeObject) {
  return (obj: KubeObject): KubeObject => {
    const digest = driftDigest(projection, obj);
    return { ...cut(obj), driftDigest: digest } as KubeObject & WithDriftDigest;
  };
}

/**
 * The child with its rendered drift digest recorded beside its applied hash. A later reconcile whose
 * applied hash matches reads the digest from the cached child instead of projecting and hashing the
 * rendered child again (that was a tenth of the first pass over every agent at a start).
 */
export function withRenderedDrift<T extends Child>(projection: DriftProjection, child: T): T {
  const annotations = { ...child.metadata.annotations, [annotationKeys.renderedDrift]: driftDigest(projection, child) };
  return { ...child, metadata: { ...child.metadata, annotations } };
}

export const renderedDriftOf = (obj: { metadata: { annotations?: Record<string, string> | undefined } }) =>
  obj.metadata.annotations?.[annotationKeys.renderedDrift];
