import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../observability/logger.ts";
import { MemoryCache } from "../testing/memory-cache.ts";
import { Controller, caughtUpMessage, type ReconcileResult } from "./controller.ts";
import { type ManagerMetrics, noMetrics, type ReconcileOutcome } from "./metrics.ts";
import type { KubeObject } from "./objects.ts";

const obj = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Thing", metadata: { name, namespace: "ns" } });

function run(answers: (ReconcileResult | Error | undefined)[]) {
  const outcomes: ReconcileOutcome[] = [];
  const metrics: ManagerMetrics = { ...noMetrics, reconciled: (_c, outcome) => outcomes.push(outcome) };
  const calls: number[] = [];
  const done = new Promise<void>((resolve) => {
    const cache = new MemoryCache<KubeObject>([obj("a")]);
    const controller = new Controller({
      name: "test",
      primary: cache,
      logger: silentLogger(),
      metrics,
      workers: 1,
      reconcile: async () => {
        calls.push(performance.now());
        const answer = answers.shift();
        if (answers.length === 0) {
          setTimeout(() => void controller.stop().then(resolve), 0);
        }
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    controller.bind();
    controller.start();
  });
  return { done, outcomes, calls };
}

describe("Controller", () => {
  it("retries a key that asks for backoff (the queue's per-key backoff), and counts no error", async () => {
    const { done, outcomes, calls } = run([{ backoff: true }, { backoff: true }, { backoff: true }, undefined]);
    await done;
    expect(calls).toHaveLength(4);
    expect(outcomes).toEqual(["requeue_after", "requeue_after", "requeue_after", "success"]);
  });

  it("retries a failed reconcile and counts the error", async () => {
    const { done, outcomes } = run([new Error("boom"), undefined]);
    await done;
    expect(outcomes).toEqual(["error", "success"]);
  });

  it("reconciles an object changed after the start before the start's pass over every object", async () => {
    const cache = new MemoryCache<KubeObject>(Array.from({ length: 50 }, (_, i) => obj(`a${i}`)));
    const children = new MemoryCache<KubeObject>();
    const reconciled: string[] = [];
    const controller = new Controller({
      name: "test",
      primary: cache,
      watches: [{ informer: children, map: (child) => [`ns/${child.metadata.name.replace("child-", "")}`] }],
      logger: silentLogger(),
      workers: 1,
      reconcile: async (key) => {
        reconciled.push(key);
        return undefined;
      },
    });
    controller.bind();
    controller.start();
    // While the first key is being worked on, a child's event wakes one agent, a new agent arrives and
    // a person edits another: what the person did first, in the order it came, then the woken one.
    children.put(obj("child-a30"));
    cache.put(obj("new"));
    cache.put({ ...obj("a40"), metadata: { ...obj("a40").metadata, generation: 2 } });
    while (reconciled.length < 51) await new Promise((r) => setTimeout(r, 1));
    await controller.stop();
    expect(reconciled.slice(0, 4)).toEqual(["ns/a0", "ns/new", "ns/a40", "ns/a30"]);
    expect(new Set(reconciled).size).toBe(51);
  });

  /** A controller whose single worker is busy while `names` are created, in that order, with these needs. */
  async function orderOfCreation(names: string[], needs: Record<string, string[]>) {
    const cache = new MemoryCache<KubeObject>([obj("busy")]);
    const neededBy = (key: string) => Object.keys(needs).filter((k) => needs[k]?.includes(key));
    const reconciled: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const controller = new Controller({
      name: "test",
      primary: cache,
      order: { needs: (key) => needs[key] ?? [], neededBy },
      logger: silentLogger(),
      workers: 1,
      reconcile: async (key) => {
        reconciled.push(key);
        if (key === "ns/busy") await held;
        return undefined;
      },
    });
    controller.bind();
    controller.start();
    for (const name of names) cache.put(obj(name));
    release();
    while (reconciled.length < names.length + 1) await new Promise((r) => setTimeout(r, 1));
    await controller.stop();
    return reconciled.slice(1);
  }

  it("reconciles what a new object needs ahead of it, whichever was created first, and so on down", async () => {
    // Applied in their files' order, as kubectl apply -f does: dependents before what they need.
    const needs = { "ns/app": ["ns/db", "ns/cache"], "ns/db": ["ns/disk"] };
    expect(await orderOfCreation(["app", "cache", "db", "disk", "other"], needs)).toEqual([
      ...["ns/disk", "ns/cache", "ns/db", "ns/app", "ns/other"],
    ]);
    expect(await orderOfCreation(["disk", "db", "cache", "app", "other"], needs)).toEqual([
      ...["ns/disk", "ns/db", "ns/cache", "ns/app", "ns/other"],
    ]);
  });

  it("reconciles every object of a cycle of needs once", async () => {
    const cycle = { "ns/x": ["ns/y"], "ns/y": ["ns/z"], "ns/z": ["ns/x"] };
    expect((await orderOfCreation(["x", "y", "z"], cycle)).sort()).toEqual(["ns/x", "ns/y", "ns/z"]);
  });

  it("lets I/O in between keys when reconciles never wait (a start with nothing to write)", async () => {
    const keys = 2000;
    const cache = new MemoryCache<KubeObject>(Array.from({ length: keys }, (_, i) => obj(`a${i}`)));
    let reconciled = 0;
    let reconciledWhenTimerRan: number | undefined;
    const controller = new Controller({
      name: "test",
      primary: cache,
      logger: silentLogger(),
      workers: 4,
      reconcile: async () => {
        reconciled++;
        return undefined;
      },
    });
    controller.bind();
    controller.start();
    // A timer stands for a probe or a watch's data: it must run long before the queue is empty.
    setTimeout(() => {
      reconciledWhenTimerRan = reconciled;
    }, 0);
    while (reconciled < keys) await new Promise((r) => setTimeout(r, 5));
    await controller.stop();
    expect(reconciledWhenTimerRan).toBeDefined();
    expect(reconciledWhenTimerRan).toBeLessThan(keys / 2);
  });

  it("says once, when the start's pass has reconciled every object, how many and how long it took", async () => {
    const lines: { msg: string; reconciled?: number; seconds?: number }[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const cache = new MemoryCache<KubeObject>(Array.from({ length: 30 }, (_, i) => obj(`a${i}`)));
    let reconciled = 0;
    const controller = new Controller({
      name: "test",
      primary: cache,
      logger,
      workers: 3,
      reconcile: async () => {
        reconciled++;
        await new Promise((r) => setTimeout(r, 1));
        return undefined;
      },
    });
    controller.bind();
    controller.start();
    const caughtUp = () => lines.filter((l) => l.msg === caughtUpMessage);
    while (caughtUp().length === 0) await new Promise((r) => setTimeout(r, 2));
    expect(reconciled).toBe(30);
    expect(caughtUp()[0]?.reconciled).toBe(30);
    expect(caughtUp()[0]?.seconds).toBeGreaterThan(0);
    // A later change empties the queue again, but the start is over: said once only.
    cache.put({ ...obj("a3"), metadata: { ...obj("a3").metadata, generation: 2 } });
    while (reconciled < 31) await new Promise((r) => setTimeout(r, 2));
    await controller.stop();
    expect(caughtUp()).toHaveLength(1);
  });
});
