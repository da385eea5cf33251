// Which events reach the API server, as client-go's EventCorrelator decides it, plus a fleet-wide
// bound: an event storm (a PC going down with fifty agents on it) costs a bounded number of writes.
//   - the same event (object, reason, message) within the dedup window: dropped (the status says it);
//   - similar events (object, type, reason; other messages) beyond `aggregateAfter` within the window:
//     one "(combined from similar events)" event per window, as client-go's aggregator does;
//   - per object, a token bucket (client-go's spam filter: a burst of 25, then one per 5 minutes);
//   - for the whole operator, a token bucket (a burst of 100, then 2 a second).
// Pure: it decides, the recorder writes. Conditions carry the same news, so what is dropped is
// never lost, only not repeated.

export interface EventLimits {
  dedupWindowMs: number;
  aggregateAfter: number;
  aggregateWindowMs: number;
  perObjectBurst: number;
  perObjectRefillMs: number;
  globalBurst: number;
  globalRefillMs: number;
}

export const defaultEventLimits: EventLimits = {
  dedupWindowMs: 10 * 60_000,
  aggregateAfter: 10,
  aggregateWindowMs: 10 * 60_000,
  perObjectBurst: 25,
  perObjectRefillMs: 5 * 60_000,
  globalBurst: 100,
  globalRefillMs: 500,
};

export interface EventKey {
  object: string;
  type: string;
  reason: string;
  message: string;
}

export type EventDecision =
  | { send: true; message: string }
  | { send: false; why: "duplicate" | "aggregated" | "object-rate" | "fleet-rate" };

class TokenBucket {
  private readonly burst: number;
  private readonly refillMs: number;
  private tokens: number;
  private last: number;
  constructor(burst: number, refillMs: number, now: number) {
    this.burst = burst;
    this.refillMs = refillMs;
    this.tokens = burst;
    this.last = now;
  }
  /** Takes a token if there is one. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.refillMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  /** Full again: the bucket can be forgotten. */
  idle(now: number): boolean {
    return this.tokens + (now - this.last) / this.refillMs >= this.burst;
  }
}

export class EventCorrelator {
  private readonly seen = new Map<string, number>();
  private readonly similar = new Map<string, { since: number; messages: Set<string>; combinedSent: boolean }>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly fleet: TokenBucket;
  private decisions = 0;
  private readonly limits: EventLimits;

  constructor(limits: EventLimits = defaultEventLimits, now = 0) {
    this.limits = limits;
    this.fleet = new TokenBucket(limits.globalBurst, limits.globalRefillMs, now);
  }

  decide(e: EventKey, now: number): EventDecision {
    if (++this.decisions % 1000 === 0) this.prune(now);
    const exact = `${e.object}|${e.type}|${e.reason}|${e.message}`;
    const last = this.seen.get(exact);
    if (last !== undefined && now - last < this.limits.dedupWindowMs) return { send: false, why: "duplicate" };

    const similarKey = `${e.object}|${e.type}|${e.reason}`;
    let group = this.similar.get(similarKey);
    if (!group || now - group.since >= this.limits.aggregateWindowMs) {
      group = { since: now, messages: new Set(), combinedSent: false };
      this.similar.set(similarKey, group);
    }
    group.messages.add(e.message);
    let message = e.message;
    if (group.messages.size > this.limits.aggregateAfter) {
      if (group.combinedSent) return { send: false, why: "aggregated" };
      message = `(combined from similar events): ${e.message}`;
    }

    let bucket = this.buckets.get(e.object);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.perObjectBurst, this.limits.perObjectRefillMs, now);
      this.buckets.set(e.object, bucket);
    }
    if (!bucket.take(now)) return { send: false, why: "object-rate" };
    if (!this.fleet.take(now)) return { send: false, why: "fleet-rate" };
    this.seen.set(exact, now);
    if (message !== e.message) group.combinedSent = true;
    return { send: true, message };
  }

  /** Forgets what no longer limits anything, so memory follows the events of the last window. */
  private prune(now: number): void {
    for (const [k, t] of this.seen) if (now - t >= this.limits.dedupWindowMs) this.seen.delete(k);
    for (const [k, g] of this.similar) if (now - g.since >= this.limits.aggregateWindowMs) this.similar.delete(k);
    for (const [k, b] of this.buckets) if (b.idle(now)) this.buckets.delete(k);
  }
}
