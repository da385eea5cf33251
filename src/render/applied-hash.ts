// Every child carries the digest of its desired state, so that an unchanged child is never written
// again: the reconciler compares this annotation with the cached child's instead of diffing objects.
import { annotationKeys } from "../api/labels.ts";
import { stableHash } from "../lib/stable-json.ts";
import type { Child } from "./input.ts";

export function withAppliedHash<T extends Child>(child: T): T {
  const hash = stableHash(child);
  return {
    ...child,
    metadata: { ...child.metadata, annotations: { ...child.metadata.annotations, [annotationKeys.appliedHash]: hash } },
  };
}

export const appliedHashOf = (obj: { metadata: { annotations?: Record<string, string> | undefined } }) =>
  obj.metadata.annotations?.[annotationKeys.appliedHash];
