import { describe, expect, it } from "vitest";
import { changeFilter } from "./change-filter.ts";
import type { KubeObject } from "./objects.ts";

const node = (name: string, ready: boolean, heartbeat: string): KubeObject & { ready: boolean; heartbeat: string } => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  ready,
  heartbeat,
});

describe("changeFilter", () => {
  it("passes an update only when the part the consumer reads changed", () => {
    const readiness = changeFilter<ReturnType<typeof node>>((n) => String(n.ready));
    expect(readiness(node("mainpc", true, "10:00"), "add")).toBe(true);
    expect(readiness(node("mainpc", true, "10:01"), "update")).toBe(false);
    expect(readiness(node("pc2", true, "10:01"), "add")).toBe(true);
    expect(readiness(node("mainpc", false, "10:02"), "update")).toBe(true);
    expect(readiness(node("mainpc", false, "10:03"), "update")).toBe(false);
  });

  it("always passes a delete, and an object created again after it", () => {
    const readiness = changeFilter<ReturnType<typeof node>>((n) => String(n.ready));
    readiness(node("mainpc", true, "10:00"), "add");
    expect(readiness(node("mainpc", true, "10:00"), "delete")).toBe(true);
    expect(readiness(node("mainpc", true, "10:05"), "add")).toBe(true);
  });
});
