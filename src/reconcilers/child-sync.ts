// Which children to write and which to delete, decided from the desired children and the cached
// ones. Pure: the reconciler carries the plan out. A child is written only when its applied-state
// digest differs from the cached one's, so an unchanged agent writes nothing.
import type { KubeObject } from "../controller/objects.ts";
import { appliedHashOf } from "../render/applied-hash.ts";
import type { Child } from "../render/input.ts";
import { driftDigest, renderedDriftOf, type WithDriftDigest, withRenderedDrift } from "./child-drift.ts";
import { childKind, childKinds } from "./child-kinds.ts";

/** The cached children of one agent's namespace, by kind. */
export interface LiveChildren {
  get(kind: string, name: string): KubeObject | undefined;
  /** At least the children of that kind the agent controls (the caches' owner index); others are ignored. */
  owned(kind: string): readonly KubeObject[];
}

export interface ChildSync {
  /** Children to server-side apply, and whether each exists already. */
  apply: { child: Child; exists: boolean }[];
  /** Children of a prunable kind that the agent owns and no longer renders. */
  prune: { kind: string; name: string }[];
}

/**
 * A cached child is as the operator wants it when it carries the digest of the desired state (the
 * operator wrote it) and nobody changed what the operator renders since (its drift digest, kept by
 * the cache, is the one the operator's write recorded; computed from the desired child for a child
 * written before the operator recorded it). A child cached without a drift digest is judged by the
 * first alone.
 */
function inSync(desired: Child, live: KubeObject & WithDriftDigest): boolean {
  if (appliedHashOf(live) !== appliedHashOf(desired)) return false;
  if (live.driftDigest === undefined) return true;
  return live.driftDigest === (renderedDriftOf(live) ?? driftDigest(childKind(desired.kind).drift, desired));
}

export function planChildSync(ownerUid: string | undefined, desired: readonly Child[], live: LiveChildren): ChildSync {
  const apply = desired.flatMap((child) => {
    const current = live.get(child.kind, child.metadata.name);
    if (current && inSync(child, current)) return [];
    return [{ child: withRenderedDrift(childKind(child.kind).drift, child), exists: current !== undefined }];
  });
  const prune = childKinds
    .filter((k) => k.prune)
    .flatMap(({ resource: { kind } }) =>
      live
        .owned(kind)
        .filter(
          (obj) =>
            obj.metadata.ownerReferences?.some((o) => o.controller && o.uid === ownerUid) &&
            !desired.some((c) => c.kind === kind && c.metadata.name === obj.metadata.name),
        )
        .map((obj) => ({ kind, name: obj.metadata.name })),
    );
  return { apply, prune };
}
