// The manager runs controllers as controller-runtime's does: it owns the client and the shared
// caches, binds each controller's watches, starts the caches and waits for them to sync, then (when
// this replica leads, or at once without leader election) starts the workers; on stop it lets the
// reconciles in progress finish and hands the lease back. It knows nothing of agents or GPUs: the
// reconcilers set themselves up on it (reconcilers/*-controller.ts).
import type { Logger } from "pino";
import type { ClusterConnection } from "./connection.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import { Informer } from "./informer.ts";
import { defaultTimings, type LeaderElectionConfig, LeaderElector } from "./leader-election.ts";
import { type ManagerMetrics, noMetrics } from "./metrics.ts";
import type { KubeObject } from "./objects.ts";
import { type ResourceType, resourceOfPath, resourcePath } from "./resources.ts";
import { KubeClient } from "./rest.ts";
import type { IndexFunc } from "./store.ts";
import { WriteRecovery } from "./write-recovery.ts";

export type LeaderElectionOptions = Pick<LeaderElectionConfig, "namespace" | "name" | "identity"> &
  Partial<LeaderElectionConfig>;

export interface ManagerOptions {
  connection: ClusterConnection;
  logger: Logger;
  metrics?: ManagerMetrics;
  /** Only the holder of this Lease reconciles; without it, this process always does. */
  leaderElection?: LeaderElectionOptions;
  /** Called when leadership is lost: the process should exit, as controller-runtime's does. */
  onLostLeadership?: () => void;
  /** Called once this replica starts reconciling (at once without leader election). */
  onStartedReconciling?: () => void;
}

export interface CacheOptions {
  labelSelector?: string;
  /** Cuts an object down to the fields its readers use before the cache keeps it. */
  transform?: (obj: KubeObject) => KubeObject;
  /** The only members of a spec the transform keeps, left unparsed otherwise (InformerOptions.specKept). */
  specKept?: readonly string[];
  /** Indexes to find objects by (store.ts); made once, like the transform, since the cache is shared. */
  indexes?: Readonly<Record<string, IndexFunc<KubeObject>>>;
}

/** What makes a cache's shape: two callers of one cache must pass the same (the same objects). */
type CacheShape = Pick<CacheOptions, "transform" | "specKept" | "indexes">;

