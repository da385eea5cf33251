// A cache of one resource kept current by list and watch, as client-go's reflector: list, then watch
// from the list's resourceVersion; a watch that ends or falls silent is started again from the last
// version seen, a 410 Gone lists again, and any other failure lists again after an exponential
// backoff, so a broken watch never leaves the operator blind. Written here rather than on
// client-node's ListWatch, whose module loads every generated model (docs/adr/0006).
//
// The list is a streaming list where the server serves one (as client-go's WatchListClient and
// kube-rs's StreamingList): a watch that first sends every object as ADDED, then a bookmark that ends
// them, then goes on as a watch. The server writes one object at a time from its watch cache while
// the operator reads the last, instead of building the whole list (and gzipping it) before the
// operator reads a byte; at a start over thousands of agents the two cores work side by side. A
// server that refuses it (the WatchList feature off, or older than 1.27) is listed as before.
import type { Logger } from "pino";
import type { CacheEvent, ChangeHandler, ObjectCache } from "./cache.ts";
import { type KubeObject, objectKey } from "./objects.ts";
import { type ResourceType, resourcePath } from "./resources.ts";
import { isInvalid, type KubeClient, type WatchEvent } from "./rest.ts";
import { type IndexFunc, Store } from "./store.ts";

export interface InformerOptions {
  labelSelector?: string;
  /** Cuts an object down to the fields its readers use before the cache keeps it. */
  transform?: (obj: KubeObject) => KubeObject;
  /**
   * The only members of an object's spec the transform keeps, when it keeps few: a watch event's
   * text is parsed without the others (watch-event-text.ts). A list by GET reads them, and the
   * transform drops them.
   */
  specKept?: readonly string[];
  /** Indexes to find objects by (store.ts), over the objects as the cache keeps them. */
  indexes?: Readonly<Record<string, IndexFunc<KubeObject>>>;
  /** Called when a watch or list fails, with the delay before the next try. */
  onError?: (err: unknown, retryInMs: number) => void;
  /** Called when a list answers after the list or watch had been failing: the API server is back. */
  onRecovered?: () => void;
  /**
   * How long a watch may stay silent before it is dropped and started again: the watchdog for a
   * watch that a proxy or a half-dead connection keeps open without events. Default 30 s, as
   * client-node's: a quiet resource's watch is started again from its last version, which is cheap.
   */
  watchInactivityMs?: number;
}

/**
 * Drops metadata.managedFields before an object enters the cache, as controller-runtime's default
 * transform does: server-side apply makes them large, and nothing here reads them. (A watch's events,
 * streaming lists included, come without them already: watch-event-text.ts.)
 */
export function stripManagedFields<T>(obj: T): T {
  const meta = (obj as { metadata?: { managedFields?: unknown } }).metadata;
  if (meta?.managedFields !== undefined) delete meta.managedFields;
  return obj;
}

const minRetryMs = 500;
// client-go's reflector backs off to 30 s. A server that is down is asked by each cache at most every
// 10 s here instead (a dozen requests in ten seconds cost it nothing), so that the fleet notices the
// server's return within seconds; and the first cache to notice wakes the others (retryNow).
const maxRetryMs = 10_000;
/** A watch that ends this soon without an event is not started again at once (a server that refuses quietly). */
const minWatchMs = 1000;
/** The annotation on the bookmark that ends a streaming list's objects. */
const initialEventsEnd = "k8s.io/initial-events-end";

type List = { items: KubeObject[]; metadata: { resourceVersion: string } };

