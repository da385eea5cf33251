// A work queue of keys, as client-go's: a key waits at most once (dedup); a key being processed is
// never handed to a second worker, and if it changes meanwhile it is queued again when the first
// worker is done; failures are retried with per-key exponential backoff.
//
// Keys wait by priority, as in controller-runtime's priority queue: what a person did (a new agent,
// an edit of one) goes before the keys a fleet-wide wave of child events woke, and those before the
// start's and the resync's pass over every object (controller.ts decides which is which). Without it, one edit at 3,000 agents waited
// behind the status work of hundreds of agents that the previous edit's pod roll had woken.

export interface QueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
  /** How long a key waited before a worker took it, and how long the worker took. */
  waited(seconds: number): void;
  worked(seconds: number): void;
}

const noMetrics: QueueMetrics = { depth() {}, added() {}, retried() {}, waited() {}, worked() {} };

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** controller-runtime's per-item default: 5 ms doubling to 1000 s. */
export const defaultBackoff: Backoff = { baseMs: 5, maxMs: 1_000_000 };

export function backoffDelay(failures: number, backoff: Backoff = defaultBackoff): number {
  return Math.min(backoff.baseMs * 2 ** Math.min(failures, 40), backoff.maxMs);
}

/** Higher goes first; within a priority, first in first out. */
export const Priority = {
  /** A pass over every object: the start's, the periodic resync's. */
  low: -1,
  normal: 0,
  /**
   * What a person did: a new or edited primary object. What such an object needs first (an agent's
   * dependencies) and still waits goes one above it (controller.ts), and so on down its needs.
   */
  high: 1,
} as const;

interface Entry {
  readonly key: string;
  readonly priority: number;
}

export class WorkQueue {
  /**
   * One FIFO per priority, highest first. A key raised to a higher priority leaves its old entry
   * behind; `waiting` holds each key's live entry, so a stale one is skipped when it comes up.
   */
  private readonly queues = new Map<number, Entry[]>();
  private priorities: number[] = [];
  private readonly waiting = new Map<string, Entry>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  private readonly takers: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly metrics: QueueMetrics;
  private readonly backoff: Backoff;
  private readonly now: () => number;

  constructor(opts: { metrics?: QueueMetrics; backoff?: Backoff; now?: () => number } = {}) {
    this.metrics = opts.metrics ?? noMetrics;
    this.backoff = opts.backoff ?? defaultBackoff;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Queues the key; a key already waiting keeps its place, or moves up if this priority is higher. */
  add(key: string, priority: number = Priority.normal): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.set(key, Math.max(priority, this.dirtyWhileProcessing.get(key) ?? priority));
      return;
    }
    const waiting = this.waiting.get(key);
    if (waiting) {
      if (priority > waiting.priority) this.enqueue(key, priority);
      return;
    }
    this.metrics.added();
    this.addedAt.set(key, this.now());
    const taker = this.takers.shift();
    if (taker) {
      taker(this.take(key));
      return;
    }
    this.enqueue(key, priority);
    this.metrics.depth(this.waiting.size);
  }

  /** The priority a key waits at; undefined when it does not wait. */
  priorityOf(key: string): number | undefined {
    return this.waiting.get(key)?.priority;
  }

  /**
   * Moves a waiting key up to `priority`, never down; true if it moved. A key that is not waiting is
   * left alone: raising asks for no reconcile of its own.
   */
  raise(key: string, priority: number): boolean {
    const waiting = this.waiting.get(key);
    if (!waiting || waiting.priority >= priority) return false;
    this.enqueue(key, priority);
    return true;
  }

  /** Adds the key after a delay, at normal priority; an earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.dueAt <= dueAt) return;
    // A sooner delay replaces a later one: a key backing off for minutes after an outage still gets
    // the short requeue that a reconcile asks for once the server is back.
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { timer, dueAt });
  }

  /** Retries a failed key after its backoff, which doubles with each consecutive failure. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.metrics.retried();
    const delay = backoffDelay(failures, this.backoff);
    this.addAfter(key, delay);
    return delay;
  }

  /**
   * Queues now every key that waits out a failure's backoff (not one that asked to come back later).
   * Their failure counts stay: a key that fails again backs off as long as it would have. How many.
   */
  retryBackedOffNow(): number {
    let retried = 0;
    for (const [key, { timer }] of this.timers) {
      if (!this.failures.has(key)) continue;
      clearTimeout(timer);
      this.timers.delete(key);
      this.add(key);
      retried++;
    }
    return retried;
  }

  /** The key succeeded: its next failure starts from the base delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to work on; undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.next();
    if (key !== undefined) {
      this.take(key);
      this.metrics.depth(this.waiting.size);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.takers.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) this.metrics.worked((this.now() - started) / 1000);
    this.startedAt.delete(key);
    const priority = this.dirtyWhileProcessing.get(key);
    if (priority !== undefined) {
      this.dirtyWhileProcessing.delete(key);
      this.add(key, priority);
    }
  }

  /** How many keys wait. */
  get length(): number {
    return this.waiting.size;
  }

  /** True when nothing waits, runs or is scheduled to come back. */
  get idle(): boolean {
    return this.waiting.size === 0 && this.processing.size === 0 && this.timers.size === 0;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  private enqueue(key: string, priority: number): void {
    const entry = { key, priority };
    this.waiting.set(key, entry);
    let fifo = this.queues.get(priority);
    if (!fifo) {
      fifo = [];
      this.queues.set(priority, fifo);
      this.priorities = [...this.queues.keys()].sort((a, b) => b - a);
    }
    fifo.push(entry);
  }

  /** The first live key of the highest priority; stale entries (keys that moved up) are dropped. */
  private next(): string | undefined {
    for (const priority of this.priorities) {
      const fifo = this.queues.get(priority) as Entry[];
      for (let entry = fifo.shift(); entry; entry = fifo.shift()) {
        if (this.waiting.get(entry.key) === entry) return entry.key;
      }
    }
    return undefined;
  }

  private take(key: string): string {
    this.waiting.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    if (added !== undefined) this.metrics.waited((this.now() - added) / 1000);
    this.addedAt.delete(key);
    this.startedAt.set(key, this.now());
    return key;
  }
}
