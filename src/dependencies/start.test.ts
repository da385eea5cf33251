import { describe, expect, it } from "vitest";
import { agentDeploymentSpecSchema } from "../api/agentdeployment.ts";
import { decideStart, holdsDeploymentAsWritten, missingDependencyGraceMs, type StartInput } from "./start.ts";

const input = (over: Partial<StartInput>): StartInput => ({
  policy: "AfterDependencies",
  started: false,
  dependencies: new Map(),
  cycleMembers: new Set(),
  ageMs: Number.POSITIVE_INFINITY,
  ...over,
});

describe("decideStart", () => {
  it("starts an agent with no dependencies", () => {
    expect(decideStart(input({}))).toEqual({ start: true, because: "DependenciesReady" });
  });

  it("holds an agent until every dependency exists and is Ready, naming what it waits for", () => {
    const dependencies = new Map([
      ["memory-hub", { ready: true }],
      ["model-ops", { ready: false }],
      ["ghost", undefined],
    ]);
    expect(decideStart(input({ dependencies }))).toEqual({ start: false, missing: ["ghost"], notReady: ["model-ops"] });
  });

  it("starts at once with startPolicy Immediately", () => {
    expect(decideStart(input({ policy: "Immediately", dependencies: new Map([["ghost", undefined]]) }))).toEqual({
      start: true,
      because: "Immediately",
    });
  });

  it("with startPolicy Immediately, waits a moment after its creation for a dependency that does not exist yet", () => {
    const dependencies = new Map([
      ["ghost", undefined],
      ["model-ops", { ready: false }],
    ]);
    expect(decideStart(input({ policy: "Immediately", dependencies, ageMs: 4_000 }))).toEqual({
      start: false,
      missing: ["ghost"],
      notReady: [],
      graceLeftMs: missingDependencyGraceMs - 4_000,
    });
    // Past the grace it starts without it; a dependency that exists but is not Ready never holds it.
    expect(decideStart(input({ policy: "Immediately", dependencies, ageMs: missingDependencyGraceMs }))).toEqual({
      start: true,
      because: "Immediately",
    });
    const onlyNotReady = new Map([["model-ops", { ready: false }]]);
    expect(decideStart(input({ policy: "Immediately", dependencies: onlyNotReady, ageMs: 0 }))).toEqual({
      start: true,
      because: "Immediately",
    });
    // Once started it is never held again: a dependency deleted and re-created restarts nothing.
    expect(decideStart(input({ policy: "Immediately", dependencies, ageMs: 0, started: true }))).toEqual({
      start: true,
      because: "Immediately",
    });
  });

  it("is the grace the CRD's description of startPolicy tells a user", () => {
    const described = agentDeploymentSpecSchema.shape.startPolicy.description ?? "";
    expect(described).toContain(`at most ${missingDependencyGraceMs / 1000} s after the agent's creation`);
  });

  it("never holds an agent that has started, whatever its dependencies do later", () => {
    const dependencies = new Map([["memory-hub", { ready: false }]]);
    expect(decideStart(input({ started: true, dependencies }))).toEqual({ start: true, because: "AlreadyStarted" });
  });

  it("starts the members of a cycle together, but still waits for what it needs outside the cycle", () => {
    const inCycle = new Set(["a", "b"]);
    expect(decideStart(input({ dependencies: new Map([["b", { ready: false }]]), cycleMembers: inCycle }))).toEqual({
      start: true,
      because: "DependenciesReady",
    });
    const alsoOutside = new Map([
      ["b", { ready: false }],
      ["redis", { ready: false }],
    ]);
    expect(decideStart(input({ dependencies: alsoOutside, cycleMembers: inCycle }))).toEqual({
      start: false,
      missing: [],
      notReady: ["redis"],
    });
  });
});

describe("holdsDeploymentAsWritten", () => {
  const held = decideStart(input({ dependencies: new Map([["memory-hub", { ready: false }]]) }));
  const starting = decideStart(input({ dependencies: new Map([["memory-hub", { ready: true }]]) }));

  it("leaves a waiting agent's zero-replica Deployment as it was, and writes it when the agent starts", () => {
    expect(holdsDeploymentAsWritten(held, 0)).toBe(true);
    expect(holdsDeploymentAsWritten(starting, 0)).toBe(false);
  });

  it("writes the Deployment a waiting agent does not have yet, and one that runs pods", () => {
    expect(holdsDeploymentAsWritten(held, undefined)).toBe(false);
    expect(holdsDeploymentAsWritten(held, 1)).toBe(false);
  });
});