export class Informer<T extends KubeObject> implements ObjectCache<T> {
  readonly resource: ResourceType;
  private readonly client: KubeClient;
  private readonly path: string;
  private readonly store: Store<T>;
  private readonly handlers: ChangeHandler<T>[] = [];
  private readonly logger: Logger;
  private readonly options: InformerOptions;
  /** The version to watch from; "" means list first. */
  private resourceVersion = "";
  private retryMs = minRetryMs;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Aborts the list-and-watch loop that runs now. */
  private running: AbortController | undefined;
  private stopped = false;
  private resolveSynced: () => void = () => {};
  readonly synced: Promise<void>;
  hasSynced = false;
  /** Since when (Date.now()) the list or watch has been failing; undefined while it works. */
  failingSince: number | undefined;
  /** The server refused a streaming list: list with a GET from now on. */
  private listWithGet = false;
  /**
   * A stream ended before the bookmark that ends its objects: list with a GET this once. A server
   * that replays a plain watch (older than 1.27) does so every time; one going away mid-stream
   * (a restart) serves the next streaming list.
   */
  private listOnceWithGet = false;
  /** How the cache's last full list came: a streaming list or a GET (undefined before the first). */
  listedBy: "streaming list" | "GET" | undefined;

  constructor(client: KubeClient, resource: ResourceType, logger: Logger, options: InformerOptions = {}) {
    this.resource = resource;
    this.client = client;
    this.path = resourcePath(resource);
    this.logger = logger.child({ informer: resource.plural });
    this.options = options;
    this.store = new Store<T>(options.indexes as Record<string, IndexFunc<T>> | undefined);
    this.synced = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the cache holds the first full list. */
  async start(): Promise<void> {
    this.stopped = false;
    void this.run();
    await this.synced;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.running?.abort();
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

  /**
   * Tries again now instead of at the end of its backoff: for when another cache of the same server
   * has just seen it answer. Does nothing while the list and watch work.
   */
  retryNow(): void {
    if (this.stopped || this.failingSince === undefined || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryMs = minRetryMs;
    void this.run();
  }

  /** Lists when it must, then watches, again and again, until stopped or a failure hands over to restartLater. */
  private async run(): Promise<void> {
    this.running?.abort();
    const loop = new AbortController();
    this.running = loop;
    const { labelSelector } = this.options;
    try {
      while (!loop.signal.aborted) {
        const streaming = this.resourceVersion === "" && !this.listWithGet && !this.listOnceWithGet;
        if (this.resourceVersion === "" && !streaming) {
          this.listOnceWithGet = false;
          await this.relist();
        }
        if (loop.signal.aborted) return;
        const began = Date.now();
        let events = 0;
        // The objects of a streaming list, until the bookmark that ends them.
        let initial: T[] | undefined = streaming ? [] : undefined;
        const query = {
          labelSelector,
          ...(streaming
            ? { sendInitialEvents: true, resourceVersionMatch: "NotOlderThan" }
            : { resourceVersion: this.resourceVersion }),
          allowWatchBookmarks: true,
          // As client-go: the server ends each watch after 5 to 10 minutes, spread so that they do not end together.
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        };
        const onEvent = (event: WatchEvent) => {
          events++;
          if (!initial) this.apply(event);
          else if (event.type === "ADDED") initial.push(this.prepare(event.object as KubeObject));
          else if (event.type === "BOOKMARK" && event.object.metadata?.annotations?.[initialEventsEnd] === "true") {
            this.replace(initial, event.object.metadata.resourceVersion ?? "", "streaming list");
            initial = undefined;
          } else if (event.type !== "BOOKMARK") this.apply(event);
        };
        await this.client
          .watch(this.path, query, onEvent, {
            inactivityMs: this.options.watchInactivityMs ?? 30_000,
            signal: loop.signal,
            specKept: this.options.specKept,
          })
          .catch((err: unknown) => {
            // 410 Gone: the version is older than etcd keeps; list again, at once.
            if (err instanceof ResourceVersionGone) this.resourceVersion = "";
            else if (streaming && events === 0 && isInvalid(err)) this.refusedStreaming(err.message);
            else throw err;
          });
        // A stream that ended or fell silent before the bookmark that ends its objects: a server older
        // than 1.27 ignores sendInitialEvents and replays a plain watch, which never says it is whole.
        if (initial && !loop.signal.aborted) {
          if (!this.listWithGet) {
            this.listOnceWithGet = true;
            this.logger.info("a streaming list ended before the bookmark that ends its objects; listing with a GET");
          }
          continue;
        }
        if (events === 0 && Date.now() - began < minWatchMs) {
          await new Promise((resolve) => setTimeout(resolve, minWatchMs));
        }
      }
    } catch (err) {
      if (!loop.signal.aborted) this.restartLater(err);
    }
  }

  /** Lists with a GET, for a server that serves no streaming list. */
  private async relist(): Promise<void> {
    const list = await this.client.get<List>(this.path, { labelSelector: this.options.labelSelector });
    this.replace(
      list.items.map((o) => this.prepare(o)),
      list.metadata.resourceVersion,
      "GET",
    );
  }

  private refusedStreaming(why: string): void {
    this.listWithGet = true;
    this.logger.info({ reason: why }, "the API server serves no streaming list; listing with a GET");
  }

  /** A full list replaces the cache: what is gone is deleted, what is new or changed is told. */
  private replace(fresh: T[], resourceVersion: string, by: NonNullable<Informer<T>["listedBy"]>): void {
    this.listedBy = by;
    // A list that answers is the sign the API server is back (a quiet cluster may send no event).
    const wasFailing = this.failingSince !== undefined;
    this.failingSince = undefined;
    this.retryMs = minRetryMs;
    if (wasFailing) this.options.onRecovered?.();
    const listed = new Set(fresh.map((o) => objectKey(o.metadata)));
    for (const old of this.list()) {
      if (!listed.has(objectKey(old.metadata))) this.remove(old);
    }
    for (const obj of fresh) this.upsert(obj);
    this.resourceVersion = resourceVersion;
    if (!this.hasSynced) {
      this.hasSynced = true;
      // How each cache first filled, for a person reading a slow start: how many objects, and how.
      this.logger.info({ objects: fresh.length, listedBy: by }, "cache synced");
      this.resolveSynced();
    }
  }

  private apply(event: WatchEvent): void {
    if (event.type === "ERROR") {
      if (event.object.code === 410) throw new ResourceVersionGone();
      throw new Error(`watch error: ${event.object.message ?? JSON.stringify(event.object)}`);
    }
    const version = event.object.metadata?.resourceVersion;
    if (event.type === "ADDED" || event.type === "MODIFIED") this.upsert(this.prepare(event.object as KubeObject));
    else if (event.type === "DELETED") this.remove(this.prepare(event.object as KubeObject));
    if (version) this.resourceVersion = version;
  }

  /** Strips and cuts an object down before the cache keeps it. */
  private prepare(obj: KubeObject): T {
    const stripped = stripManagedFields(obj);
    return (this.options.transform ? this.options.transform(stripped) : stripped) as T;
  }

  private upsert(obj: T): void {
    const found = this.store.get(obj.metadata.name, obj.metadata.namespace);
    // The same version again (a list after a watch that had told it) is no change.
    if (found && found.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.store.put(obj);
    this.emit(obj, found ? "update" : "add");
  }

  private remove(obj: T): void {
    const found = this.store.delete(obj.metadata.name, obj.metadata.namespace);
    if (found) this.emit(found, "delete");
  }

  private restartLater(err: unknown): void {
    if (this.stopped) return;
    this.failingSince ??= Date.now();
    // What happened while the watch was broken is not known: list again.
    this.resourceVersion = "";
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, maxRetryMs);
    this.logger.warn({ err: String(err), retryInMs: delay }, "watch failed; restarting");
    this.options.onError?.(err, delay);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.run();
    }, delay);
  }

  private emit(obj: T, event: CacheEvent): void {
    this.retryMs = minRetryMs;
    this.failingSince = undefined;
    for (const handler of this.handlers) {
      try {
        handler(obj, event);
      } catch (err) {
        this.logger.error({ err, key: objectKey(obj.metadata) }, "event handler failed");
      }
    }
  }
}

class ResourceVersionGone extends Error {
  constructor() {
    super("410 Gone: the watched version is too old; listing again");
  }
}
