import { describe, expect, it } from "vitest";
import type { Condition } from "../src/api/common.ts";
import type { KubeObject } from "../src/controller/objects.ts";
import { statusChangeKinds, statusChanges } from "./status-changes.ts";

const c = (type: string, status: Condition["status"], reason: string, message = reason): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-12-07T10:00:00Z",
});

describe("statusChangeKinds", () => {
  it("names the first status, each condition whose status or reason changed, or only the words", () => {
    const waiting = [c("Ready", "False", "WaitingForDependencies", "waiting for a, b"), c("Placed", "True", "Placed")];
    expect(statusChangeKinds(undefined, waiting)).toEqual(["first"]);
    expect(
      statusChangeKinds(waiting, [{ ...(waiting[0] as Condition), message: "waiting for b" }, waiting[1] as Condition]),
    ).toEqual(["words"]);
    expect(statusChangeKinds(waiting, [c("Ready", "True", "Available"), c("Placed", "True", "Placed")])).toEqual([
      "Ready",
    ]);
    expect(statusChangeKinds(waiting, [waiting[0] as Condition])).toEqual(["Placed"]);
    expect(statusChangeKinds(waiting, waiting)).toEqual(["other"]);
  });
});

describe("statusChanges", () => {
  const version = (ns: string, conditions?: Condition[], observedGeneration = 1) =>
    ({
      apiVersion: "agentfleet.io/v1alpha1",
      kind: "AgentDeployment",
      metadata: { name: "a", namespace: ns },
      ...(conditions ? { status: { observedGeneration, conditions } } : {}),
    }) as KubeObject;

  it("counts each status write once per namespace, and a relist of the same status not at all", () => {
    const changes = statusChanges();
    const ready = [c("Ready", "True", "Available")];
    for (const v of [
      version("x"),
      version("x", [c("Ready", "False", "Starting")]),
      version("x", ready),
      version("x", ready),
    ])
      changes.observe(v);
    changes.observe(version("y", ready));
    expect(changes.tally(["x"])).toEqual({
      writes: 2,
      byKind: new Map([
        ["first", 1],
        ["Ready", 1],
      ]),
    });
    expect(changes.tally(["x", "y"]).writes).toBe(3);
  });
});
