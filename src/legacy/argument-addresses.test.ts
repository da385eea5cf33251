import { describe, expect, it } from "vitest";
import { argumentValues, isShellScript, scriptValues } from "./argument-addresses.ts";

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

describe("scripts a shell runs", () => {
  it("knows the script by the shell and its -c, however the shell is named or the flags are grouped", () => {
    expect(isShellScript(["sh", "-c", "run"], 2)).toBe(true);
    expect(isShellScript(["/bin/bash", "-ec", "run"], 2)).toBe(true);
    expect(isShellScript(["python", "-c", "run"], 2)).toBe(false);
    expect(isShellScript(["sh", "-x", "run.sh"], 2)).toBe(false);
    expect(isShellScript(["sh", "-c", "run", "arg0"], 3)).toBe(false);
  });

  it("reads a script's words as a command line, with where each is and its quotes", () => {
    const script = `serve --host "127.0.0.1" --port=80 && echo 'a b'|tee x`;
    const values = scriptValues(script);
    expect(values.map(({ prefix, value, hint, quote }) => [prefix, value, hint, quote])).toEqual([
      ["", "serve", {}, ""],
      ["", "--host", {}, ""],
      ["", "127.0.0.1", { name: "host", siblingPort: 80 }, '"'],
      ["--port=", "80", { name: "port" }, ""],
      ["", "echo", {}, ""],
      ["", "a b", {}, "'"],
      ["", "tee", {}, ""],
      ["", "x", {}, ""],
    ]);
    expect(values.map((v) => script.slice(v.start, v.end))).toEqual([
      ...["serve", "--host", '"127.0.0.1"', "--port=80", "echo", "'a b'", "tee", "x"],
    ]);
  });
});
