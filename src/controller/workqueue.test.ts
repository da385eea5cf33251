import { describe, expect, it } from "vitest";
import { backoffDelay, Priority, WorkQueue } from "./workqueue.ts";

describe("WorkQueue", () => {
  it("hands out a key added twice only once", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
  });

  it("never gives a key to a second worker while the first works on it, and requeues it after", async () => {
    const q = new WorkQueue();
    q.add("a");
    const first = await q.get();
    q.add("a"); // changed while being processed
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => {
      second = k;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first as string);
    await Promise.resolve();
    expect(second).toBe("a");
  });

  it("wakes a waiting worker when a key arrives, and releases workers on shutdown", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add("x");
    expect(await waiting).toBe("x");
    const released = q.get();
    q.shutDown();
    expect(await released).toBeUndefined();
  });

  it("hands out higher priorities first, and first in first out within one", async () => {
    const q = new WorkQueue();
    q.add("resync-1", Priority.low);
    q.add("woken-1");
    q.add("edited", Priority.high);
    q.add("resync-2", Priority.low);
    q.add("woken-2", Priority.normal);
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) order.push(await q.get());
    expect(order).toEqual(["edited", "woken-1", "woken-2", "resync-1", "resync-2"]);
  });

  it("raises only a key that waits, never lowers one, and queues nothing new", async () => {
    const q = new WorkQueue();
    q.add("dependent", Priority.high);
    q.add("dependency", Priority.high);
    expect(q.raise("dependency", Priority.high + 1)).toBe(true);
    expect(q.raise("dependency", Priority.low)).toBe(false);
    expect(q.raise("absent", Priority.high + 1)).toBe(false);
    expect(q.length).toBe(2);
    expect([q.priorityOf("dependency"), q.priorityOf("dependent"), q.priorityOf("absent")]).toEqual([
      Priority.high + 1,
      Priority.high,
      undefined,
    ]);
    expect([await q.get(), await q.get()]).toEqual(["dependency", "dependent"]);
    expect(q.raise("dependency", Priority.high + 1)).toBe(false); // being worked on: left alone
  });

  it("moves a waiting key up when it is added again at a higher priority, and hands it out once", async () => {
    const q = new WorkQueue();
    q.add("a", Priority.low);
    q.add("b", Priority.low);
    q.add("c");
    q.add("b", Priority.high);
    q.add("a", Priority.low); // no change: already waiting at that priority
    expect(q.length).toBe(3);
    const handedOut = [await q.get(), await q.get(), await q.get()] as string[];
    expect(handedOut).toEqual(["b", "c", "a"]);
    for (const key of handedOut) q.done(key);
    expect(q.idle).toBe(true);
    // b's old entry among the low ones is stale: it must neither come out again nor keep b's old place.
    q.add("d", Priority.low);
    q.add("b", Priority.low);
    expect([await q.get(), await q.get()]).toEqual(["d", "b"]);
  });

  it("requeues a key changed while it was processed at the highest priority it was asked for", async () => {
    const q = new WorkQueue();
    q.add("a");
    const first = (await q.get()) as string;
    q.add("a", Priority.low);
    q.add("a", Priority.high);
    q.add("a", Priority.normal);
    q.add("other");
    q.done(first);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("other");
  });

  it("reports its depth as keys come and go, down to zero when the last is taken", async () => {
    const depths: number[] = [];
    const q = new WorkQueue({
      metrics: { depth: (n) => depths.push(n), added() {}, retried() {}, waited() {}, worked() {} },
    });
    q.add("a", Priority.low);
    q.add("b", Priority.high);
    q.add("a", Priority.high); // moves up: still two waiting
    await q.get();
    await q.get();
    expect(depths).toEqual([1, 2, 1, 0]);
  });

  it("backs off exponentially per key and resets on forget", () => {
    const q = new WorkQueue({ backoff: { baseMs: 5, maxMs: 1000 } });
    expect(q.addRateLimited("k")).toBe(5);
    expect(q.addRateLimited("k")).toBe(10);
    expect(q.addRateLimited("k")).toBe(20);
    expect(q.addRateLimited("other")).toBe(5);
    q.forget("k");
    expect(q.addRateLimited("k")).toBe(5);
    q.shutDown();
  });

  it("queues the keys backing off after failures at once, and keeps their count, not a requeue asked for", async () => {
    const q = new WorkQueue({ backoff: { baseMs: 60_000, maxMs: 600_000 } });
    q.addRateLimited("failed");
    q.addRateLimited("failed");
    q.addAfter("asked-to-come-back", 60_000);
    expect(q.retryBackedOffNow()).toBe(1);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("failed");
    q.done("failed");
    // The key that asked to come back still waits; the failed one backs off from its count if it fails again.
    expect(q.idle).toBe(false);
    expect(q.length).toBe(0);
    expect(q.addRateLimited("failed")).toBe(240_000);
    expect(q.retryBackedOffNow()).toBe(1);
    q.shutDown();
  });

  it("caps the backoff", () => {
    expect(backoffDelay(0)).toBe(5);
    expect(backoffDelay(100)).toBe(1_000_000);
  });

  it("is idle only when nothing waits, runs or is scheduled", async () => {
    const q = new WorkQueue();
    expect(q.idle).toBe(true);
    q.addAfter("later", 10_000);
    expect(q.idle).toBe(false);
    q.shutDown();
    expect(q.idle).toBe(true);
  });

  it("lets a sooner delay for a key replace a later one, and never the other way round", async () => {
    const q = new WorkQueue();
    q.addAfter("k", 60_000); // a long backoff after failures
    q.addAfter("k", 20); // then a reconcile asks for a short requeue
    q.addAfter("k", 30_000); // and a later one changes nothing
    expect(await Promise.race([q.get(), new Promise((r) => setTimeout(() => r("not yet"), 1_000))])).toBe("k");
    q.done("k");
    expect(q.idle).toBe(true);
    q.shutDown();
  });
});
