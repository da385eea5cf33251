// Progress waits at most a second to be written with the next change; what a person acts on never waits.
import { describe, expect, it } from "vitest";
import type { Condition } from "../api/common.ts";
import {
  isProgressOnly,
  ledgerWindowMs,
  ledgerWriteDelay,
  progressWindowMs,
  statusWriteDelay,
} from "./status-coalescing.ts";

const c = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
  lastTransitionTime: "2026-11-30T10:00:00Z",
});
const placed = c("Placed", "True", "Placed");
const healthy = c("Degraded", "False", "AsExpected");

describe("isProgressOnly", () => {
  it("is true while a new agent is created and started, and nothing is wrong", () => {
    expect(isProgressOnly(undefined, [c("Ready", "False", "Creating"), placed, healthy])).toBe(true);
    expect(
      isProgressOnly(
        [c("Ready", "False", "Creating"), placed, healthy],
        [c("Ready", "False", "Starting"), placed, healthy],
      ),
    ).toBe(true);
  });

  it("is false for readiness, a warning, an agent that was Ready, or one that waits", () => {
    const starting = [c("Ready", "False", "Starting"), placed, healthy];
    expect(isProgressOnly(starting, [c("Ready", "True", "Available"), placed, healthy])).toBe(false);
    expect(isProgressOnly(starting, [c("Ready", "False", "CrashLoopBackOff"), placed, healthy])).toBe(false);
    expect(
      isProgressOnly(starting, [c("Ready", "False", "Starting"), placed, c("Degraded", "True", "ImagePullBackOff")]),
    ).toBe(false);
    // A Ready agent that starts a new version says so at once: a person may be watching the rollout.
    expect(isProgressOnly([c("Ready", "True", "Available"), placed, healthy], starting)).toBe(false);
    // Waiting for room or for dependencies is not progress of a start.
    expect(isProgressOnly(undefined, [c("Ready", "False", "InsufficientVRAM"), c("Placed", "False", "X")])).toBe(false);
    expect(isProgressOnly(undefined, [c("Ready", "False", "WaitingForDependencies"), placed])).toBe(false);
  });
});

describe("statusWriteDelay", () => {
  it("lets progress wait only what is left of a second since it was first seen, and nothing else wait at all", () => {
    expect(statusWriteDelay(true, 10_000, 10_000)).toBe(progressWindowMs);
    expect(statusWriteDelay(true, 10_000, 10_400)).toBe(600);
    expect(statusWriteDelay(true, 10_000, 11_000)).toBe(0);
    expect(statusWriteDelay(true, 10_000, 15_000)).toBe(0);
    expect(statusWriteDelay(false, 10_000, 10_000)).toBe(0);
    expect(progressWindowMs).toBeLessThanOrEqual(1000);
  });
});

describe("ledgerWriteDelay", () => {
  const ready = c("Ready", "True", "NodesReady");
  const stack = c("RuntimeReady", "True", "RuntimeClassFound");

  it("lets a change of the ledger's figures alone wait up to five seconds after the last write", () => {
    expect(ledgerWriteDelay([ready, stack], [ready, stack], 10_000, 11_000)).toBe(ledgerWindowMs - 1000);
    expect(ledgerWriteDelay([ready, stack], [ready, stack], 10_000, 10_000 + ledgerWindowMs)).toBe(0);
  });

  it("never holds a change of a condition, nor the first write of this process", () => {
    const noNode = c("Ready", "False", "NoReadyNode");
    expect(ledgerWriteDelay([ready, stack], [noNode, stack], 10_000, 10_001)).toBe(0);
    expect(ledgerWriteDelay([ready], [ready, stack], 10_000, 10_001)).toBe(0);
    expect(ledgerWriteDelay([ready, stack], [{ ...ready, message: "1 of 2 nodes Ready" }, stack], 10_000, 10_001)).toBe(
      0,
    );
    expect(ledgerWriteDelay([ready, stack], [ready, stack], undefined, 10_001)).toBe(0);
  });
});
