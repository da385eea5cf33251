// Most updates an informer delivers change nothing a given consumer reads: a node's heartbeat, an
// agent's own status, a Deployment's pod counts. A change filter remembers, per object, the part the
// consumer reads (its signature) and lets an update through only when that part changed. Adds and
// deletes always pass.
import type { CacheEvent } from "./cache.ts";
import { type KubeObject, objectKey } from "./objects.ts";

export type ChangeFilter<T extends KubeObject> = (obj: T, event: CacheEvent) => boolean;

export function changeFilter<T extends KubeObject>(signature: (obj: T) => string): ChangeFilter<T> {
  const seen = new Map<string, string>();
  return (obj, event) => {
    const key = objectKey(obj.metadata);
    if (event === "delete") {
      seen.delete(key);
      return true;
    }
    const now = signature(obj);
    if (seen.get(key) === now) return false;
    seen.set(key, now);
    return true;
  };
}

/** An object's spec as its generation counts it, and whether it is being deleted: not its status. */
export const specSignature = (obj: KubeObject) =>
  `${obj.metadata.generation ?? ""}|${obj.metadata.deletionTimestamp ?? ""}`;

/** A watch's map that fires only when the part of the object its primaries read changed. */
export function mapOnChange<T extends KubeObject>(
  signature: (obj: T) => string,
  map: (obj: T) => string[],
): (obj: T, event: CacheEvent) => string[] {
  const changed = changeFilter(signature);
  return (obj, event) => (changed(obj, event) ? map(obj) : []);
}
