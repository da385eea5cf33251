import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultClasses, importLegacy } from "../src/legacy/import.ts";
import { agentSpecs, agentsWithoutManifest, unreachableAddresses } from "./lib/import-checks.ts";

describe("unreachableAddresses", () => {
  it("lists an address by an agent's name on a port its Service lacks, and an '_' host, not the rest", () => {
    const { files } = importLegacy(
      [
        {
          path: "mainpc-docker-compose.yml",
          text: `services:
  hub: {image: cascade/hub:1, expose: ["7140"]}
  caller:
    image: cascade/caller:1
    environment:
      GOOD: http://hub:7140/api
      WRONG_PORT: http://hub:9999
      ELSEWHERE: redis://redis_language:6379
      NOT_AN_ADDRESS: max_split_size_mb:128
      EXTERNAL: https://api.example.com:443
`,
        },
      ],
      { namespace: "agents", classes: defaultClasses },
    );
    expect(unreachableAddresses(agentSpecs(files))).toEqual([
      { agent: "caller", address: "http://hub:9999", why: "hub's Service has no port 9999" },
      { agent: "caller", address: "redis://redis_language:6379", why: "no Service may have an '_' in its name" },
    ]);
  });

  it("lists an address its target's NetworkPolicy would refuse, the caller not being among its dependents", () => {
    const agent = (name: string, spec: string) =>
      `apiVersion: agentfleet.io/v1alpha1\nkind: AgentDeployment\nmetadata: {name: ${name}}\nspec: {image: a:1, ${spec}}\n`;
    const files = new Map([
      ["hub.yaml", agent("hub", "ports: [{name: api, port: 7140}]")],
      ["open.yaml", agent("open", "ports: [{name: api, port: 80}], network: {isolation: None}")],
      ["caller.yaml", agent("caller", "dependencies: [hub], env: [{name: HUB, value: 'hub:7140'}]")],
      [
        "stranger.yaml",
        agent("stranger", "env: [{name: HUB, value: 'hub:7140'}, {name: OPEN, value: 'http://open:80'}]"),
      ],
    ]);
    expect(unreachableAddresses(agentSpecs(files))).toEqual([
      { agent: "stranger", address: "hub:7140", why: "hub's NetworkPolicy lets only its dependents in" },
    ]);
  });

  it("lists a dependency on an agent the import does not hold, which would wait for it for ever", () => {
    const agent = (name: string, dependencies: string[]) =>
      `apiVersion: agentfleet.io/v1alpha1\nkind: AgentDeployment\nmetadata: {name: ${name}}\nspec: {image: a:1, dependencies: [${dependencies.join(", ")}]}\n`;
    const files = new Map([
      ["hub.yaml", agent("hub", [])],
      ["caller.yaml", agent("caller", ["hub", "gone"])],
    ]);
    expect(unreachableAddresses(agentSpecs(files))).toEqual([
      { agent: "caller", address: "dependency gone", why: "no AgentDeployment of the import has that name" },
    ]);
  });
});

describe("agentsWithoutManifest", () => {
  it("names an agent of the report whose manifest another's wrote over", () => {
    const files = new Map([
      [
        "hub.yaml",
        "apiVersion: agentfleet.io/v1alpha1\nkind: AgentDeployment\nmetadata: {name: hub}\nspec: {image: a:1}\n",
      ],
      ["kustomization.yaml", "resources: [hub.yaml]\n"],
    ]);
    expect(agentsWithoutManifest(["hub"], agentSpecs(files))).toEqual([]);
    expect(agentsWithoutManifest(["hub", "hub", "caller"], agentSpecs(files))).toEqual(["hub", "caller"]);
  });
});

describe("npm run import:history", () => {
  let repo: string;
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  const commit = async (file: string, text: string) => {
    await writeFile(path.join(repo, file), text);
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", file);
  };

  beforeAll(async () => {
    repo = await mkdtemp(path.join(tmpdir(), "import-history-"));
    git("init", "-q");
    await commit("docker-compose.yml", "services:\n  hub: {image: cascade/hub:1, expose: ['7140']}\n");
    await commit("startup_config.yaml", "agents:\n  - {name: Caller, script_path: c.py, port: 7000}\n");
    await commit("docker-compose.yml", "services:\n  hub: {image: [unclosed\n");
    await mkdir(path.join(repo, ".github/workflows"), { recursive: true });
    await commit(".github/workflows/ci.yml", "on: [push]\njobs:\n  t:\n    services: {redis: {image: 'redis:7'}}\n");
    await commit("health.json", '{"timestamp": "2025-06-18", "results": [{"service": "hub", "port": 7140}]}\n');
    // A vendored package's JSON is not the system's.
    await mkdir(path.join(repo, "node_modules/zod"), { recursive: true });
    await commit("node_modules/zod/package.json", '{"name": "zod"}\n');
  });
  afterAll(() => rm(repo, { recursive: true, force: true }));

  it("imports every version alone and each commit's files together, and says what it refused", () => {
    const run = spawnSync(process.execPath, ["hack/import-history.ts", path.join(repo, ".git"), "--every", "1"], {
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^each file version alone: 3 imports, 2 imported, 1 refused, 0 crashed$/m);
    expect(run.stdout).toMatch(/refused 1× \(first docker-compose\.yml \([0-9a-f]{8}\)\): invalid YAML/);
    // The checkout's other YAML and JSON: each refused by what it is, the job's redis never an agent.
    expect(run.stdout).toMatch(
      /^each version of the other YAML and JSON files alone: 2 imports, 0 imported, 2 refused, 0 crashed$/m,
    );
    expect(run.stdout).toMatch(
      /refused 1× \(first \.github\/workflows\/ci\.yml \(\w+\)\): this is a GitHub Actions workflow/,
    );
    expect(run.stdout).toMatch(/refused 1× \(first health\.json \(\w+\)\): this is a report a tool wrote/);
    // The second commit holds two files the importer takes: one import of both.
    expect(run.stdout).toMatch(/^each commit's files, together: 1 imports, 1 imported, 0 refused, 0 crashed$/m);
  });

  it("says how to call it, and exits 2, without a Git directory", () => {
    const run = spawnSync(process.execPath, ["hack/import-history.ts"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("usage: npm run import:history -- GIT_DIR [--every N]");
  });
});
