// The real legacy samples of the user's system (src/legacy/testdata/samples): what the report must find.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { defaultClasses, importLegacy } from "./import.ts";
import { InputError } from "./model.ts";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata/samples");
const files = readdirSync(dir)
  .sort()
  .map((f) => ({ path: f, text: readFileSync(path.join(dir, f), "utf8") }));
const { report, files: manifests } = importLegacy(files, { namespace: "agents", classes: defaultClasses });
const of = (kind: string) => report.findings.filter((f) => f.kind === kind);

describe("importing the legacy samples", () => {
  it("finds the agents defined on both machines", () => {
    const both = of("duplicate-agent").filter((f) => /defined on mainpc .* and on pc2/.test(f.message));
    expect(both.flatMap((f) => f.agents).sort()).toEqual(
      expect.arrayContaining(["MemoryFusionHub", "SelfHealingSupervisor", "UnifiedObservabilityCenter"]),
    );
  });

  it("finds the pc2 agent that depends on a mainpc agent", () => {
    expect(of("cross-machine-dependency")).toContainEqual(
      expect.objectContaining({ machine: "pc2", agents: ["SpeechRelayService", "StreamingTTSAgent"] }),
    );
  });

  it("finds the docker.sock mounts, as blockers", () => {
    const sockets = of("host-mount").filter((f) => f.message.includes("docker.sock"));
    expect(sockets.map((f) => f.machine).sort()).toEqual(["mainpc", "pc2"]);
    expect(sockets.every((f) => f.severity === "blocker")).toBe(true);
  });

  it("finds the compose services that the startup configs decommissioned", () => {
    const decommissioned = of("compose-drift").filter((f) => f.message.includes("decommissioned"));
    expect(decommissioned.flatMap((f) => f.agents).sort()).toEqual(
      expect.arrayContaining([
        "memory-orchestrator",
        "model-manager-suite",
        "observability-hub",
        "request-coordinator",
        "vram-optimizer",
      ]),
    );
  });

  it("finds the port clash on pc2 between a compose service and a startup-config agent", () => {
    expect(of("port-conflict")).toContainEqual(
      expect.objectContaining({
        machine: "pc2",
        port: 7150,
        agents: expect.arrayContaining(["CentralErrorBus", "VisionProcessingAgent"]),
      }),
    );
  });

  it("finds the mainpc agents whose port equals one of their own config ports", () => {
    const own = of("port-conflict").filter((f) => f.machine === "mainpc" && f.agents.length === 1);
    expect(own.flatMap((f) => f.agents)).toEqual(
      expect.arrayContaining(["MemoryFusionHub", "ModelOpsCoordinator", "RealTimeAudioPipeline"]),
    );
  });

  it("finds agents that live only in comments, with their reasons", () => {
    expect(of("decommissioned-agent").find((f) => f.agents[0] === "RequestCoordinator")?.message).toContain(
      "Replaced by ModelOpsCoordinator",
    );
  });

  it("puts every GPU agent on its machine's class, and names every agent as a DNS label", () => {
    for (const a of report.agents) {
      expect(a.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (a.gpuClass) expect(a.gpuClass).toBe(a.machine === "mainpc" ? "rtx-4090" : "rtx-3060");
    }
    expect(report.agents.filter((a) => a.gpuClass).length).toBeGreaterThan(0);
  });
});

describe("importing anything", () => {
  it("returns a report or an InputError, never another failure", () => {
    const agentish = fc.record(
      {
        name: fc.string(),
        script_path: fc.string(),
        port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.constant("${PORT_OFFSET}+7200"), fc.string()),
        health_check_port: fc.oneof(fc.integer(), fc.string()),
        dependencies: fc.oneof(fc.array(fc.string()), fc.string(), fc.constant(null)),
        config: fc.dictionary(fc.string(), fc.jsonValue()),
        environment: fc.oneof(fc.array(fc.string()), fc.dictionary(fc.string(), fc.string())),
        machine: fc.constantFrom("mainpc", "pc2", "MainPC"),
      },
      { requiredKeys: [] },
    );
    // Words a command line or a script is made of, with the quotes, variables and addresses the
    // importer reads in them.
    const word = fc.oneof(
      fc.string(),
      fc.constantFrom("sh", "-c", "--host", "--port", "127.0.0.1", "localhost:6379", "'", '"', "$$", "${X:-1}", "&&"),
    );
    const commandLine = fc.oneof(
      fc.array(word),
      fc.array(word).map((w) => w.join(" ")),
    );
    const composeService = fc.record(
      {
        image: fc.string(),
        ports: fc.array(fc.string()),
        runtime: fc.string(),
        command: commandLine,
        entrypoint: commandLine,
        environment: fc.oneof(fc.array(fc.string()), fc.dictionary(fc.string(), fc.string())),
        env_file: fc.oneof(fc.string(), fc.array(fc.string())),
        volumes: fc.array(fc.string()),
        healthcheck: fc.record({ test: commandLine }),
        container_name: fc.oneof(fc.string(), fc.constantFrom("redis_a", "redis_b", "redis")),
        working_dir: fc.oneof(fc.string(), fc.constantFrom("/app", "${HOME_DIR:-/srv}", "src")),
        secrets: fc.array(
          fc.oneof(
            fc.string(),
            fc.record({
              source: fc.string(),
              target: fc.oneof(fc.string(), fc.constantFrom("/run/secrets/../x", "/k")),
            }),
          ),
        ),
        build: fc.string(),
      },
      { requiredKeys: [] },
    );
    const document = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.array(agentish)),
      fc.record({ agent_groups: fc.dictionary(fc.string(), fc.dictionary(fc.string(), agentish)) }),
      fc.record(
        {
          // Service names that meet across files: overrides, stacks' containers of one name.
          services: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("redis", "api", "memory_hub")), composeService),
          secrets: fc.dictionary(fc.string(), fc.record({ file: fc.string() }, { requiredKeys: [] })),
        },
        { requiredKeys: ["services"] },
      ),
    );
    // An env file's text, from lines shaped like its syntax and anything else.
    const envFile = fc
      .array(
        fc.oneof(
          fc.string(),
          fc.tuple(fc.string(), word).map(([k, v]) => `${k}=${v}`),
        ),
      )
      .map((lines) => lines.join("\n"));
    // One to three files, imported together, as a person gives a checkout's files.
    const files = fc.array(
      fc.tuple(
        document,
        fc.constantFrom("mainpc.yaml", "pc2-compose.yml", "x.yaml", "stack/docker-compose.override.yml"),
      ),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(files, envFile, (docs, envText) => {
        try {
          importLegacy(
            docs.map(([doc, name], i) => ({ path: `${i}/${name}`, text: stringify(doc) })),
            {
              namespace: "agents",
              classes: defaultClasses,
              readBesideFile: () => envText,
            },
          );
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  }, 60_000);
});

