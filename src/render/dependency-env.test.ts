import { describe, expect, it } from "vitest";
import { dependencyEnv } from "./dependency-env.ts";

describe("dependencyEnv", () => {
  it("gives each dependency's Service name and ports under stable, documented names", () => {
    const env = dependencyEnv(
      [
        {
          name: "system-digital-twin",
          ports: [
            { name: "zmq", port: 7120 },
            { name: "health", port: 8120 },
          ],
        },
        { name: "memory-hub", ports: [] },
      ],
      new Set(),
    );
    expect(env).toEqual([
      { name: "AGENTFLEET_DEP_MEMORY_HUB_HOST", value: "memory-hub" },
      { name: "AGENTFLEET_DEP_SYSTEM_DIGITAL_TWIN_HOST", value: "system-digital-twin" },
      { name: "AGENTFLEET_DEP_SYSTEM_DIGITAL_TWIN_PORT", value: "7120" },
      { name: "AGENTFLEET_DEP_SYSTEM_DIGITAL_TWIN_PORT_ZMQ", value: "7120" },
      { name: "AGENTFLEET_DEP_SYSTEM_DIGITAL_TWIN_PORT_HEALTH", value: "8120" },
    ]);
  });

  it("leaves out a variable the agent sets itself", () => {
    const env = dependencyEnv(
      [{ name: "redis", ports: [{ name: "tcp", port: 6379 }] }],
      new Set(["AGENTFLEET_DEP_REDIS_HOST"]),
    );
    expect(env.map((e) => e.name)).toEqual(["AGENTFLEET_DEP_REDIS_PORT", "AGENTFLEET_DEP_REDIS_PORT_TCP"]);
  });
});
