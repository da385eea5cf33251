import { describe, expect, it } from "vitest";
import { agentsNamed, counted, firstFew, inWords } from "./words.ts";

describe("counted", () => {
  it("says one thing in the singular and any other count in the plural", () => {
    expect(counted(1, "agent")).toBe("1 agent");
    expect(counted(0, "agent")).toBe("0 agents");
    expect(counted(2, "place")).toBe("2 places");
    expect(counted(1, "variable with a PC's address", "variables with a PC's address")).toBe(
      "1 variable with a PC's address",
    );
  });
});

describe("inWords", () => {
  it("joins a list as a sentence does", () => {
    expect(inWords([])).toBe("");
    expect(inWords(["a"])).toBe("a");
    expect(inWords(["a", "b"])).toBe("a and b");
    expect(inWords(["a", "b", "c"])).toBe("a, b and c");
  });
});

describe("agentsNamed", () => {
  it("names one agent alone, and more by their count and the first five", () => {
    expect(agentsNamed(["A"])).toBe("A");
    expect(agentsNamed(["A", "B"])).toBe("2 agents (A, B)");
    expect(agentsNamed(["A", "B", "C", "D", "E", "F"])).toBe("6 agents (A, B, C, D, E, …)");
    expect(firstFew(["a", "b", "c"], 2)).toBe("a, b, …");
  });
});
