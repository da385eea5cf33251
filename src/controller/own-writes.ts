// The echoes of a controller's own status writes. Writing an object's status makes its informer
// deliver an update at the version the write returned; the reconcile that update would start finds
// nothing to do, since it computed that very status (at a rollout: one reconcile, with a render of
// every child, per status written). Such an update is skipped when it is exactly that version and
// the write changed nothing but the status: any other change, by anyone, has another version, and a
// change the write carried along (a spec edit that reached the server before it) passes too.
import type { CacheEvent } from "./cache.ts";
import { type KubeObject, objectKey } from "./objects.ts";

/** What a reconcile reads of an object besides its status. */
const metaSignature = (obj: KubeObject) =>
  JSON.stringify([
    obj.metadata.generation,
    obj.metadata.labels ?? {},
    obj.metadata.annotations ?? {},
    obj.metadata.deletionTimestamp ?? null,
    obj.metadata.finalizers ?? [],
  ]);

export class OwnStatusWrites {
  /** namespace/name → the version our last status write returned. */
  private readonly versions = new Map<string, string>();

  /** Remembers a status write: `before` as the reconcile read it, `after` as the API server returned it. */
  record(before: KubeObject, after: KubeObject | undefined): void {
    const version = after?.metadata?.resourceVersion;
    const key = objectKey(before.metadata);
    if (after && version && metaSignature(before) === metaSignature(after)) this.versions.set(key, version);
    else this.versions.delete(key);
  }

  /** True for the update that only echoes our write; it is forgotten once seen. */
  isEcho(obj: KubeObject, event: CacheEvent): boolean {
    const key = objectKey(obj.metadata);
    const version = this.versions.get(key);
    if (version === undefined) return false;
    // Versions only grow: whatever this event is, no later one can be the echo.
    this.versions.delete(key);
    return event === "update" && obj.metadata.resourceVersion === version;
  }
}
