// The objects of one cache, by namespace and name, with indexes as client-go's Indexer: a reconcile
// asks "the children this agent owns" or "the agents that depend on this one" by a key, not by
// scanning a namespace. At a rollout of 1,000 agents in one namespace those scans were a quarter of
// the operator's CPU (docs/performance.md).
import { type KubeObject, objectKey } from "./objects.ts";

/** The values an object is found under in one index; none leaves it out of the index. */
export type IndexFunc<T> = (obj: T) => readonly string[];

export class Store<T extends KubeObject> {
  /** namespace ("" for cluster-scoped kinds) → name → object. */
  private readonly objects = new Map<string, Map<string, T>>();
  private readonly indexes = new Map<string, { values: IndexFunc<T>; entries: Map<string, Map<string, T>> }>();

  constructor(indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    for (const [name, values] of Object.entries(indexers)) this.indexes.set(name, { values, entries: new Map() });
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? "")?.get(name);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.objects.get(namespace)?.values() ?? [])];
    return [...this.objects.values()].flatMap((byName) => [...byName.values()]);
  }

  /** The objects an index has under `value`. */
  byIndex(index: string, value: string): T[] {
    const found = this.indexes.get(index);
    if (!found) throw new Error(`no index named ${index}: declare it where the cache is made`);
    return [...(found.entries.get(value)?.values() ?? [])];
  }

  /** Adds or replaces the object; returns the one it replaced. */
  put(obj: T): T | undefined {
    const namespace = obj.metadata.namespace ?? "";
    let byName = this.objects.get(namespace);
    if (!byName) {
      byName = new Map();
      this.objects.set(namespace, byName);
    }
    const before = byName.get(obj.metadata.name);
    byName.set(obj.metadata.name, obj);
    if (before) this.unindex(before);
    this.index(obj);
    return before;
  }

  /** Removes the object of that namespace and name; returns it, if there was one. */
  delete(name: string, namespace?: string): T | undefined {
    const byName = this.objects.get(namespace ?? "");
    const found = byName?.get(name);
    if (!byName || !found) return undefined;
    byName.delete(name);
    if (byName.size === 0) this.objects.delete(namespace ?? "");
    this.unindex(found);
    return found;
  }

  private index(obj: T): void {
    const key = objectKey(obj.metadata);
    for (const { values, entries } of this.indexes.values()) {
      for (const value of values(obj)) {
        let objs = entries.get(value);
        if (!objs) {
          objs = new Map();
          entries.set(value, objs);
        }
        objs.set(key, obj);
      }
    }
  }

  private unindex(obj: T): void {
    const key = objectKey(obj.metadata);
    for (const { values, entries } of this.indexes.values()) {
      for (const value of values(obj)) {
        const objs = entries.get(value);
        objs?.delete(key);
        if (objs?.size === 0) entries.delete(value);
      }
    }
  }
}
