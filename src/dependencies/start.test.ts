import { describe, expect, it } from "vitest";
import { decideStart, type StartInput } from "./start.ts";

const input = (over: Partial<StartInput>): StartInput => ({
  policy: "AfterDependencies",
  started: false,
  dependencies: new Map(),
  cycleMembers: new Set(),
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
