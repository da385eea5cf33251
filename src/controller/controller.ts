// The generic controller: informers feed keys into a work queue; workers reconcile one key at a
// time from the caches. Knows nothing about agents or GPUs.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { CacheEvent } from "./cache.ts";
import { type ControllerMetrics, noMetrics } from "./metrics.ts";
import { type KubeObject, objectKey, splitKey } from "./objects.ts";
import { Priority, WorkQueue } from "./workqueue.ts";

export interface ReconcileResult {
  /** Reconcile this key again after the delay, even if nothing changes (a level-triggered timer). */
  requeueAfterMs?: number;
  /**
   * Reconcile again after the key's growing backoff, as after an error: for an object the cluster
   * refuses for now (its status says why), which the operator must neither drop nor hammer.
   */
  backoff?: boolean;
}

export interface ReconcileContext {
  logger: Logger;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined>;

/** What a controller needs of a cache: its change events and its objects. */
export interface EventSource {
  onChange(handler: (obj: KubeObject, event: CacheEvent) => void): void;
  list(): readonly KubeObject[];
}

export interface Watch {
  informer: EventSource;
  /** The primary keys an object of this informer affects; the event lets a watch ignore updates it does not read. */
  map: (obj: KubeObject, event: CacheEvent) => string[];
}

export interface ControllerOptions {
  name: string;
  primary: EventSource;
  /** Which of the primary's events start a reconcile (all, unless told): for skipping a controller's own echoes. */
  primaryFilter?: (obj: KubeObject, event: CacheEvent) => boolean;
  watches?: Watch[];
  reconcile: Reconciler;
  workers?: number;
  /**
   * Which primary objects had better be reconciled before which (an agent's dependencies before it):
   * when a person creates or edits one, it goes ahead of what waits and needs it, and what it needs
   * and still waits goes ahead of it.
   */
  order?: {
    needs(key: string): readonly string[];
    neededBy(key: string): readonly string[];
  };
  /** Reconcile every primary object this often, as a safety net for missed events. */
  resyncMs?: number;
  logger: Logger;
  metrics?: ControllerMetrics;
}

/**
 * How urgent a primary object's own event is. A new object or an edit is what a person did, and goes
 * before what watches wake; a deletion leaves the garbage collector the work, and waits its turn.
 * Measured in the bench: new agents first cost a rollout 1.71 status writes per agent against 1.34
 * to 1.40 in the order they came, at 297 agents for no shorter rollout, at 3,000 for a shorter one
 * (454.7 and 505.4 s against 624.5 s; operator CPU 110 and 118 s against 148 s), probably because
 * every agent's children are created before the status work of the others, so its pods start
 * sooner. Before the start, every event is the caches' first list, as low as the start's own pass
 * over every object.
 */
function primaryPriority(event: CacheEvent, started: boolean): number {
  if (!started) return Priority.low;
  return event === "delete" ? Priority.normal : Priority.high;
}

/** The log message of a controller's first empty queue after its start (see Controller.noteCaughtUp). */
export const caughtUpMessage = "reconciled every object once since the start";

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Maps a child to the key of its controlling owner of the given kind. */
export function ownerKeyOf(kind: string) {
  return (obj: KubeObject): string[] => {
    const owner = obj.metadata.ownerReferences?.find((o) => o.controller && o.kind === kind);
    return owner ? [objectKey({ name: owner.name, namespace: obj.metadata.namespace })] : [];
  };
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics;
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private started = false;
  /** When the workers started (performance.now()), and how many keys they have reconciled since. */
  private startedAt = 0;
  private reconciled = 0;
  private caughtUp = false;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.logger = opts.logger.child({ controller: opts.name });
    this.metrics = opts.metrics ?? noMetrics;
    this.queue = new WorkQueue({ metrics: this.metrics.queue(opts.name) });
  }

  /**
   * Wires the event handlers; call before the informers start. A change to a primary object goes
   * ahead of what its children's and neighbours' events wake; before the start, events are the
   * caches' first lists, as low as the start's own pass over every object.
   */
  bind(): void {
    const wanted = this.opts.primaryFilter ?? (() => true);
    this.opts.primary.onChange((obj, event) => {
      if (!wanted(obj, event)) return;
      const key = objectKey(obj.metadata);
      const priority = primaryPriority(event, this.started);
      this.queue.add(key, priority);
      if (priority === Priority.high) this.orderByNeeds(key);
    });
    for (const watch of this.opts.watches ?? []) {
      watch.informer.onChange((obj, event) => {
        const priority = this.started ? Priority.normal : Priority.low;
        for (const key of watch.map(obj, event)) this.queue.add(key, priority);
      });
    }
  }

