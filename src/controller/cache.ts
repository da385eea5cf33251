// What a reconciler needs of a cache: its objects and its change events. An Informer is one, kept
// current by list and watch; unit tests use an in-memory one (src/testing/memory-cache.ts).
import type { KubeObject } from "./objects.ts";

export type CacheEvent = "add" | "update" | "delete";
export type ChangeHandler<T> = (obj: T, event: CacheEvent) => void;

export interface ObjectCache<T extends KubeObject> {
  onChange(handler: ChangeHandler<T>): void;
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[];
  get(name: string, namespace?: string): T | undefined;
  /** The objects an index declared with the cache has under `value` (store.ts). */
  byIndex(index: string, value: string): T[];
}
