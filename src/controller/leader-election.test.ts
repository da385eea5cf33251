import { describe, expect, it } from "vitest";
import { decideLease, type Lease, mustStepDown, type ObservedLease } from "./leader-election.ts";

const config = { namespace: "agentfleet-system", name: "agentfleet", identity: "b", leaseDurationMs: 15_000 };

const lease = (holder: string, renewTime: string, transitions = 3): Lease => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "agentfleet", namespace: "agentfleet-system", resourceVersion: "7" },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime, leaseTransitions: transitions },
});

describe("decideLease", () => {
  it("creates the lease when there is none, held by this replica", () => {
    const { decision } = decideLease(undefined, undefined, config, 1_000);
    expect(decision).toMatchObject({ action: "create", lease: { spec: { holderIdentity: "b", leaseTransitions: 0 } } });
  });

  it("waits while another replica's lease is fresh, by this replica's own clock", () => {
    const first = decideLease(lease("a", "t1"), undefined, config, 100_000);
    expect(first.decision).toEqual({ action: "wait", holder: "a" });
    // The holder's renewTime says nothing of this clock: 14.9 s after first seeing it, still wait.
    const later = decideLease(lease("a", "t1"), first.observed, config, 114_900);
    expect(later.decision.action).toBe("wait");
  });

  it("takes over a lease not renewed for its duration, counting the transition", () => {
    const seen: ObservedLease = { holder: "a", renewTime: "t1", at: 100_000 };
    const { decision } = decideLease(lease("a", "t1"), seen, config, 115_000);
    expect(decision).toMatchObject({
      action: "update",
      takeover: true,
      lease: { metadata: { resourceVersion: "7" }, spec: { holderIdentity: "b", leaseTransitions: 4 } },
    });
  });

  it("starts the clock again whenever the holder renews", () => {
    const seen: ObservedLease = { holder: "a", renewTime: "t1", at: 100_000 };
    const renewed = decideLease(lease("a", "t2"), seen, config, 114_000);
    expect(renewed.decision.action).toBe("wait");
    expect(renewed.observed).toEqual({ holder: "a", renewTime: "t2", at: 114_000 });
    expect(decideLease(lease("a", "t2"), renewed.observed, config, 128_000).decision.action).toBe("wait");
  });

  it("takes a released lease (no holder) at once", () => {
    expect(decideLease(lease("", "t1"), undefined, config, 1).decision).toMatchObject({
      action: "update",
      takeover: true,
    });
  });

  it("renews its own lease without counting a transition", () => {
    const { decision } = decideLease(lease("b", "t1"), undefined, config, 5_000);
    expect(decision).toMatchObject({ action: "update", takeover: false, lease: { spec: { leaseTransitions: 3 } } });
  });
});

describe("mustStepDown", () => {
  const base = { identity: "b", observedHolder: "b", lastRenewAt: 100_000, renewDeadlineMs: 10_000 };
  it("keeps leading while renewals succeed within the deadline", () => {
    expect(mustStepDown({ ...base, now: 109_999 })).toBe(false);
  });
  it("steps down when it could not renew within the renew deadline", () => {
    expect(mustStepDown({ ...base, now: 110_000 })).toBe(true);
  });
  it("steps down at once when another replica holds the lease", () => {
    expect(mustStepDown({ ...base, observedHolder: "a", now: 100_001 })).toBe(true);
  });
});
