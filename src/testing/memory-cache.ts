// An in-memory cache for unit tests of what reads caches (the planner, the reconcilers' maps): the
// test puts and removes objects, and the handlers see add, update and delete events as an informer's
// would. It stands in for the watch, never for the API server's judgement.
import type { CacheEvent, ChangeHandler, ObjectCache } from "../controller/cache.ts";
import type { KubeObject } from "../controller/objects.ts";
import { type IndexFunc, Store } from "../controller/store.ts";

export class MemoryCache<T extends KubeObject> implements ObjectCache<T> {
  private readonly store: Store<T>;
  private readonly handlers: ChangeHandler<T>[] = [];

  constructor(initial: readonly T[] = [], indexes: Readonly<Record<string, IndexFunc<T>>> = {}) {
    this.store = new Store(indexes);
    for (const obj of initial) this.store.put(obj);
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(name, namespace);
  }

  byIndex(index: string, value: string): T[] {
    return this.store.byIndex(index, value);
  }

  /** Adds or replaces the object, as a watch event would. */
  put(obj: T): void {
    const event: CacheEvent = this.store.put(obj) ? "update" : "add";
    for (const h of this.handlers) h(obj, event);
  }

  remove(name: string, namespace?: string): void {
    const obj = this.store.delete(name, namespace);
    if (!obj) return;
    for (const h of this.handlers) h(obj, "delete");
  }
}
