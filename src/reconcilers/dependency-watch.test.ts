import { describe, expect, it } from "vitest";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { agent } from "../testing/fixtures.ts";
import { MemoryCache } from "../testing/memory-cache.ts";
import { dependencyGraphChange } from "./dependency-watch.ts";
import { dependsOnIndex } from "./fleet-caches.ts";

/** A namespace of agents whose changes reach the watch's map as the controller binds it: on the cache's events. */
function namespace() {
  const cache = new MemoryCache<AgentDeployment>([], dependsOnIndex);
  const map = dependencyGraphChange(cache);
  let keys: string[] = [];
  cache.onChange((obj, event) => {
    keys = map(obj, event).sort();
  });
  return {
    put(a: AgentDeployment) {
      cache.put(a);
      return keys;
    },
    remove(name: string) {
      cache.remove(name, "agents");
      return keys;
    },
  };
}

const readyNow = (a: AgentDeployment): AgentDeployment => ({
  ...a,
  status: { conditions: [{ type: "Ready", status: "True", reason: "Available", message: "", lastTransitionTime: "" }] },
});

describe("dependencyGraphChange", () => {
  it("wakes every agent that reaches a new agent (its existence shapes their graph), and only direct dependents when it turns Ready", () => {
    const ns = namespace();
    ns.put(agent("a", { dependencies: ["b"] }));
    ns.put(agent("b", { dependencies: ["c"] }));
    const c = agent("c", {});
    expect(ns.put(c)).toEqual(["agents/a", "agents/b"]);
    expect(ns.put({ ...c, status: { conditions: [] } })).toEqual([]); // nothing others read changed
    // a reads nothing of c: b's own status change wakes a if b's readiness changes.
    expect(ns.put(readyNow(c))).toEqual(["agents/b"]);
    expect(ns.put({ ...c, spec: { ...c.spec, ports: [{ name: "http", port: 8080, protocol: "TCP" }] } })).toEqual([
      "agents/b",
    ]);
  });

  it("wakes direct dependents when what stops an agent changes, not for its progress", () => {
    const ns = namespace();
    ns.put(agent("a", { dependencies: ["b"] }));
    const b = agent("b", {});
    ns.put(b);
    const notReady = (reason: string): AgentDeployment => ({
      ...b,
      status: { conditions: [{ type: "Ready", status: "False", reason, message: "", lastTransitionTime: "" }] },
    });
    expect(ns.put(notReady("Creating"))).toEqual([]);
    expect(ns.put(notReady("Starting"))).toEqual([]);
    expect(ns.put(notReady("Unschedulable"))).toEqual([]); // the scheduler's, passing at a rollout
    expect(ns.put(notReady("CrashLoopBackOff"))).toEqual(["agents/a"]);
    expect(ns.put(notReady("InsufficientVRAM"))).toEqual(["agents/a"]);
    expect(ns.put(notReady("Starting"))).toEqual(["agents/a"]);
  });

  it("wakes every agent that reaches an agent whose dependencies close a cycle", () => {
    const ns = namespace();
    ns.put(agent("a", { dependencies: ["b"] }));
    ns.put(agent("b", { dependencies: ["c"] }));
    ns.put(agent("c", {}));
    ns.put(agent("x", { dependencies: ["a"] }));
    expect(
      ns.put({ ...agent("c", { dependencies: ["a"] }), metadata: { name: "c", namespace: "agents", generation: 2 } }),
    ).toEqual(["agents/a", "agents/b", "agents/x"]);
  });

  it("tells the agents an agent stops depending on, and those it starts depending on (their policies name it)", () => {
    const ns = namespace();
    ns.put(agent("hub", {}));
    ns.put(agent("redis", {}));
    expect(ns.put(agent("stt", { dependencies: ["hub"] }))).toEqual(["agents/hub"]);
    expect(
      ns.put({
        ...agent("stt", { dependencies: ["redis"] }),
        metadata: { name: "stt", namespace: "agents", generation: 2 },
      }),
    ).toEqual(["agents/hub", "agents/redis"]);
    expect(ns.remove("stt")).toEqual(["agents/redis"]);
  });
});
