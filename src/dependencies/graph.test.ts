import { describe, expect, it } from "vitest";
import { componentOf, cycleThrough, cyclicComponents, inCycle, startDepth } from "./graph.ts";

const graph = (edges: Record<string, string[]>) => {
  const map = new Map(Object.entries(edges));
  return { map, of: (n: string) => map.get(n) ?? [] };
};

describe("componentOf and cycleThrough", () => {
  it("finds no cycle in a chain", () => {
    const g = graph({ a: ["b"], b: ["c"], c: [] });
    expect(componentOf("a", g.of)).toEqual(["a"]);
    expect(inCycle("a", ["a"], g.of)).toBe(false);
  });

  it("finds the members of a cycle, and one cycle through each in dependency order", () => {
    const g = graph({ a: ["b"], b: ["c"], c: ["a", "d"], d: [] });
    expect(componentOf("b", g.of)).toEqual(["b", "a", "c"]);
    expect(cycleThrough("a", componentOf("a", g.of), g.of)).toEqual(["a", "b", "c", "a"]);
    expect(cycleThrough("c", componentOf("c", g.of), g.of)).toEqual(["c", "a", "b", "c"]);
    expect(componentOf("d", g.of)).toEqual(["d"]);
  });

  it("takes the shortest way round when there are several", () => {
    const g = graph({ a: ["b", "c"], b: ["c"], c: ["a"] });
    expect(cycleThrough("a", componentOf("a", g.of), g.of)).toEqual(["a", "c", "a"]);
  });

  it("counts an agent that depends on itself as a cycle, and ignores dependencies that do not exist", () => {
    const g = graph({ a: ["a", "ghost"] });
    expect(inCycle("a", componentOf("a", g.of), g.of)).toBe(true);
    expect(cycleThrough("a", ["a"], g.of)).toEqual(["a", "a"]);
  });
});

describe("cyclicComponents", () => {
  it("lists every cycle of a graph once, and nothing of its acyclic part", () => {
    const g = graph({ a: ["b"], b: ["a"], c: ["d"], d: ["e"], e: ["c"], f: ["a"], g: ["g"] });
    expect(cyclicComponents([...g.map.keys()], g.map)).toEqual([["a", "b"], ["c", "d", "e"], ["g"]]);
  });
});

describe("startDepth", () => {
  it("counts the waves of a dependency-ordered start; a cycle starts together; a missing dependency adds nothing", () => {
    const edges = new Map([
      ["app", ["db", "cache"]],
      ["cache", ["db"]],
      ["a", ["b"]],
      ["b", ["a", "gone"]],
    ]);
    expect(startDepth(["app", "db", "cache"], edges)).toBe(3);
    expect(startDepth(["a", "b"], edges)).toBe(2);
    expect(startDepth(["solo"], edges)).toBe(1);
    expect(startDepth([], edges)).toBe(0);
  });
});
