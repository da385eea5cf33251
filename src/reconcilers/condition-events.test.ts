import { describe, expect, it } from "vitest";
import type { Condition } from "../api/common.ts";
import { conditionEvents, isWarning } from "./condition-events.ts";

const at = "2026-11-25T10:00:00Z";
const c = (type: string, status: Condition["status"], reason: string, message = `${type} ${reason}`): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
});

const creating = [
  c("Ready", "False", "Creating"),
  c("Placed", "True", "Placed", "runs on rtx-4090 (2048 MiB VRAM) on node mainpc"),
  c("Progressing", "True", "RollingOut"),
  c("Degraded", "False", "AsExpected"),
  c("DependenciesReady", "True", "AllReady"),
  c("DisruptionProtected", "True", "FallbackAvailable"),
  c("FallbackActive", "False", "OnOwnClass"),
];
const replace = (conditions: Condition[], next: Condition) => conditions.map((x) => (x.type === next.type ? next : x));

describe("conditionEvents", () => {
  it("is silent for a new agent: where it runs is in its status, and nothing asks a person to act", () => {
    expect(conditionEvents(undefined, creating)).toEqual([]);
  });

  it("is silent while an agent waits for its dependencies, and warns of a cycle or an optional dependency", () => {
    const held = replace(
      replace(creating, c("Ready", "False", "WaitingForDependencies")),
      c("DependenciesReady", "False", "DependenciesNotReady"),
    );
    expect(conditionEvents(creating, held)).toEqual([]);
    const cycle = replace(creating, c("DependenciesReady", "False", "DependencyCycle", "a → b → a: …"));
    expect(conditionEvents(creating, cycle)).toEqual([
      { type: "Warning", reason: "DependencyCycle", action: "DependenciesReady", message: "a → b → a: …" },
    ]);
    expect(isWarning(c("DependenciesRequired", "False", "OptionalDependency"))).toBe(true);
  });

  it("is silent through progress and a first readiness, and says when an agent is Ready again after a problem", () => {
    const starting = replace(creating, c("Ready", "False", "Starting"));
    expect(conditionEvents(creating, starting)).toEqual([]);
    const available = replace(
      replace(starting, c("Ready", "True", "Available", "1/1 pods Ready on mainpc")),
      c("Progressing", "False", "RolloutComplete"),
    );
    expect(conditionEvents(starting, available)).toEqual([]);
    expect(conditionEvents(available, available)).toEqual([]);
    const crashing = replace(available, c("Ready", "False", "CrashLoopBackOff", "the container keeps exiting"));
    expect(conditionEvents(available, crashing)).toEqual([
      { type: "Warning", reason: "CrashLoopBackOff", action: "Ready", message: "the container keeps exiting" },
    ]);
    expect(conditionEvents(crashing, available)).toEqual([
      { type: "Normal", reason: "Available", action: "Ready", message: "1/1 pods Ready on mainpc" },
    ]);
  });

  it("warns of what asks a person to act, and says when it came right", () => {
    const missing = replace(
      creating,
      c("DependenciesReady", "False", "MissingDependency", "memory-hub does not exist"),
    );
    expect(conditionEvents(creating, missing)).toEqual([
      {
        type: "Warning",
        reason: "MissingDependency",
        action: "DependenciesReady",
        message: "memory-hub does not exist",
      },
    ]);
    expect(conditionEvents(missing, creating)).toEqual([
      { type: "Normal", reason: "AllReady", action: "DependenciesReady", message: "DependenciesReady AllReady" },
    ]);
  });

  it("warns when an agent waits for room from its first reconcile", () => {
    const waiting = [
      c("Ready", "False", "InsufficientVRAM"),
      c("Placed", "False", "InsufficientVRAM", "needs 9000 MiB"),
    ];
    expect(conditionEvents(undefined, waiting).map((e) => [e.type, e.action])).toEqual([
      ["Warning", "Ready"],
      ["Warning", "Placed"],
    ]);
  });

  it("tells of a move to another node under the same reason", () => {
    const moved = replace(creating, c("Placed", "True", "Placed", "runs on rtx-4090 (2048 MiB VRAM) on node spare"));
    expect(conditionEvents(creating, moved)).toEqual([
      { type: "Normal", reason: "Placed", action: "Placed", message: "runs on rtx-4090 (2048 MiB VRAM) on node spare" },
    ]);
  });

  it("is silent while dependencies start with the rest of the fleet", () => {
    const waiting = replace(
      creating,
      c("DependenciesReady", "False", "DependenciesNotReady", "memory-hub is starting"),
    );
    expect(conditionEvents(creating, waiting)).toEqual([]);
    expect(conditionEvents(waiting, creating)).toEqual([]);
  });

  it("warns of a fallback and of a drain that would stop the only pod", () => {
    expect(isWarning({ type: "FallbackActive", status: "True", reason: "OwnClassUnavailable" })).toBe(true);
    expect(isWarning({ type: "DisruptionProtected", status: "False", reason: "NoFallback" })).toBe(true);
    expect(isWarning({ type: "DisruptionProtected", status: "False", reason: "NotRequired" })).toBe(false);
    expect(isWarning({ type: "Ready", status: "False", reason: "Starting" })).toBe(false);
    expect(isWarning({ type: "Ready", status: "False", reason: "CrashLoopBackOff" })).toBe(true);
  });
});
