// Lease-based leader election, as client-go's: only the holder of a coordination.k8s.io Lease
// reconciles. A leader that cannot renew within the renew deadline stops at once; a leader that shuts
// down releases the lease so another replica takes over without waiting for it to expire.
import type { Logger } from "../observability/logger.ts";
import { core, resourcePath } from "./resources.ts";
import { ApiError, type KubeClient } from "./rest.ts";

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  /** controller-runtime's defaults: 15 s, 10 s, 2 s. */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const defaultTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const microTime = (ms: number) => new Date(ms).toISOString().replace("Z", "000Z");

export interface LeaderCallbacks {
  onStartedLeading: () => Promise<void> | void;
  /** Called once when leadership is lost (not on a clean release). */
  onStoppedLeading: () => void;
  onLeaderChange?: (leader: string) => void;
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly config: LeaderElectionConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private lease: Lease | undefined;

  constructor(client: KubeClient, config: LeaderElectionConfig, logger: Logger, now: () => number = Date.now) {
    this.client = client;
    this.config = config;
    this.logger = logger.child({ leaderElection: `${config.namespace}/${config.name}`, identity: config.identity });
    this.now = now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries every retry period until it leads, then renews until it stops or loses the lease. */
  run(callbacks: LeaderCallbacks): void {
    const tick = async () => {
      if (this.stopped) return;
      const held = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.logger.warn({ err: String(err) }, "could not reach the lease");
        return false;
      });
      if (this.stopped) return;
      if (held) {
        this.lastRenew = this.now();
        if (!this.leading) {
          this.leading = true;
          this.logger.info("became the leader");
          await callbacks.onStartedLeading();
        }
      } else if (
        this.leading &&
        ((this.observed && this.observed.holder !== "" && this.observed.holder !== this.config.identity) ||
          this.now() - this.lastRenew >= this.config.renewDeadlineMs)
      ) {
        this.leading = false;
        this.stopped = true;
        this.logger.error(
          { renewDeadlineMs: this.config.renewDeadlineMs, holder: this.observed?.holder },
          "lost the lease (not renewed in time, or taken): stopping",
        );
        callbacks.onStoppedLeading();
        return;
      }
      if (this.observed) callbacks.onLeaderChange?.(this.observed.holder);
      this.timer = setTimeout(() => void tick(), this.config.retryPeriodMs);
    };
    void tick();
  }

  /** Stops trying; a leader hands the lease back so that another replica need not wait for it to expire. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading || !this.lease) return;
    this.leading = false;
    const now = this.now();
    await this.client
      .replace(this.path(), {
        ...this.lease,
        spec: { ...this.lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(now) },
      })
      .then(() => this.logger.info("released the lease"))
      .catch((err: unknown) => this.logger.warn({ err: String(err) }, "could not release the lease"));
  }

  private path(name?: string): string {
    return resourcePath(core.lease, this.config.namespace, name ?? this.config.name);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const durationSeconds = Math.round(this.config.leaseDurationMs / 1000);
    let current: Lease;
    try {
      current = await this.client.get<Lease>(this.path());
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      const fresh: Lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.config.name, namespace: this.config.namespace },
        spec: {
          holderIdentity: this.config.identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      return this.write(() => this.client.create<Lease>(resourcePath(core.lease, this.config.namespace), fresh));
    }

    // Expiry is judged by when this process saw the record change, not by the holder's clock.
    const holder = current.spec.holderIdentity ?? "";
    const renewTime = current.spec.renewTime ?? "";
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: now };
    }
    const leaseMs = (current.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const mine = holder === this.config.identity;
    const expired = holder === "" || this.observed.at + leaseMs <= now;
    if (!mine && !expired) return false;

    const next: Lease = {
      ...current,
      spec: {
        ...current.spec,
        holderIdentity: this.config.identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now),
        ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    return this.write(() => this.client.replace<Lease>(this.path(), next));
  }

  /** A write that lost a race (409) means another replica holds the lease. */
  private async write(op: () => Promise<Lease>): Promise<boolean> {
    try {
      this.lease = await op();
      this.observed = {
        holder: this.lease.spec.holderIdentity ?? "",
        renewTime: this.lease.spec.renewTime ?? "",
        at: this.now(),
      };
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 422)) return false;
      throw err;
    }
  }
}
