import { describe, expect, it } from "vitest";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { decideStart } from "../dependencies/start.ts";
import { agent, dependenciesAmong } from "../testing/fixtures.ts";
import { dependenciesReady, dependenciesRequired, waitingFor } from "./dependency-conditions.ts";

const ready = (a: AgentDeployment): AgentDeployment => ({
  ...a,
  status: { conditions: [{ type: "Ready", status: "True", reason: "Available", message: "", lastTransitionTime: "" }] },
});

/** The DependenciesReady condition of `name` in a namespace of these agents, with `started` as its Deployment says. */
function conditionOf(name: string, fleet: AgentDeployment[], started = false, ageMs = Number.POSITIVE_INFINITY) {
  const self = fleet.find((a) => a.metadata.name === name) as AgentDeployment;
  const deps = dependenciesAmong(self, fleet);
  const start = decideStart({
    policy: self.spec.startPolicy,
    started,
    dependencies: deps.states,
    cycleMembers: deps.cycleMembers,
    ageMs,
  });
  return { condition: dependenciesReady(deps, start), start, deps };
}

describe("dependenciesReady", () => {
  it("says what a held agent waits for", () => {
    const fleet = [agent("a", { dependencies: ["b"] }), agent("b", { dependencies: ["c"] }), agent("c", {})];
    expect(conditionOf("a", fleet).condition).toEqual({
      type: "DependenciesReady",
      status: "False",
      reason: "DependenciesNotReady",
      message: "waiting for b to be Ready before it starts",
    });
  });

  it("names the dependencies held up, and why, not those on their way", () => {
    const notReady = (a: AgentDeployment, reason: string): AgentDeployment => ({
      ...a,
      status: { conditions: [{ type: "Ready", status: "False", reason, message: "", lastTransitionTime: "" }] },
    });
    const fleet = [
      agent("front", { dependencies: ["llm", "hub", "web", "stt", "tts"] }),
      notReady(agent("llm", {}), "InsufficientVRAM"),
      notReady(agent("hub", {}), "Starting"),
      notReady(agent("web", {}), "Unschedulable"),
      notReady(agent("stt", { dependencies: ["llm"] }), "WaitingForDependencies"),
      notReady(agent("tts", {}), "CrashLoopBackOff"),
    ];
    expect(conditionOf("front", fleet).condition.message).toBe(
      "waiting for llm, hub, web, stt, tts to be Ready before it starts; held up: llm (InsufficientVRAM), tts (CrashLoopBackOff)",
    );
    expect(conditionOf("front", fleet, true).condition.message).toBe(
      "llm, hub, web, stt, tts not Ready; it keeps running (an agent that has started is never stopped for a dependency); held up: llm (InsufficientVRAM), tts (CrashLoopBackOff)",
    );
  });

  it("says an agent stored before admission refused it depends on itself, and what to remove", () => {
    const { condition, start } = conditionOf("narcissus", [agent("narcissus", { dependencies: ["narcissus"] })]);
    expect(start.start).toBe(true);
    expect(condition).toMatchObject({
      status: "False",
      reason: "DependencyCycle",
      message:
        "narcissus depends on itself, so it starts without waiting for itself: remove its own name from spec.dependencies",
    });
  });

  it("says a dependency scaled to zero answers nothing, and does not hold the agent for it", () => {
    const fleet = [agent("a", { dependencies: ["b", "c"] }), ready(agent("b", { replicas: 0 })), ready(agent("c", {}))];
    const { condition, start } = conditionOf("a", fleet);
    expect(start.start).toBe(true);
    expect(condition).toEqual({
      type: "DependenciesReady",
      status: "False",
      reason: "DependencyScaledToZero",
      message:
        "b is scaled to zero: nothing answers at its address until it is scaled up (spec.replicas); this agent runs without it",
    });
    const both = [
      agent("a", { dependencies: ["b", "c"] }),
      ready(agent("b", { replicas: 0 })),
      ready(agent("c", { replicas: 0 })),
    ];
    expect(conditionOf("a", both).condition.message).toMatch(
      /^b, c are scaled to zero: nothing answers at their addresses/,
    );
    // A dependency on its way is said first: the agent waits for it.
    const starting = [agent("a", { dependencies: ["b", "c"] }), ready(agent("b", { replicas: 0 })), agent("c", {})];
    expect(conditionOf("a", starting).condition.reason).toBe("DependenciesNotReady");
  });

  it("says a started agent keeps running when a dependency is no longer Ready", () => {
    const fleet = [agent("a", { dependencies: ["b"] }), agent("b", {})];
    const { condition, start } = conditionOf("a", fleet, true);
    expect(start.start).toBe(true);
    expect(condition.message).toBe(
      "b not Ready; it keeps running (an agent that has started is never stopped for a dependency)",
    );
  });

  it("names the cycle in order, and lets its members start together", () => {
    const fleet = [agent("stt", { dependencies: ["tts"] }), agent("tts", { dependencies: ["stt"] })];
    const stt = conditionOf("stt", fleet);
    expect(stt.start.start).toBe(true);
    expect(stt.condition).toMatchObject({ status: "False", reason: "DependencyCycle" });
    expect(stt.condition.message).toMatch(/^stt → tts → stt: these agents depend on each other/);
    expect(conditionOf("tts", fleet).condition.message).toMatch(/^tts → stt → tts:/);
  });

  it("holds an agent for a dependency that does not exist, and says it starts once it does", () => {
    const { condition, start } = conditionOf("a", [agent("a", { dependencies: ["ghost"] })]);
    expect(start).toEqual({ start: false, missing: ["ghost"], notReady: [] });
    expect(condition).toMatchObject({
      reason: "MissingDependency",
      message: "no AgentDeployment named ghost in this namespace; it starts once they exist and are Ready",
    });
  });

  it("says an agent that starts Immediately waits for a missing dependency only a moment, in words that do not change", () => {
    const fleet = [agent("a", { dependencies: ["ghost"], startPolicy: "Immediately" })];
    const early = conditionOf("a", fleet, false, 1_000);
    const later = conditionOf("a", fleet, false, 9_000);
    expect(early.condition).toMatchObject({
      reason: "MissingDependency",
      message:
        "no AgentDeployment named ghost in this namespace; it starts once they exist, or without them at most 15 s after it was created",
    });
    // A status that counted the seconds down would be rewritten at every reconcile.
    expect(later.condition).toEqual(early.condition);
    expect(waitingFor(early.start as Extract<typeof early.start, { start: false }>)).toBe(
      "ghost to exist (at most 15 s after it was created)",
    );
    // Past the grace: it runs, and the condition still says what is missing.
    const late = conditionOf("a", fleet, false, 15_000);
    expect(late.start).toEqual({ start: true, because: "Immediately" });
    expect(late.condition.message).toBe("no AgentDeployment named ghost in this namespace");
  });

  it("is True when every dependency is Ready", () => {
    const fleet = [agent("a", { dependencies: ["b"] }), ready(agent("b", {}))];
    expect(conditionOf("a", fleet).condition).toMatchObject({ status: "True", reason: "AllReady" });
  });
});

describe("dependenciesRequired", () => {
  it("warns when a required agent depends on an optional one", () => {
    const fleet = [
      agent("a", { required: true, dependencies: ["b", "c"] }),
      agent("b", {}),
      agent("c", { required: true }),
    ];
    const self = fleet[0] as AgentDeployment;
    expect(dependenciesRequired(self, dependenciesAmong(self, fleet))).toEqual([
      {
        type: "DependenciesRequired",
        status: "False",
        reason: "OptionalDependency",
        message:
          "required, but depends on b, which is not: a drain or a lack of VRAM may stop it and leave this agent without it; make it required too",
      },
    ]);
  });

  it("says nothing of an optional agent, or of one without dependencies", () => {
    const fleet = [agent("a", { dependencies: ["b"] }), agent("b", {}), agent("c", { required: true })];
    for (const self of [fleet[0], fleet[2]] as AgentDeployment[]) {
      expect(dependenciesRequired(self, dependenciesAmong(self, fleet))).toEqual([]);
    }
  });
});
