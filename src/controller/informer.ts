// A cache of one resource kept current by list and watch. client-node's ListWatch re-lists on 410 and
// reconnects after its inactivity timeout, but stops for good on any other error; this wrapper restarts
// it with exponential backoff, so a broken watch never leaves the operator blind.
import { type KubernetesObject, ListWatch, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { CacheEvent, ChangeHandler, ObjectCache } from "./cache.ts";
import { type KubeObject, objectKey } from "./objects.ts";
import { type ResourceType, resourcePath } from "./resources.ts";
import type { KubeClient } from "./rest.ts";

export interface InformerOptions {
  labelSelector?: string;
  /** Cuts an object down to the fields its readers use before the cache keeps it. */
  transform?: (obj: KubeObject) => KubeObject;
  /** Called when a watch or list fails, with the delay before the next try. */
  onError?: (err: unknown, retryInMs: number) => void;
  /** Called when a list answers after the list or watch had been failing: the API server is back. */
  onRecovered?: () => void;
  /**
   * How long a watch may stay silent before it is dropped and restarted: the watchdog for a watch
   * that a proxy or a half-dead connection keeps open without events. client-node's default, 30 s.
   */
  watchInactivityMs?: number;
}

/**
 * Drops metadata.managedFields before an object enters the cache, as controller-runtime's default
 * transform does: server-side apply makes them large, and nothing here reads them.
 */
export function stripManagedFields<T>(obj: T): T {
  const meta = (obj as { metadata?: { managedFields?: unknown } }).metadata;
  if (meta?.managedFields !== undefined) delete meta.managedFields;
  return obj;
}

/** client-node's Watch, with every object it delivers prepared (stripped) before the cache keeps it. */
class PreparingWatch extends Watch {
  private readonly prepare: (obj: unknown) => unknown;
  constructor(
    kubeConfig: ConstructorParameters<typeof Watch>[0],
    prepare: (obj: unknown) => unknown,
    inactivityMs: number | undefined,
  ) {
    super(kubeConfig);
    this.prepare = prepare;
    // client-node keeps its inactivity timeout in a field its types call private; it has no setter.
    if (inactivityMs !== undefined) (this as unknown as { requestTimeoutMs: number }).requestTimeoutMs = inactivityMs;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(path, queryParams, (phase, obj, raw) => callback(phase, this.prepare(obj), raw), done);
  }
}

const minRetryMs = 500;
// client-go's reflector backs off to 30 s. A server that is down is asked by each cache at most every
// 10 s here instead (a dozen requests in ten seconds cost it nothing), so that the fleet notices the
// server's return within seconds; and the first cache to notice wakes the others (retryNow).
const maxRetryMs = 10_000;

export class Informer<T extends KubeObject> implements ObjectCache<T> {
  readonly resource: ResourceType;
  private readonly listWatch: ListWatch<KubernetesObject>;
  private readonly handlers: ChangeHandler<T>[] = [];
  private readonly logger: Logger;
  private readonly options: InformerOptions;
  private retryMs = minRetryMs;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private resolveSynced: () => void = () => {};
  readonly synced: Promise<void>;
  hasSynced = false;
  /** Since when (Date.now()) the list or watch has been failing; undefined while it works. */
  failingSince: number | undefined;

  constructor(client: KubeClient, resource: ResourceType, logger: Logger, options: InformerOptions = {}) {
    this.resource = resource;
    this.logger = logger.child({ informer: resource.plural });
    this.options = options;
    this.synced = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
    const path = resourcePath(resource);
    const { transform } = options;
    const prepare = (obj: unknown): unknown => {
      // A watch also delivers ERROR and BOOKMARK objects, which are not ours to cut down.
      const stripped = stripManagedFields(obj) as KubeObject;
      return transform && stripped?.metadata?.name !== undefined ? transform(stripped) : stripped;
    };
    const list = async () => {
      const result = await client.get<{ items: KubernetesObject[]; metadata: { resourceVersion: string } }>(path, {
        labelSelector: options.labelSelector,
      });
      result.items = result.items.map((o) => prepare(o) as KubernetesObject);
      // A list that answers is the sign the API server is back (a quiet cluster may send no event).
      const wasFailing = this.failingSince !== undefined;
      this.failingSince = undefined;
      if (wasFailing) this.options.onRecovered?.();
      return result;
    };
    this.listWatch = new ListWatch(
      path,
      new PreparingWatch(client.kubeConfig, prepare, options.watchInactivityMs),
      list,
      false,
      options.labelSelector,
    );
    this.listWatch.on("add", (o) => this.emit(o as T, "add"));
    this.listWatch.on("update", (o) => this.emit(o as T, "update"));
    this.listWatch.on("delete", (o) => this.emit(o as T, "delete"));
    this.listWatch.on("error", (err) => this.restartLater(err));
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the cache holds the first full list. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
    await this.synced;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    void this.listWatch.stop();
  }

  list(namespace?: string): T[] {
    return this.listWatch.list(namespace) as T[];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.listWatch.get(name, namespace) as T | undefined;
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
    void this.connect();
  }

  private async connect(): Promise<void> {
    try {
      await this.listWatch.start();
    } catch (err) {
      this.restartLater(err);
      return;
    }
    if (!this.hasSynced && this.listWatch.latestResourceVersion() !== "") {
      this.hasSynced = true;
      this.retryMs = minRetryMs;
      this.resolveSynced();
    }
  }

  private restartLater(err: unknown): void {
    if (this.stopped) return;
    this.failingSince ??= Date.now();
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, maxRetryMs);
    this.logger.warn({ err: String(err), retryInMs: delay }, "watch failed; restarting");
    this.options.onError?.(err, delay);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.connect();
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
