import { describe, expect, it } from "vitest";
import type { KubeObject } from "./objects.ts";
import { OwnApplies, OwnStatusWrites } from "./own-writes.ts";

const agent = (resourceVersion: string, generation = 1, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name: "stt", namespace: "agents", resourceVersion, generation, labels },
});

describe("OwnStatusWrites", () => {
  it("skips the one update that echoes our status write, and nothing after it", () => {
    const writes = new OwnStatusWrites();
    writes.record(agent("10"), agent("11"));
    expect(writes.isEcho(agent("11"), "update")).toBe(true);
    // Someone else's later change, even to the status alone, starts a reconcile.
    expect(writes.isEcho(agent("12"), "update")).toBe(false);
  });

  it("lets the echo through when the write carried a change of spec or labels along", () => {
    const writes = new OwnStatusWrites();
    writes.record(agent("10", 1), agent("12", 2));
    expect(writes.isEcho(agent("12", 2), "update")).toBe(false);
    writes.record(agent("20"), agent("22", 1, { team: "speech" }));
    expect(writes.isEcho(agent("22", 1, { team: "speech" }), "update")).toBe(false);
  });

  it("never skips an add or a delete, and forgets a write whose echo a relist skipped past", () => {
    const writes = new OwnStatusWrites();
    writes.record(agent("10"), agent("11"));
    expect(writes.isEcho(agent("11"), "delete")).toBe(false);
    writes.record(agent("10"), agent("11"));
    expect(writes.isEcho(agent("15"), "update")).toBe(false);
    expect(writes.isEcho(agent("11"), "update")).toBe(false);
    writes.record(agent("10"), undefined);
    expect(writes.isEcho(agent("11"), "update")).toBe(false);
  });
});

describe("OwnApplies", () => {
  const service = (resourceVersion: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "stt", namespace: "agents", resourceVersion },
  });

  it("skips the add or update at the version our apply returned, by kind", () => {
    const applies = new OwnApplies();
    applies.record("Service", service("5"));
    expect(applies.isEcho("ConfigMap", service("5"), "add")).toBe(false); // another kind of the same name
    expect(applies.isEcho("Service", service("5"), "add")).toBe(true);
    applies.record("Service", service("9"));
    expect(applies.isEcho("Service", service("9"), "update")).toBe(true);
  });

  it("lets a hand edit and a deletion through", () => {
    const applies = new OwnApplies();
    applies.record("Service", service("5"));
    expect(applies.isEcho("Service", service("6"), "update")).toBe(false); // edited after our write
    applies.record("Service", service("7"));
    expect(applies.isEcho("Service", service("7"), "delete")).toBe(false);
  });
});
