import { describe, expect, it } from "vitest";
import { defaultEventLimits, EventCorrelator } from "./event-limits.ts";

const event = (object: string, message = "placed on mainpc", reason = "Placed") => ({
  object,
  type: "Normal",
  reason,
  message,
});

describe("EventCorrelator", () => {
  it("sends an event once per dedup window", () => {
    const c = new EventCorrelator();
    expect(c.decide(event("a"), 0)).toEqual({ send: true, message: "placed on mainpc" });
    expect(c.decide(event("a"), 60_000)).toEqual({ send: false, why: "duplicate" });
    expect(c.decide(event("a"), defaultEventLimits.dedupWindowMs + 1).send).toBe(true);
  });

  it("folds similar events of one object beyond ten into one combined event per window, as client-go does", () => {
    const c = new EventCorrelator();
    const sent = Array.from({ length: 30 }, (_, i) => c.decide(event("a", `moved to node-${i}`), i * 1000));
    const messages = sent.flatMap((d) => (d.send ? [d.message] : []));
    expect(messages).toHaveLength(11);
    expect(messages[10]).toBe("(combined from similar events): moved to node-10");
    expect(sent.slice(11).every((d) => !d.send && d.why === "aggregated")).toBe(true);
  });

  it("limits one object to a burst of 25, then one event per 5 minutes", () => {
    const c = new EventCorrelator({ ...defaultEventLimits, aggregateAfter: 1000 });
    const reasons = (n: number, at: number) =>
      Array.from({ length: n }, (_, i) => c.decide(event("a", "m", `R${at}-${i}`), at));
    expect(reasons(30, 0).filter((d) => d.send)).toHaveLength(25);
    expect(reasons(2, 60_000).filter((d) => d.send)).toHaveLength(0);
    expect(reasons(2, 5 * 60_000 + 1).filter((d) => d.send)).toHaveLength(1);
  });

  it("bounds a fleet-wide storm: a PC down with 200 agents costs the burst, then 2 a second", () => {
    const c = new EventCorrelator();
    const storm = Array.from({ length: 200 }, (_, i) => c.decide(event(`agent-${i}`, "mainpc is down", "NodeLost"), 0));
    expect(storm.filter((d) => d.send)).toHaveLength(defaultEventLimits.globalBurst);
    expect(storm.filter((d) => !d.send).every((d) => !d.send && d.why === "fleet-rate")).toBe(true);
    // Ten seconds later the bucket has refilled by twenty.
    const later = Array.from({ length: 50 }, (_, i) => c.decide(event(`late-${i}`, "x", "NodeLost"), 10_000));
    expect(later.filter((d) => d.send)).toHaveLength(20);
  });

  it("forgets what no longer limits anything", () => {
    const c = new EventCorrelator();
    for (let i = 0; i < 5000; i++) c.decide(event(`agent-${i}`), i);
    const late = 2 * defaultEventLimits.dedupWindowMs;
    for (let i = 0; i < 1000; i++) c.decide(event(`other-${i}`), late + i);
    const sizes = c as unknown as { seen: Map<string, number>; buckets: Map<string, unknown> };
    expect(sizes.seen.size).toBeLessThan(1100);
    expect(sizes.buckets.size).toBeLessThan(1100);
  });
});