  /**
   * Puts a key just queued by a person's change ahead of the waiting keys that need it, and what it
   * needs (and what that needs in turn) ahead of it. A fleet applied in its files' order, as `kubectl
   * apply -f` does, comes dependents first; reconciled as it came, dependents became Ready before
   * what they need, and each was written again when its dependencies followed (docs/performance.md).
   */
  private orderByNeeds(key: string): void {
    const order = this.opts.order;
    if (!order) return;
    const waitingDependents = order.neededBy(key).map((k) => this.queue.priorityOf(k) ?? Number.NEGATIVE_INFINITY);
    this.queue.raise(key, Math.max(...waitingDependents) + 1);
    this.moveAhead(key, this.queue.priorityOf(key) ?? Priority.high, new Set([key]));
  }

  /** Moves what `key` needs ahead of it, when it waits, and so on down; `seen` ends a cycle of needs. */
  private moveAhead(key: string, priority: number, seen: Set<string>): void {
    for (const needed of this.opts.order?.needs(key) ?? []) {
      if (seen.has(needed)) continue;
      seen.add(needed);
      if (this.queue.raise(needed, priority + 1)) this.moveAhead(needed, priority + 1, seen);
    }
  }

  /** Starts the workers; the informers must have synced. */
  start(): void {
    this.started = true;
    this.startedAt = performance.now();
    this.enqueueAll();
    const resyncMs = this.opts.resyncMs ?? 10 * 60_000;
    this.resyncTimer = setInterval(() => this.enqueueAll(), resyncMs);
    this.resyncTimer.unref();
    const n = this.opts.workers ?? 4;
    this.workers = Array.from({ length: n }, () => this.work());
    this.logger.info({ workers: n }, "controller started");
    this.noteCaughtUp();
  }

  /**
   * Says once, at info, when the queue first runs empty after the start: every object has been
   * reconciled once and what the cluster holds matches what the operator would write. A person
   * reads how long a restart took to look at the whole fleet; the benchmark times a start by it
   * instead of scraping /metrics while the start runs (each scrape costs the CPU it measures).
   */
  private noteCaughtUp(): void {
    if (this.caughtUp || this.queue.length > 0 || this.active > 0) return;
    this.caughtUp = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.logger.info(
      { reconciled: this.reconciled, seconds: round(seconds), sinceProcessStart: round(process.uptime()) },
      caughtUpMessage,
    );
  }

  /** Queues every primary object behind whatever changed. */
  enqueueAll(): void {
    for (const obj of this.opts.primary.list()) this.queue.add(objectKey(obj.metadata), Priority.low);
  }

  /** Retries now the keys backing off after a failure: the server they failed on takes writes again. */
  retryFailedNow(): void {
    const retried = this.queue.retryBackedOffNow();
    if (retried > 0) this.logger.info({ retried }, "retrying the reconciles that failed, now");
  }

  /** Stops at once: no new key is taken and no retry scheduled (the keys in progress finish on their own). */
  halt(): void {
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
  }

  /** Stops taking new keys and waits for the keys in progress to finish. */
  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
      this.noteCaughtUp();
      // A reconcile with nothing to write never waits on I/O, and a promise chain never lets I/O in:
      // over thousands of such keys (a start) the probes, /metrics and the watches would wait for the
      // whole queue. Each worker lets them in between two keys, as goroutines would be preempted.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async process(key: string): Promise<void> {
    const { metrics } = this;
    const controller = this.name;
    const { namespace, name } = splitKey(key);
    const logger = this.logger.child({ ...(namespace ? { namespace } : {}), name, reconcileID: randomUUID() });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    metrics.activeWorkers(controller, ++this.active);
    this.reconciled++;
    try {
      const result = await this.opts.reconcile(key, { logger });
      if (result?.backoff) {
        const retryInMs = this.queue.addRateLimited(key);
        logger.debug({ retryInMs }, "reconcile deferred; will retry with backoff");
        metrics.reconciled(controller, "requeue_after", seconds());
        return;
      }
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics.reconciled(controller, "requeue_after", seconds());
      } else {
        metrics.reconciled(controller, "success", seconds());
      }
    } catch (err) {
      const retryInMs = this.queue.addRateLimited(key);
      metrics.reconciled(controller, "error", seconds());
      logger.error(
        { err: err instanceof Error ? err.message : String(err), retryInMs },
        "reconcile failed; will retry",
      );
    } finally {
      metrics.activeWorkers(controller, --this.active);
      this.queue.done(key);
    }
  }
}
