// Lease-based leader election, as client-go's: only the holder of a coordination.k8s.io Lease
// reconciles. A leader that cannot renew within the renew deadline stops at once; a leader that shuts
// down releases the lease so another replica takes over without waiting for it to expire.
import type { Logger } from "pino";
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

export interface Lease {
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

/** The lease record as this replica last saw it change, by its own clock. */
export interface ObservedLease {
  holder: string;
  renewTime: string;
  at: number;
}

export type LeaseAction =
  | { action: "create"; lease: Lease }
  | { action: "update"; lease: Lease; takeover: boolean }
  | { action: "wait"; holder: string };

/**
 * What to do with the lease as read now: create it, renew it (ours), take it over (free or expired),
 * or wait (another replica holds it). Expiry is judged by when this replica saw the record change,
 * not by the holder's clock, as client-go does, so clocks that disagree never make two leaders.
 */
export function decideLease(
  current: Lease | undefined,
  observed: ObservedLease | undefined,
  config: Pick<LeaderElectionConfig, "namespace" | "name" | "identity" | "leaseDurationMs">,
  now: number,
): { decision: LeaseAction; observed: ObservedLease | undefined } {
  const durationSeconds = Math.round(config.leaseDurationMs / 1000);
  if (!current) {
    return {
      decision: {
        action: "create",
        lease: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: config.name, namespace: config.namespace },
          spec: {
            holderIdentity: config.identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        },
      },
      observed,
    };
  }
  const holder = current.spec.holderIdentity ?? "";
  const renewTime = current.spec.renewTime ?? "";
  const seen =
    observed && observed.holder === holder && observed.renewTime === renewTime
      ? observed
      : { holder, renewTime, at: now };
  const leaseMs = (current.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
  const mine = holder === config.identity;
  const expired = holder === "" || seen.at + leaseMs <= now;
  if (!mine && !expired) return { decision: { action: "wait", holder }, observed: seen };
  return {
    decision: {
      action: "update",
      takeover: !mine,
      lease: {
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: config.identity,
          leaseDurationSeconds: durationSeconds,
          renewTime: microTime(now),
          ...(mine ? {} : { acquireTime: microTime(now), leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 }),
        },
      },
    },
    observed: seen,
  };
}

/** A leader steps down when another replica took the lease, or when it could not renew within the deadline. */
export function mustStepDown(input: {
  identity: string;
  observedHolder: string | undefined;
  lastRenewAt: number;
  now: number;
  renewDeadlineMs: number;
}): boolean {
  const taken =
    input.observedHolder !== undefined && input.observedHolder !== "" && input.observedHolder !== input.identity;
  return taken || input.now - input.lastRenewAt >= input.renewDeadlineMs;
}

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
        mustStepDown({
          identity: this.config.identity,
          observedHolder: this.observed?.holder,
          lastRenewAt: this.lastRenew,
          now: this.now(),
          renewDeadlineMs: this.config.renewDeadlineMs,
        })
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
    const current = await this.client.get<Lease>(this.path()).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    });
    const { decision, observed } = decideLease(current, this.observed, this.config, this.now());
    this.observed = observed;
    switch (decision.action) {
      case "wait":
        return false;
      case "create":
        return this.write(() =>
          this.client.create<Lease>(resourcePath(core.lease, this.config.namespace), decision.lease),
        );
      case "update":
        return this.write(() => this.client.replace<Lease>(this.path(), decision.lease));
    }
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