export class Manager {
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly metrics: ManagerMetrics;
  private readonly opts: ManagerOptions;
  private readonly caches = new Map<string, { informer: Informer<KubeObject> } & CacheShape>();
  private readonly controllers: Controller[] = [];
  private elector: LeaderElector | undefined;
  private synced = false;
  private reconciling = false;
  /** Sees when writes go through again after the server failed some. */
  private readonly writes = new WriteRecovery();
  /** A cache failed since the last time they all worked: catch up when they do again. */
  private lostServer = false;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    this.logger = opts.logger;
    this.metrics = opts.metrics ?? noMetrics;
    this.client = new KubeClient(opts.connection);
    const host = new URL(opts.connection.server).host;
    this.client.onRequest((method, code, path) => {
      this.metrics.request(method, code, host, resourceOfPath(path));
      // What the operator changed, request by request: at debug level, to find a write that should not be.
      if (method !== "GET") this.logger.debug({ method, path, code }, "api write");
      if (this.writes.answered(method, code)) this.writesAnswered();
    });
  }

  /**
   * The shared cache of a resource (and label selector): every controller that asks for the same one
   * gets the same informer, so each kind is listed and watched once.
   */
  informer<T extends KubeObject>(resource: ResourceType, opts: CacheOptions = {}): Informer<T> {
    const key = `${resourcePath(resource)}?${opts.labelSelector ?? ""}`;
    const cached = this.caches.get(key);
    if (cached) {
      if (cached.transform !== opts.transform || cached.specKept !== opts.specKept || cached.indexes !== opts.indexes) {
        throw new Error(
          `the cache of ${key} was asked for twice with different transforms, spec members or indexes: it keeps one shape`,
        );
      }
      return cached.informer as unknown as Informer<T>;
    }
    if (this.synced) throw new Error(`the cache of ${key} was asked for after the manager started`);
    const informer = new Informer<KubeObject>(this.client, resource, this.logger, {
      ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      ...(opts.transform ? { transform: opts.transform } : {}),
      ...(opts.specKept ? { specKept: opts.specKept } : {}),
      ...(opts.indexes ? { indexes: opts.indexes } : {}),
      onError: () => {
        this.metrics.watchError(resource.plural);
        this.lostServer = true;
      },
      onRecovered: () => this.serverAnswered(),
    });
    this.caches.set(key, { informer, transform: opts.transform, specKept: opts.specKept, indexes: opts.indexes });
    return informer as unknown as Informer<T>;
  }

  /**
   * One cache has seen the API server answer again. The others, backing off, try at once; and once
   * every cache works, each controller looks at all its objects again: a reconcile that failed while
   * the server was away waits out a backoff that has grown with each failure (up to many minutes),
   * and the relist may bring no event for its object.
   */
  private serverAnswered(): void {
    const caches = [...this.caches.values()].map(({ informer }) => informer);
    for (const informer of caches) informer.retryNow();
    if (!this.lostServer || caches.some((informer) => informer.failingSince !== undefined)) return;
    this.lostServer = false;
    this.logger.info("the API server answers every cache again; looking at every object again");
    if (this.reconciling) for (const c of this.controllers) c.enqueueAll();
  }

  /**
   * The API server takes writes again after failing some (etcd was away: write-recovery.ts). The
   * reconciles that failed meanwhile would wait out backoffs grown with each failure; they go now.
   */
  private writesAnswered(): void {
    if (!this.reconciling) return;
    this.logger.info("the API server takes writes again");
    for (const c of this.controllers) c.retryFailedNow();
  }

  /** A controller run by this manager: its watches are bound before the caches start. */
  addController(opts: Omit<ControllerOptions, "logger" | "metrics">): Controller {
    const controller = new Controller({ ...opts, logger: this.logger, metrics: this.metrics });
    this.controllers.push(controller);
    return controller;
  }

  /** The caches hold their first full list. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Ready to act on what it sees: the caches synced, and none has been failing to list or watch for
   * longer than `graceMs` (a silent watch that the watchdog restarts is back within a second).
   */
  isReady(now = Date.now(), graceMs = 3000): boolean {
    if (!this.synced) return false;
    return [...this.caches.values()].every(
      ({ informer }) => informer.failingSince === undefined || now - informer.failingSince < graceMs,
    );
  }

  /** This replica reconciles (it leads, or runs without leader election). */
  get isReconciling(): boolean {
    return this.reconciling;
  }

  /** Starts the caches, waits for them to sync, then reconciles once this replica leads. */
  async start(): Promise<void> {
    for (const c of this.controllers) c.bind();
    await Promise.all([...this.caches.values()].map(({ informer }) => informer.start()));
    this.synced = true;
    const election = this.opts.leaderElection;
    if (!election) {
      this.startReconciling();
      return;
    }
    const lease = election.name;
    this.metrics.leader(lease, false);
    this.elector = new LeaderElector(this.client, { ...defaultTimings, ...election }, this.logger);
    this.logger.info({ lease: `${election.namespace}/${lease}` }, "caches synced; waiting to lead");
    this.elector.run({
      onStartedLeading: () => {
        this.metrics.leader(lease, true);
        this.startReconciling();
      },
      onStoppedLeading: () => {
        this.metrics.leader(lease, false);
        // Stop writing at once: another replica may already lead.
        for (const c of this.controllers) c.halt();
        this.reconciling = false;
        this.opts.onLostLeadership?.();
      },
    });
  }

  private startReconciling(): void {
    this.reconciling = true;
    for (const c of this.controllers) c.start();
    this.opts.onStartedReconciling?.();
  }

  /** Finishes the reconciles in progress, hands the lease back, then stops watching. */
  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await this.elector?.release();
    for (const { informer } of this.caches.values()) informer.stop();
    await this.client.close();
  }
}
