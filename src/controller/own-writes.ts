// The echoes of a controller's own writes. A write makes the informer deliver the object at the
// version the write returned; a reconcile that event would start finds nothing to do, since it
// computed that very object. Such an event is skipped when it is exactly that version: any other
// change, by anyone, has another version. At a rollout these echoes were most of the reconciles: one
// per child created and one per status written, each a render of every child.
import type { CacheEvent } from "./cache.ts";
import { type KubeObject, objectKey } from "./objects.ts";

/** The version each recorded write returned, by a key of the caller's choosing. */
export class WrittenVersions {
  private readonly versions = new Map<string, string>();

  /** Remembers a write; without a version (no answer, or one to be let through), forgets any before it. */
  record(key: string, version: string | undefined): void {
    if (version) this.versions.set(key, version);
    else this.versions.delete(key);
  }

  /** True for the event (of the kinds given) at exactly the recorded version; the write is forgotten once any event for it is seen. */
  isEcho(key: string, obj: KubeObject, event: CacheEvent, echoes: readonly CacheEvent[]): boolean {
    const version = this.versions.get(key);
    if (version === undefined) return false;
    // Versions only grow: whatever this event is, no later one can be the echo.
    this.versions.delete(key);
    return echoes.includes(event) && obj.metadata.resourceVersion === version;
  }
}

/** What a reconcile reads of an object besides its status. */
const metaSignature = (obj: KubeObject) =>
  JSON.stringify([
    obj.metadata.generation,
    obj.metadata.labels ?? {},
    obj.metadata.annotations ?? {},
    obj.metadata.deletionTimestamp ?? null,
    obj.metadata.finalizers ?? [],
  ]);

/**
 * Status writes: their echo is an update, skipped only when the write changed nothing but the status
 * (a change of spec or labels the write carried along, made by someone just before, passes).
 */
export class OwnStatusWrites {
  private readonly written = new WrittenVersions();

  /** Remembers a status write: `before` as the reconcile read it, `after` as the API server returned it. */
  record(before: KubeObject, after: KubeObject | undefined): void {
    const unchanged = after !== undefined && metaSignature(before) === metaSignature(after);
    this.written.record(objectKey(before.metadata), unchanged ? after.metadata?.resourceVersion : undefined);
  }

  /** True for the update that only echoes our write; it is forgotten once seen. */
  isEcho(obj: KubeObject, event: CacheEvent): boolean {
    return this.written.isEcho(objectKey(obj.metadata), obj, event, ["update"]);
  }
}

/**
 * Applies of owned objects: their echo is the add of one created, or the update of one changed. A
 * delete is never an echo: an object gone is worth a look.
 */
export class OwnApplies {
  private readonly written = new WrittenVersions();
  private readonly keyOf = (kind: string, obj: KubeObject) => `${kind}/${objectKey(obj.metadata)}`;

  record(kind: string, written: KubeObject): void {
    this.written.record(this.keyOf(kind, written), written.metadata.resourceVersion);
  }

  isEcho(kind: string, obj: KubeObject, event: CacheEvent): boolean {
    return this.written.isEcho(this.keyOf(kind, obj), obj, event, ["add", "update"]);
  }
}
