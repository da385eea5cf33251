// A work queue of keys, as client-go's: a key waits at most once (dedup); a key being processed is
// never handed to a second worker, and if it changes meanwhile it is queued again when the first
// worker is done; failures are retried with per-key exponential backoff.

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

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly waiting = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
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

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.metrics.added();
    this.waiting.add(key);
    this.addedAt.set(key, this.now());
    const taker = this.takers.shift();
    if (taker) this.handOut(key, taker);
    else {
      this.queue.push(key);
      this.metrics.depth(this.queue.length);
    }
  }

  /** Adds the key after a delay; an earlier pending delay for the key wins. */
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
    const key = this.queue.shift();
    if (key !== undefined) {
      this.metrics.depth(this.queue.length);
      return Promise.resolve(this.take(key));
    }
    return new Promise((resolve) => this.takers.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) this.metrics.worked((this.now() - started) / 1000);
    this.startedAt.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  get length(): number {
    return this.queue.length;
  }

  /** True when nothing waits, runs or is scheduled to come back. */
  get idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.timers.size === 0;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  private handOut(key: string, taker: (key: string | undefined) => void): void {
    taker(this.take(key));
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