describe("the samples' manifests, as kubectl applies them", () => {
  type Spec = { ports?: { port: number }[]; config?: unknown; env?: { value: string }[] };
  const specs = [...manifests]
    .filter(([name]) => name.endsWith(".yaml"))
    .flatMap(([name, text]) =>
      parseAllDocuments(text)
        .map((d) => d.toJS() as { kind?: string; metadata?: { name: string }; spec?: Spec })
        .filter((d) => d.kind === "AgentDeployment")
        .map((d) => ({ file: name, name: d.metadata?.name ?? "", spec: d.spec ?? {} })),
    );

  it("say localhost with no port of another agent: each such address names the agent's Service", () => {
    const portsOf = new Map(specs.map((s) => [s.name, new Set((s.spec.ports ?? []).map((p) => p.port))]));
    const offending: string[] = [];
    for (const s of specs) {
      const text = JSON.stringify([s.spec.config ?? {}, s.spec.env ?? []]);
      for (const m of text.matchAll(/(?:localhost|127\.0\.0\.1):(\d+)/g)) {
        const port = Number(m[1]);
        const others = [...portsOf].filter(([name, ports]) => name !== s.name && ports.has(port)).map(([n]) => n);
        if (others.length) offending.push(`${s.file}: ${m[0]} is ${others.join(", ")}'s port`);
      }
    }
    expect(offending).toEqual([]);
    expect(specs.length).toBeGreaterThan(50);
  });

  it("carry the rewritten addresses, and the report counts them and names the infrastructure", () => {
    expect(report.addresses.rewritten).toBeGreaterThan(0);
    const redisUsers = specs.filter((s) => /redis:\/\/redis(-pc2)?:6379/.test(JSON.stringify(s.spec.config ?? {})));
    expect(redisUsers.length).toBeGreaterThan(0);
    expect(report.infrastructure.map((i) => `${i.name} (${i.kind})`)).toEqual(
      expect.arrayContaining(["redis (Redis)", "redis-pc2 (Redis)"]),
    );
  });
});
