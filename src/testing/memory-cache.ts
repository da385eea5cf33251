// An in-memory cache for unit tests of what reads caches (the planner, the reconcilers' maps): the
// test puts and removes objects, and the handlers see add, update and delete events as an informer's
// would. It stands in for the watch, never for the API server's judgement.
import type { CacheEvent, ChangeHandler, ObjectCache } from "../controller/cache.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";

export class MemoryCache<T extends KubeObject> implements ObjectCache<T> {
  private readonly objects = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];

  constructor(initial: readonly T[] = []) {
    for (const obj of initial) this.objects.set(objectKey(obj.metadata), obj);
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  list(namespace?: string): T[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(objectKey({ name, namespace }));
  }

  /** Adds or replaces the object, as a watch event would. */
  put(obj: T): void {
    const key = objectKey(obj.metadata);
    const event: CacheEvent = this.objects.has(key) ? "update" : "add";
    this.objects.set(key, obj);
    for (const h of this.handlers) h(obj, event);
  }

  remove(name: string, namespace?: string): void {
    const obj = this.get(name, namespace);
    if (!obj) return;
    this.objects.delete(objectKey(obj.metadata));
    for (const h of this.handlers) h(obj, "delete");
  }
}
