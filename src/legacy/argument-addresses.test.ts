import { describe, expect, it } from "vitest";
import { argumentValues } from "./argument-addresses.ts";

describe("argumentValues", () => {
  it("names each value by its long flag, given apart or with =, and finds a host's port by the flag's stem", () => {
    const values = argumentValues([
      "serve",
      "--redis-host",
      "localhost",
      "--redis-port=6379",
      "--host=::",
      "--port",
      "80",
    ]);
    expect(values).toEqual([
      { prefix: "", value: "serve", hint: {} },
      { prefix: "", value: "--redis-host", hint: {} },
      { prefix: "", value: "localhost", hint: { name: "redis_host", siblingPort: 6379 } },
      { prefix: "--redis-port=", value: "6379", hint: { name: "redis_port" } },
      { prefix: "--host=", value: "::", hint: { name: "host", siblingPort: 80 } },
      { prefix: "", value: "--port", hint: {} },
      { prefix: "", value: "80", hint: { name: "port" } },
    ]);
  });

  it("reads no value for a flag followed by another flag, nor for a short flag", () => {
    expect(argumentValues(["--verbose", "--host", "-h", "localhost"]).map((v) => v.hint)).toEqual([{}, {}, {}, {}]);
  });
});
