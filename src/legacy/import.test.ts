import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { gpuRequestSchema } from "../api/agentdeployment.ts";
import { vramNeedOn } from "../placement/vram-need.ts";
import type { ReportedFinding } from "./import.ts";
import { defaultClasses, importLegacy } from "./import.ts";
import { InputError, type LegacyFile } from "./model.ts";
import { textReport } from "./report.ts";

const run = (...files: LegacyFile[]) => importLegacy(files, { namespace: "agents", classes: defaultClasses });
const kinds = (findings: ReportedFinding[], kind: string) => findings.filter((f) => f.kind === kind);
// The AgentDeployment: the first document of its file (a PersistentVolumeClaim may follow).
const manifest = (result: ReturnType<typeof run>, name: string) =>
  (parseAllDocuments(result.files.get(`${name}.yaml`) ?? "null")[0]?.toJS() ?? null) as {
    metadata: { annotations: Record<string, string> };
    spec: Record<string, unknown>;
  } | null;

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("formats", () => {
  it("reads agent_groups maps of group → name → spec, with ${PORT_OFFSET}+N ports and ${VAR:-default} values", () => {
    const result = run({
      path: "mainpc.yaml",
      text: `agent_groups:
  core:
    Registry:
      script_path: agents/registry.py
      port: \${PORT_OFFSET}+7200
      health_check_port: "\${PORT_OFFSET}+8200"
      required: true
      config:
        backend: \${BACKEND:-redis}
`,
    });
    expect(result.report.agents).toMatchObject([
      { name: "registry", legacyName: "Registry", machine: "mainpc", ports: [7200, 8200], source: "mainpc.yaml:3" },
    ]);
    expect(manifest(result, "registry")?.spec).toMatchObject({
      command: ["python", "agents/registry.py"],
      ports: [
        { name: "main", port: 7200 },
        { name: "health", port: 8200 },
      ],
      healthCheck: { port: "health", path: "/health" },
      config: { backend: "redis" },
      required: true,
    });
  });

  it("reads groups mis-indented into other groups", () => {
    const result = run({
      path: "mainpc.yaml",
      text: `agent_groups:
  speech:
    STT:
      script_path: stt.py
      port: 5800
    emotion:
      Emotion:
        script_path: emotion.py
        port: 5590
`,
    });
    expect(result.report.agents.map((a) => a.name).sort()).toEqual(["emotion", "stt"]);
  });

  it("reads top-level lists of one-line flow mappings with padded names, beside other lists", () => {
    const result = run({
      path: "pc2.yaml",
      text: `core_services:
  - { name:  CacheManager  , script_path: cache.py, port: 5612, dependencies: [ Hub ] }
pc2_services:
  - name: Hub
    script_path: hub.py
    port: 7100
`,
    });
    expect(result.report.agents.map((a) => [a.name, a.legacyName, a.machine, a.dependencies])).toEqual([
      ["cache-manager", "CacheManager", "pc2", ["hub"]],
      ["hub", "Hub", "pc2", []],
    ]);
  });

  it("reads one unified file whose profiles enable agents per machine", () => {
    const result = run({
      path: "startup.yaml",
      text: `profiles:
  mainpc: {agents: [Brain, Shared]}
  pc2:
    enabled: [Eyes, Shared]
agents:
  Brain: {script_path: brain.py, port: 1}
  Eyes: {script_path: eyes.py, port: 2, cuda_device: "cuda:0"}
  Shared: {script_path: shared.py, port: 3}
`,
    });
    expect(result.report.agents.map((a) => `${a.name}@${a.machine}:${a.gpuClass}`).sort()).toEqual([
      "brain@mainpc:null",
      "eyes@pc2:rtx-3060",
      "shared-pc2@pc2:null",
      "shared@mainpc:null",
    ]);
  });

  it("reads one unified file with a section per machine, and top-level machine lists as profiles", () => {
    const result = run({
      path: "fleet.yaml",
      text: `mainpc_services:
  - {name: Brain, script_path: brain.py, port: 1}
pc2:
  agent_groups:
    vision: {Eyes: {script_path: eyes.py, port: 2}}
`,
    });
    expect(result.report.agents.map((a) => `${a.name}@${a.machine}`).sort()).toEqual(["brain@mainpc", "eyes@pc2"]);
    const profiles = run({
      path: "fleet.yaml",
      text: "agents:\n  A: {script_path: a.py, port: 1}\n  B: {script_path: b.py, port: 2}\nmainpc: [A]\npc2: {enabled: [B]}\n",
    });
    expect(profiles.report.agents.map((a) => `${a.name}@${a.machine}`).sort()).toEqual(["a@mainpc", "b@pc2"]);
  });

  it("reads per-agent machine fields in a unified file", () => {
    const result = run({
      path: "all.yaml",
      text: `services:\n  - {name: A, script_path: a.py, port: 1, machine: pc2}\n  - {name: B, script_path: b.py, port: 2, machine: MainPC}\n`,
    });
    expect(result.report.agents.map((a) => `${a.name}@${a.machine}`).sort()).toEqual(["a@pc2", "b@mainpc"]);
  });

  it("reads compose files with anchors, merge keys, runtime nvidia, device reservations and overriding environment", () => {
    const result = run({
      path: "pc2-compose.yml",
      text: `x-base: &base
  restart: always
  environment:
    - FROM_TEMPLATE=1
services:
  vision:
    <<: *base
    image: cascade/vision:\${VERSION:-1.2}
    runtime: nvidia
    environment: [OWN=1]
    ports: ["\${PORT_OFFSET:-0}7160:7160"]
    deploy:
      replicas: 2
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
        limits: {memory: 8G}
  tts:
    image: cascade/tts:1
    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}
`,
    });
    const vision = manifest(result, "vision");
    expect(vision?.spec).toMatchObject({
      image: "cascade/vision:1.2",
      replicas: 2,
      env: [{ name: "OWN", value: "1" }],
      resources: { limits: { memory: "8Gi" } },
      gpu: { class: "rtx-3060" },
    });
    expect(vision?.metadata.annotations["agentfleet.io/gpu-evidence"]).toMatch(/runtime: nvidia.*device reservation/);
    expect(manifest(result, "tts")?.spec.gpu).toMatchObject({ class: "rtx-3060" });
  });

  it("splits a compose command given as a string into words as compose does, quotes and all", () => {
    const result = run({
      path: "mainpc-docker-compose.yml",
      text: `services:
  api:
    image: cascade/api:1
    command: sh -c "python -m api --name 'speech api' && echo done"
  tool:
    image: cascade/tool:1
    entrypoint: python   tool.py
`,
    });
    expect(manifest(result, "api")?.spec.args).toEqual(["sh", "-c", "python -m api --name 'speech api' && echo done"]);
    expect(manifest(result, "tool")?.spec.command).toEqual(["python", "tool.py"]);
  });

  it("starts a compose service's process in its working_dir, and a startup agent's in that of the service that runs it", () => {
    const result = run(
      { path: "mainpc_startup.yaml", text: "agents:\n  Translator: {script_path: agents/translator.py, port: 5584}\n" },
      {
        path: "mainpc-docker-compose.yml",
        text: "services:\n  translator:\n    image: cascade/translator:1\n    working_dir: /app\n",
      },
    );
    expect(manifest(result, "translator")?.spec.workingDir).toBe("/app");
    const alone = run({
      path: "docker-compose.yml",
      text: `services:
  tool:
    image: cascade/tool:1
    working_dir: \${TOOL_HOME:-/opt/tool}
  relative:
    image: cascade/relative:1
    working_dir: src
`,
    });
    expect(manifest(alone, "tool")?.spec.workingDir).toBe("/opt/tool");
    expect(manifest(alone, "relative")?.spec.workingDir).toBeUndefined();
  });

  it("reads a compose service's env files beside it, under its own environment, its secrets by reference only", () => {
    const envFiles = new Map([
      [
        "stack/.env",
        '# shared\nexport LOG_LEVEL=debug\nMODEL="llama 3"\nAPI_TOKEN=sk-live-1234567890abcdefgh\nREDIS_URL=redis://localhost:6379/0\n',
      ],
      ["stack/local.env", "MODEL=mistral\n"],
    ]);
    const result = importLegacy(
      [
        {
          path: "stack/mainpc-docker-compose.yml",
          text: `services:
  api:
    image: cascade/api:1
    env_file: [.env, local.env, missing.env, {path: machine.env, required: false}]
    environment:
      LOG_LEVEL: info
  redis:
    image: redis:7-alpine
`,
        },
      ],
      {
        namespace: "agents",
        classes: defaultClasses,
        readBesideFile: (compose, file) => envFiles.get(posix.join(posix.dirname(compose), file)),
      },
    );
    const spec = manifest(result, "api")?.spec;
    // The later file's MODEL, the service's own LOG_LEVEL, and the address rewritten like any other.
    expect(spec?.env).toEqual([
      { name: "REDIS_URL", value: "redis://redis:6379/0" },
      { name: "MODEL", value: "mistral" },
      { name: "LOG_LEVEL", value: "info" },
    ]);
    expect(spec?.secretEnv).toEqual([expect.objectContaining({ name: "API_TOKEN" })]);
    expect([...result.files.values(), JSON.stringify(result.report)].join("\n")).not.toContain("sk-live");
    expect(kinds(result.report.findings, "env-file").map((f) => [f.severity, f.message])).toEqual([
      ["warning", expect.stringMatching(/^api reads its environment from missing\.env, which is not imported/)],
      ["info", expect.stringMatching(/^api's environment from \.env \(4 variables\) is imported/)],
      ["info", expect.stringMatching(/^api's environment from local\.env \(1 variable\)/)],
      // compose 2.24's optional env file, absent: compose ran the service without it.
      ["info", expect.stringMatching(/^api's env file machine\.env is optional \(required: false\) and was not read/)],
    ]);
  });

  it("gives a pod the $ that compose gave the container: $$ and single-quoted env file values are literal", () => {
    const result = importLegacy(
      [
        {
          path: "stack/mainpc-docker-compose.yml",
          text: `services:
  api:
    image: cascade/api:1
    env_file: .env
    command: ["sh", "-c", "echo $$$$ > /tmp/pid; exec serve --cost $$5"]
    environment:
      PRICE: "costs $$5"
      STAMP: "$$(date)"
      TWO: "$$$$"
`,
        },
      ],
      {
        namespace: "agents",
        classes: defaultClasses,
        readBesideFile: () => "GREETING='hello ${USER}'\nNOTE=\"\\$(not a reference)\"\n",
      },
    );
    const spec = manifest(result, "api")?.spec;
    // Kubernetes reads $( as a reference and $$ as one $: a literal $ before either is written $$.
    expect(spec?.env).toEqual([
      { name: "GREETING", value: "hello ${USER}" },
      { name: "NOTE", value: "$$(not a reference)" },
      { name: "PRICE", value: "costs $5" },
      { name: "STAMP", value: "$$(date)" },
      { name: "TWO", value: "$$$" },
    ]);
    expect(spec?.args).toEqual(["sh", "-c", "echo $$$ > /tmp/pid; exec serve --cost $5"]);
    expect(kinds(result.report.findings, "variable-unresolved")).toEqual([]);
  });

  it("reads a VRAM figure named for a machine as that card's budget, not the agent's own need", () => {
    const result = run({
      path: "m.yaml",
      text: `mainpc_agents:
  - name: VRAMOptimizer
    script_path: vram.py
    port: 1
    params: {mainpc_vram_budget_mb: 20000, pc2_vram_budget_mb: 10000}
  - {name: Whisper, script_path: w.py, port: 2, config: {vram_budget_mb: 6000}}
`,
    });
    // Before, the last figure won: pc2's 10000 MiB was asked of mainpc's card.
    expect(manifest(result, "vram-optimizer")?.spec.gpu).toMatchObject({ class: "rtx-4090", vramMiB: 2048 });
    expect(manifest(result, "vram-optimizer")?.metadata.annotations["agentfleet.io/gpu-evidence"]).toContain(
      "params.pc2_vram_budget_mb: 10000",
    );
    expect(manifest(result, "whisper")?.spec.gpu).toMatchObject({ vramMiB: 6000 });
    expect(kinds(result.report.findings, "gpu-estimate")[0]?.message).toBe(
      "1 GPU agent on mainpc states no VRAM need; each is counted at 2048 MiB: VRAMOptimizer. Set spec.gpu.vramMiB to what each really uses",
    );
  });

  it("counts a share of the card as that share of each card the agent may run on, never less than it takes", () => {
    const result = run(
      {
        path: "mainpc_startup.yaml",
        text: `agents:
  - {name: ModelManager, script_path: mm.py, port: 1, config: {vram_budget_percentage: 80}}
  - {name: Small, script_path: s.py, port: 2, config: {gpu_memory_fraction: 0.25, vram_limit_mb: 3000}}
`,
      },
      {
        path: "pc2-compose.yml",
        text: `services:
  llm:
    image: vllm/vllm-openai:v0.6.0
    command: ["--model", "Qwen/Qwen2.5-7B", "--gpu-memory-utilization=0.5"]
    deploy: {resources: {reservations: {devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]}}}
  vision:
    image: acme/vision:1
    runtime: nvidia
    environment: {GPU_MEMORY_LIMIT: "8192"}
  cpu-only:
    image: acme/cpu:1
    environment: [VRAM_FRACTION=0.3]
`,
      },
    );
    // Before, a share was read and dropped: each was counted at 2048 MiB, "stating no need".
    expect(manifest(result, "model-manager")?.spec.gpu).toEqual({
      class: "rtx-4090",
      vramMiB: 19652, // 80 % of 24564 MiB
      fallbackClasses: ["rtx-3060"],
      overrides: [{ class: "rtx-3060", vramMiB: 9831 }],
    });
    // A figure in MiB wins over a share.
    expect(manifest(result, "small")?.spec.gpu).toMatchObject({ vramMiB: 3000 });
    expect(manifest(result, "small")?.spec.gpu).not.toHaveProperty("overrides");
    expect(manifest(result, "llm")?.spec.gpu).toEqual({
      class: "rtx-3060",
      vramMiB: 6144,
      fallbackClasses: ["rtx-4090"],
      overrides: [{ class: "rtx-4090", vramMiB: 12282 }],
    });
    expect(manifest(result, "vision")?.spec.gpu).toMatchObject({ vramMiB: 8192 });
    expect(manifest(result, "vision")?.metadata.annotations["agentfleet.io/gpu-evidence"]).toContain(
      "GPU_MEMORY_LIMIT=8192 (pc2-compose.yml:",
    );
    // Compose gives a container a GPU by its runtime or devices: a figure alone gives it none.
    expect(manifest(result, "cpu-only")?.spec).not.toHaveProperty("gpu");
    expect(kinds(result.report.findings, "gpu-estimate")).toEqual([]);
    expect(kinds(result.report.findings, "gpu-share").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "info",
        "mainpc_startup.yaml:2",
        "ModelManager takes 80% of the memory of the card it runs on (config.vram_budget_percentage: 80): counted as 19652 MiB on rtx-4090, 9831 MiB on rtx-3060 (spec.gpu.overrides), so that no card counts less than it takes. If its models need less, give it a smaller share, or a fixed amount in spec.gpu.vramMiB",
      ],
      [
        "info",
        "pc2-compose.yml:4",
        "llm takes 50% of the memory of the card it runs on (--gpu-memory-utilization=0.5): counted as 6144 MiB on rtx-3060, 12282 MiB on rtx-4090 (spec.gpu.overrides), so that no card counts less than it takes. If its models need less, give it a smaller share, or a fixed amount in spec.gpu.vramMiB",
      ],
    ]);
    // What the operator counts on each class (its one rule) holds what the agent takes there.
    const cardMiB: Record<string, number> = { "rtx-4090": 24564, "rtx-3060": 12288 };
    for (const [name, fraction] of [
      ["model-manager", 0.8],
      ["llm", 0.5],
    ] as const) {
      const gpu = gpuRequestSchema.parse(manifest(result, name)?.spec.gpu);
      for (const c of [gpu.class, ...(gpu.fallbackClasses ?? [])]) {
        expect(vramNeedOn(gpu, c)).toBeGreaterThanOrEqual(fraction * (cardMiB[c] ?? Infinity));
      }
    }
  });

  it("says what an agent gets of the cards compose reserved beyond one, or by index, and reads scale", () => {
    const reservation = (device: string) =>
      `{image: acme/x:1, deploy: {resources: {reservations: {devices: [{driver: nvidia, ${device}, capabilities: [gpu]}]}}}}`;
    const result = run({
      path: "mainpc-compose.yml",
      text: `services:
  split: ${reservation("count: 2")}
  pair: ${reservation("device_ids: ['0', '1']")}
  second: ${reservation("device_ids: ['1']")}
  short: {image: acme/x:1, gpus: 2}
  one: ${reservation("count: 1")}
  scaled: {image: acme/s:1, scale: 3}
`,
    });
    expect(kinds(result.report.findings, "gpu-devices").map((f) => [f.agents[0], f.severity, f.message])).toEqual([
      [
        "split",
        "warning",
        "split reserved 2 cards (count: 2); an AgentDeployment runs on one card, so it gets one. A model split over cards (tensor parallelism) will not start on one: give it a model one card holds",
      ],
      ["pair", "warning", expect.stringMatching(/^pair reserved 2 cards \(device_ids: \[0, 1\]\)/)],
      ["short", "warning", expect.stringMatching(/^short reserved 2 cards \(gpus: 2\)/)],
      [
        "second",
        "info",
        "second picked a card by its index (device_ids: [1]); the device plugin gives it its class's card instead, whichever index that has",
      ],
    ]);
    expect(manifest(result, "split")?.spec.gpu).toMatchObject({ class: "rtx-4090" });
    // compose's older service-level scale, as deploy.replicas.
    expect(manifest(result, "scaled")?.spec.replicas).toBe(3);
  });

  it("counts an inference server that states no share at the share it takes by default, and serves where it does", () => {
    const result = run({
      path: "pc2-compose.yml",
      text: `services:
  vllm: {image: "vllm/vllm-openai:v0.6.0", command: [--model, Qwen/Qwen2.5-7B], runtime: nvidia}
  tgi: {image: "ghcr.io/huggingface/text-generation-inference:2.4", runtime: nvidia}
  tuned: {image: "ghcr.io/huggingface/text-generation-inference:2.4", runtime: nvidia, environment: {CUDA_MEMORY_FRACTION: "0.4"}}
  sglang: {image: "lmsysorg/sglang:v0.4", command: [python3, -m, sglang.launch_server, --mem-fraction-static, "0.5"], runtime: nvidia}
  on-cpu: {image: "vllm/vllm-openai:v0.6.0"}
`,
    });
    const gpu = (name: string) => manifest(result, name)?.spec.gpu as { vramMiB: number } | undefined;
    // Before, each was counted at 2048 MiB, while vLLM takes 90 % of the card and TGI all of it: two
    // on one card, by the ledger, and the second would not start.
    expect([gpu("vllm")?.vramMiB, gpu("tgi")?.vramMiB, gpu("tuned")?.vramMiB, gpu("sglang")?.vramMiB]).toEqual([
      11060, 12288, 4916, 6144,
    ]);
    expect(gpu("on-cpu")).toBeUndefined();
    // Each serves where it does by default, and answers its health there: compose's network let
    // others reach it on any port, a Service only on those it names.
    expect(manifest(result, "vllm")?.spec).toMatchObject({
      ports: [{ name: "tcp-8000", port: 8000 }],
      healthCheck: { port: "tcp-8000", path: "/health" },
    });
    expect(manifest(result, "tgi")?.spec).toMatchObject({ ports: [{ port: 80 }], healthCheck: { path: "/health" } });
    const said = kinds(result.report.findings, "gpu-share").map((f) => [f.agents[0], f.severity, f.message]);
    expect(said).toContainEqual([
      "tgi",
      "warning",
      "tgi takes 100% of the memory of the card it runs on (TGI's default --cuda-memory-fraction 1, by its image ghcr.io/huggingface/text-generation-inference:2.4): counted as 12288 MiB on rtx-3060, 24564 MiB on rtx-4090 (spec.gpu.overrides), so that no card counts less than it takes. That is more than rtx-3060 offers agents (11520 MiB) or rtx-4090 offers agents (23540 MiB): it is placed there only with a smaller share. If its models need less, give it a smaller share, or a fixed amount in spec.gpu.vramMiB",
    ]);
    expect(said).toContainEqual([
      "vllm",
      "info",
      expect.stringContaining("(vLLM's default --gpu-memory-utilization 0.9, by its image vllm/vllm-openai:v0.6.0)"),
    ]);
  });

  it("says where a share of a card of unknown size is counted at a guess", () => {
    const result = importLegacy(
      [
        {
          path: "lab.yaml",
          text: "agents:\n  - {name: Big, script_path: b.py, port: 1, config: {vram_percent: 50}}\n",
        },
      ],
      { namespace: "agents", classes: new Map([...defaultClasses, ["lab", "a100"]]) },
    );
    expect(manifest(result, "big")?.spec.gpu).toEqual({
      class: "a100",
      vramMiB: 2048,
      fallbackClasses: ["rtx-4090", "rtx-3060"],
      overrides: [
        { class: "rtx-4090", vramMiB: 12282 },
        { class: "rtx-3060", vramMiB: 6144 },
      ],
    });
    expect(kinds(result.report.findings, "gpu-share").map((f) => [f.severity, f.message])).toEqual([
      [
        "warning",
        "Big takes 50% of the memory of the card it runs on (config.vram_percent: 50): counted as 12282 MiB on rtx-4090, 6144 MiB on rtx-3060 (spec.gpu.overrides), so that no card counts less than it takes. The size of a100's card is not known: there it is counted at 2048 MiB; set spec.gpu.vramMiB to its share. If its models need less, give it a smaller share, or a fixed amount in spec.gpu.vramMiB",
      ],
    ]);
  });

  it("merges a compose file into the startup config of its machine", () => {
    const result = run(
      {
        path: "mainpc_startup.yaml",
        text: "groups:\n  g:\n    STTService: {script_path: stt.py, port: 5800, health_check_port: 6800}\n",
      },
      {
        path: "mainpc-compose.yml",
        text: "services:\n  stt:\n    image: cascade/stt:2\n    environment: [SERVICE_NAME=STTService, CUDA_VISIBLE_DEVICES=0]\n",
      },
    );
    expect(result.report.agents).toHaveLength(1);
    expect(manifest(result, "stt-service")?.spec).toMatchObject({
      image: "cascade/stt:2",
      gpu: { class: "rtx-4090", vramMiB: 2048 },
    });
  });

  it("puts on an agent's Service the port a config address binds (tcp://*:5561)", () => {
    const result = run({
      path: "m.yaml",
      text: "mainpc_agents:\n  - {name: Affect, script_path: a.py, port: 5560, config: {pub_address: 'tcp://*:5561', upstream: 'tcp://localhost:5555'}}\n  - {name: Tone, script_path: t.py, port: 5570, config: {bind: 'tcp://0.0.0.0:5570'}}\n",
    });
    expect(manifest(result, "affect")?.spec.ports).toEqual([
      { name: "main", port: 5560, protocol: "TCP" },
      { name: "pub-address", port: 5561, protocol: "TCP" },
    ]);
    // Tone's bind of its own port is that port's listener: no second one to warn of.
    expect(manifest(result, "tone")?.spec.ports).toEqual([{ name: "main", port: 5570, protocol: "TCP" }]);
    expect(kinds(result.report.findings, "port-conflict")).toEqual([]);
  });

  it("puts a compose service's port ranges and UDP ports on its Service, and says what a Service cannot carry", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  web:
    image: acme/web:1
    ports: ["127.0.0.1:8080:80", "9000-9002:9000-9002", "5060:5060/udp", {target: 3478, published: 3478, protocol: udp}]
    expose: ["7000-7001"]
  media:
    image: acme/media:1
    ports: ["7880:7880", "50000-50040:50000-50040/udp"]
    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:7880/"]}
  sip:
    image: acme/sip:1
    ports: ["5070:5070/udp"]
  pbx:
    image: acme/pbx:1
    ports: ["5060:5060", "5060:5060/udp"]
`,
    });
    // Before, a range was no port at all, and a UDP port was written as TCP.
    expect(manifest(result, "web")?.spec.ports).toEqual([
      { name: "tcp-80", port: 80, protocol: "TCP" },
      { name: "tcp-9000", port: 9000, protocol: "TCP" },
      { name: "tcp-9001", port: 9001, protocol: "TCP" },
      { name: "tcp-9002", port: 9002, protocol: "TCP" },
      { name: "tcp-7000", port: 7000, protocol: "TCP" },
      { name: "tcp-7001", port: 7001, protocol: "TCP" },
      { name: "udp-5060", port: 5060, protocol: "UDP" },
      { name: "udp-3478", port: 3478, protocol: "UDP" },
    ]);
    const media = manifest(result, "media")?.spec as {
      ports: { port: number; protocol: string }[];
      healthCheck: unknown;
    };
    expect(media.ports).toHaveLength(32);
    expect(media.ports.slice(0, 2)).toEqual([
      { name: "tcp-7880", port: 7880, protocol: "TCP" },
      { name: "udp-50000", port: 50000, protocol: "UDP" },
    ]);
    expect(media.healthCheck).toEqual({ port: "tcp-7880", path: "/" });
    // A probe connects over TCP: an agent that listens on UDP alone gets none.
    expect(manifest(result, "sip")?.spec).not.toHaveProperty("healthCheck");
    // One number, both protocols, as SIP takes it: before, the UDP one was dropped without a word.
    expect(manifest(result, "pbx")?.spec.ports).toEqual([
      { name: "tcp-5060", port: 5060, protocol: "TCP" },
      { name: "udp-5060", port: 5060, protocol: "UDP" },
    ]);
    expect(kinds(result.report.findings, "port-range").map((f) => [f.severity, f.agents, f.port, f.message])).toEqual([
      [
        "warning",
        ["media"],
        50031,
        "media listens on 42 ports (a range in its ports: or expose:), and an agent's Service carries at most 32: 10 ports from 50031 are left out, and nothing reaches them. Narrow the range to the ports it uses; a media server (RTP, WebRTC) can often take its traffic on one port instead",
      ],
    ]);
  });

  it("says a service that ran in another's network now has its own address, and reaches it by its Service", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  web: {image: acme/web:1, expose: ["8080"]}
  proxy:
    image: acme/proxy:1
    network_mode: service:web
    environment: {UPSTREAM: "http://localhost:8080"}
`,
    });
    expect(manifest(result, "proxy")?.spec).toMatchObject({
      env: [{ name: "UPSTREAM", value: "http://web:8080" }],
      dependencies: ["web"],
    });
    expect(kinds(result.report.findings, "shared-network").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "warning",
        "pc2-docker-compose.yml:5",
        "proxy ran in web's network (network_mode: service:web): it reached web on localhost, and what reached it used web's address. Imported as an agent of its own, it has an address of its own: point what reached it at proxy, and it reaches web by its Service (its localhost addresses to web's ports are rewritten so). A helper that must share web's network belongs in web's image",
      ],
    ]);
  });

  it("writes a service others wait on to finish as a Job that runs it once, and drops the wait from them", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  model-download:
    image: acme/downloader:1
    command: [huggingface-cli, download, Qwen/Qwen2.5-7B, --local-dir, /models]
    environment:
      HF_HUB_ENABLE_HF_TRANSFER: "1"
      HF_TOKEN: hf_abcdefghijklmnopqrstuvwxyz0123456789
    volumes: [models:/models, scratch:/scratch]
  llm:
    image: acme/llm:1
    volumes: [models:/models:ro]
    depends_on:
      model-download: {condition: service_completed_successfully}
      redis: {condition: service_started}
  redis: {image: redis:7}
  quantize:
    image: acme/quantize:1
    runtime: nvidia
  gguf:
    image: acme/gguf:1
    depends_on: {quantize: {condition: service_completed_successfully}}
volumes: {models: {}, scratch: {}}
`,
    });
    // Before, it became an agent that Kubernetes restarted after each exit, and llm waited for it to
    // be Ready, which a program that exits never is.
    expect(result.files.has("model-download.yaml")).toBe(false);
    expect(manifest(result, "llm")?.spec.dependencies).toEqual(["redis"]);
    expect(kinds(result.report.findings, "missing-dependency")).toEqual([]);
    const job = parse(result.files.get("model-download.job.yaml") ?? "null");
    expect(job).toMatchObject({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "model-download", namespace: "agents" },
      spec: { template: { spec: { restartPolicy: "OnFailure", securityContext: { runAsUser: 1000, fsGroup: 1000 } } } },
    });
    const container = job.spec.template.spec.containers[0];
    expect(container).toMatchObject({
      image: "acme/downloader:1",
      args: ["huggingface-cli", "download", "Qwen/Qwen2.5-7B", "--local-dir", "/models"],
      // Into llm's own claim, where llm reads it; scratch, which no agent reads, is left out.
      volumeMounts: [{ name: "llm-models", mountPath: "/models" }],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    // Its token from legacy-secrets, as an agent's, and listed among the keys to create.
    // Its home where uid 1000 may write: huggingface-cli keeps its cache there.
    expect(container.env).toEqual([
      { name: "HOME", value: "/tmp" },
      { name: "HF_HUB_ENABLE_HF_TRANSFER", value: "1" },
      { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "legacy-secrets", key: "model-download.HF_TOKEN" } } },
    ]);
    expect(result.report.secrets.map((s) => s.key)).toContain("model-download.HF_TOKEN");
    expect(parse(result.files.get("kustomization.yaml") ?? "").resources).toContain("model-download.job.yaml");
    expect(kinds(result.report.findings, "one-shot").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "warning",
        "pc2-docker-compose.yml:13",
        "model-download is not imported: it runs once and exits: llm waits for it to finish (condition: service_completed_successfully). An AgentDeployment runs for ever, and would start it again each time it exits. It is written as the Job model-download (model-download.job.yaml), which kubectl apply -k runs once beside the agents, writing to llm's claim of models: llm no longer waits for it, and may restart until it has finished. To run it again, delete the Job and apply again",
      ],
      // One that needs a GPU is left to the person.
      [
        "warning",
        "pc2-docker-compose.yml:21",
        expect.stringContaining(
          "Run it once as a Kubernetes Job in the agents' namespace before you apply (kubectl create job quantize --image=acme/quantize:1), give it the GPU it needs",
        ),
      ],
    ]);
    expect(result.files.has("quantize.job.yaml")).toBe(false);
  });

  it("gives services of one PC that shared a named volume in compose one claim, and those on two PCs one each", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  fetcher: {image: acme/fetch:1, volumes: [models:/models, own:/own]}
  llm: {image: acme/llm:1, volumes: [models:/models:ro]}
  tts: {image: acme/tts:1, volumes: [models:/data/models]}
  indexer: {image: acme/index:1, volumes: [index:/index]}
  search: {image: acme/search:1, volumes: [index:/index], deploy: {placement: {constraints: ["node.hostname == mainpc"]}}}
volumes: {models: {}, own: {}, index: {}}
`,
    });
    const claimOf = (agent: string, volume: string) =>
      (
        (manifest(result, agent)?.spec.volumes ?? []) as {
          name: string;
          persistentVolumeClaim?: { claimName: string };
        }[]
      ).find((v) => v.name === volume)?.persistentVolumeClaim?.claimName;
    // Before, each got a claim of its own, and llm found nothing of what fetcher downloaded.
    expect(["fetcher", "llm", "tts"].map((a) => claimOf(a, "models"))).toEqual(["models", "models", "models"]);
    expect(claimOf("fetcher", "own")).toBe("fetcher-own");
    const claims = (file: string) =>
      parseAllDocuments(result.files.get(file) ?? "")
        .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
        .filter((d) => d.kind === "PersistentVolumeClaim")
        .map((d) => d.metadata.name);
    // The shared claim once, in a file of its own that kubectl apply -k reads; no agent's file repeats it.
    expect(claims("shared.volumes.yaml")).toEqual(["models"]);
    expect(parse(result.files.get("kustomization.yaml") ?? "").resources).toContain("shared.volumes.yaml");
    expect(["fetcher", "llm", "tts"].flatMap((a) => claims(`${a}.yaml`))).toEqual(["fetcher-own"]);
    // On two PCs, a claim on local-path cannot follow both.
    expect([claimOf("indexer", "index"), claimOf("search", "index")]).toEqual(["indexer-index", "search-index"]);
    expect(
      kinds(result.report.findings, "data-volume")
        .filter((f) => f.agents.length > 1)
        .map((f) => [f.agents, f.source, f.message]),
    ).toEqual([
      [
        ["fetcher", "llm", "tts"],
        "pc2-docker-compose.yml:2",
        "models is one volume that fetcher, llm and tts share in compose; they share one claim here, models, so what one writes there the others read. local-path keeps it on the PC where the first of them starts, and the others start there too",
      ],
      [
        ["search", "indexer"],
        "pc2-docker-compose.yml:6",
        "index is one volume that search and indexer share in compose, on different PCs; each gets a claim of its own here (a claim on local-path stays on one PC), so what one writes there the others do not see. If they pass files through it (a model one downloads and another loads), give them one claim on storage every PC reaches (ReadWriteMany, such as NFS)",
      ],
    ]);
    // A file of no known PC: its GPU agents may each take a class of their own, on different PCs.
    const unplaced = run({
      path: "docker-compose.yml",
      text: "services:\n  a: {image: x, volumes: [data:/data]}\n  b: {image: y, volumes: [data:/data]}\n",
    });
    expect(unplaced.files.has("shared.volumes.yaml")).toBe(false);
    expect(kinds(unplaced.report.findings, "data-volume").map((f) => f.message.split(";")[0])).toContain(
      "data is one volume that a and b share in compose, on no PC the files name",
    );
  });

  it("puts a swarm stack's service on the machine its placement constraint names, and reads its GPU reservation", () => {
    const placed = (host: string) => `deploy: {placement: {constraints: ["node.hostname == ${host}"]}}`;
    const result = run({
      path: "stack.yml",
      text: `services:
  stt:
    image: acme/stt:1
    deploy:
      placement: {constraints: ["node.hostname == pc2"]}
      resources: {reservations: {generic_resources: [{discrete_resource_spec: {kind: NVIDIA-GPU, value: 1}}]}}
  llm: {image: acme/llm:1, runtime: nvidia, ${placed("mainpc")}}
  backup: {image: acme/backup:1, ${placed("nas")}}
  web: {image: acme/web:1}
`,
    });
    const machineOf = (name: string) => result.report.agents.find((a) => a.name === name)?.machine;
    // Before, the whole file was of no machine: each GPU agent took the smallest card that held it.
    expect([machineOf("stt"), machineOf("llm"), machineOf("backup"), machineOf("web")]).toEqual([
      "pc2",
      "mainpc",
      "",
      "",
    ]);
    expect(manifest(result, "llm")?.spec.gpu).toMatchObject({ class: "rtx-4090" });
    expect(manifest(result, "stt")?.spec.gpu).toMatchObject({ class: "rtx-3060" });
    expect(
      kinds(result.report.findings, "machine-inferred")
        .filter((f) => f.severity === "warning")
        .map((f) => [f.source, f.message]),
    ).toEqual([
      [
        "stack.yml:8",
        "backup is placed on nas (node.hostname == nas), which is none of the machines (mainpc, pc2): it is imported as its file's. If nas is a PC of the fleet, name its GPU class with --class nas=GPUCLASS",
      ],
    ]);
  });

  it("says which models Docker Model Runner served a service, that nothing in the cluster serves", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  chat: {image: acme/chat:1, models: [llm-small]}
  agent:
    image: acme/agent:1
    models: {embedder: {endpoint_var: EMBED_URL, model_var: EMBED_MODEL}}
models:
  llm-small: {model: ai/smollm2}
  embedder: {model: ai/all-minilm}
`,
    });
    // Before, models: was dropped without a word: the agents started without a model to call.
    expect(kinds(result.report.findings, "compose-model").map((f) => [f.source, f.message])).toEqual([
      [
        "pc2-docker-compose.yml:2",
        "chat used the model llm-small (ai/smollm2), which Docker Model Runner served on the PC, outside compose: compose set LLM_SMALL_URL and LLM_SMALL_MODEL for it. Nothing in the cluster serves it, and the pod has neither. Run an inference server for it as an agent with a GPU (vLLM, Ollama), then set LLM_SMALL_URL to its Service and LLM_SMALL_MODEL in chat's spec.env",
      ],
      [
        "pc2-docker-compose.yml:5",
        expect.stringMatching(
          /^agent used the model embedder \(ai\/all-minilm\).*compose set EMBED_URL and EMBED_MODEL/,
        ),
      ],
    ]);
  });

  it("carries a compose config of settings into the agent's spec.config, and says which others no manifest carries", () => {
    const compose = `services:
  web:
    image: acme/web:1
    configs:
      - source: web_conf
        target: /etc/web/conf.yaml
      - tls
      - source: extra
        target: /etc/web/extra.yaml
  worker:
    image: acme/worker:1
    configs: [{source: worker_conf, target: /app/settings.json}]
  cache:
    image: redis:7
configs:
  web_conf:
    content: |
      listen: 80
      cache_url: redis://localhost:6379
      openai_api_key: sk-proj-abcdefghijklmnopqrstuvwxyz123456
  tls:
    file: ./tls.conf
  extra:
    content: "debug: true"
  worker_conf:
    file: ./worker.json
`;
    const result = importLegacy([{ path: "pc2-docker-compose.yml", text: compose }], {
      namespace: "agents",
      classes: defaultClasses,
      readBesideFile: (file, path) =>
        file === "pc2-docker-compose.yml" && path === "./worker.json" ? '{"queue": "jobs", "batch": 8}' : undefined,
    });
    // Before, each file was dropped with a warning, and the agents started without them.
    expect(manifest(result, "web")?.spec).toMatchObject({
      config: { listen: 80, cache_url: "redis://cache:6379" },
      configMountPath: "/etc/web/conf.yaml",
    });
    // Its secret as a launcher config's is: out of the file, taken from the Secret, found at its line.
    expect(manifest(result, "web")?.spec.config).not.toHaveProperty("openai_api_key");
    expect(manifest(result, "web")?.spec.secretEnv).toEqual([
      { name: "OPENAI_API_KEY", secretName: "legacy-secrets", key: "web.openai_api_key" },
    ]);
    expect(kinds(result.report.findings, "secret").map((f) => [f.agents, f.source])).toEqual([
      [["web"], "pc2-docker-compose.yml:20"],
    ]);
    expect(manifest(result, "worker")?.spec).toMatchObject({
      config: { queue: "jobs", batch: 8 },
      configMountPath: "/app/settings.json",
    });
    expect(kinds(result.report.findings, "compose-config").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "warning",
        "pc2-docker-compose.yml:7",
        "web reads the compose config tls at /tls, from the file ./tls.conf, which is not imported: nothing puts that file in its pod. Copy it into the image, or, if it is YAML, give it as spec.config with spec.configMountPath: /tls",
      ],
      // An agent has one config file: the second stays the person's to place.
      [
        "warning",
        "pc2-docker-compose.yml:8",
        expect.stringContaining(
          "web reads the compose config extra at /etc/web/extra.yaml, from its content at pc2-docker-compose.yml:24, which is not imported",
        ),
      ],
      [
        "info",
        "pc2-docker-compose.yml:5",
        "web reads the compose config web_conf at /etc/web/conf.yaml, from its content at pc2-docker-compose.yml:17: it is its spec.config, mounted there, with its addresses and secrets handled as the agent's (its comments and layout are not kept)",
      ],
      [
        "info",
        "pc2-docker-compose.yml:12",
        expect.stringContaining(
          "worker reads the compose config worker_conf at /app/settings.json, from the file ./worker.json: it is its spec.config",
        ),
      ],
    ]);
  });

  it("gives /dev/shm the shared memory compose gave, in RAM, and refuses a size compose refuses", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  trainer: {image: acme/trainer:1, runtime: nvidia, shm_size: 2gb, tmpfs: [/tmp]}
  nccl: {image: acme/nccl:1, ipc: host}
  plain: {image: acme/plain:1}
`,
    });
    // Before, shm_size was dropped: a pod's /dev/shm is 64 MiB, and PyTorch's DataLoader workers die in it.
    expect(manifest(result, "trainer")?.spec.volumes).toEqual([
      { name: "tmp", mountPath: "/tmp", emptyDir: { medium: "Memory" } },
      { name: "dev-shm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
    ]);
    expect(manifest(result, "nccl")?.spec.volumes).toEqual([
      { name: "dev-shm", mountPath: "/dev/shm", emptyDir: { medium: "Memory" } },
    ]);
    expect(manifest(result, "plain")?.spec).not.toHaveProperty("volumes");
    expect(
      kinds(result.report.findings, "data-volume")
        .filter((f) => f.message.includes("shared memory"))
        .map((f) => [f.agents, f.source]),
    ).toEqual([
      [["trainer"], "pc2-docker-compose.yml:2"],
      [["nccl"], "pc2-docker-compose.yml:3"],
    ]);
    const refused = inputError(() =>
      run({ path: "pc2-docker-compose.yml", text: "services:\n  t: {image: acme/t:1, shm_size: lots}\n" }),
    );
    expect(refused.message).toMatch(
      /pc2-docker-compose\.yml:2:\d+: services\.t\.shm_size is "lots": compose takes a size/,
    );
  });

  it("gives a service the time to stop compose gave it, and says when it stopped on another signal", () => {
    const result = run({
      path: "docker-compose.yml",
      text: `services:
  memory-hub:
    image: acme/hub:1
    stop_grace_period: 1m30s
    stop_signal: INT
  archiver:
    image: acme/archiver:1
    stop_grace_period: 2h
  web:
    image: acme/web:1
    stop_signal: SIGTERM
`,
    });
    // Before, each got Kubernetes' 30 s, and memory-hub lost what it writes on its way out.
    expect(manifest(result, "memory-hub")?.spec.terminationGracePeriodSeconds).toBe(90);
    expect(manifest(result, "archiver")?.spec.terminationGracePeriodSeconds).toBe(3600);
    expect(manifest(result, "web")?.spec).not.toHaveProperty("terminationGracePeriodSeconds");
    expect(
      kinds(result.report.findings, "stopping").map((f) => [f.severity, f.agents, f.source, f.message.split(";")[0]]),
    ).toEqual([
      ["warning", ["memory-hub"], "docker-compose.yml:5", "memory-hub was stopped with SIGINT (stop_signal)"],
      ["info", ["archiver"], "docker-compose.yml:8", "archiver was given 7200 s to stop (stop_grace_period)"],
    ]);
  });

  it("says which of a service's process settings no pod carries, and what to do instead", () => {
    const result = run({
      path: "docker-compose.yml",
      text: `services:
  trainer:
    image: acme/trainer:1
    ulimits: {memlock: -1, stack: 67108864}
    sysctls: {net.core.somaxconn: 1024}
    extra_hosts: ["host.docker.internal:host-gateway", "nas.lan:192.168.1.40"]
    init: true
  web:
    image: acme/web:1
    extra_hosts: ["host.docker.internal:host-gateway"]
    init: false
`,
    });
    // Before, each was dropped without a word.
    expect(
      kinds(result.report.findings, "runtime-settings").map((f) => [
        f.agents,
        f.source,
        f.message.split(" not carried")[0],
      ]),
    ).toEqual([
      [["trainer"], "docker-compose.yml:4", "trainer's ulimits (memlock: -1, stack: 67108864) are"],
      [["trainer"], "docker-compose.yml:5", "trainer's sysctls (net.core.somaxconn: 1024) are"],
      [["trainer"], "docker-compose.yml:6", "trainer's extra_hosts (nas.lan:192.168.1.40) are"],
      [["trainer"], "docker-compose.yml:7", "trainer's init (true) is"],
    ]);
    expect(kinds(result.report.findings, "runtime-settings")[0]?.message).toContain("LimitMEMLOCK=infinity");
  });

  it("keeps a tmpfs in RAM, with the size its options give", () => {
    const result = run({
      path: "docker-compose.yml",
      text: `services:
  asr:
    image: acme/asr:1
    tmpfs: /tmp:mode=1777,size=512m
  tts:
    image: acme/tts:1
    tmpfs: [/run, "/cache:size=50%"]
  llm:
    image: acme/llm:1
    volumes:
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1073741824}}
      - {type: tmpfs, target: /dev/shm, tmpfs: {size: 2g}}
`,
    });
    // Before, each was an emptyDir on the node's disk: slower than the RAM compose gave, and unbounded.
    expect(manifest(result, "asr")?.spec.volumes).toEqual([
      { name: "tmp", mountPath: "/tmp", emptyDir: { medium: "Memory", sizeLimit: "512Mi" } },
    ]);
    // A share of the PC's memory is no size a pod can have.
    expect(manifest(result, "tts")?.spec.volumes).toEqual([
      { name: "run", mountPath: "/run", emptyDir: { medium: "Memory" } },
      { name: "cache", mountPath: "/cache", emptyDir: { medium: "Memory" } },
    ]);
    expect(manifest(result, "llm")?.spec.volumes).toEqual([
      { name: "scratch", mountPath: "/scratch", emptyDir: { medium: "Memory", sizeLimit: "1073741824" } },
      { name: "dev-shm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
    ]);
    const said = (agent: string) =>
      kinds(result.report.findings, "data-volume")
        .filter((f) => f.agents?.includes(agent))
        .map((f) => f.message);
    expect(said("asr")).toEqual([
      expect.stringContaining(
        "/tmp (tmpfs: /tmp:mode=1777,size=512m) becomes an emptyDir in RAM of 512Mi, which counts in the container's memory",
      ),
    ]);
    expect(said("tts")).toEqual([
      expect.stringContaining(
        "/cache (tmpfs: /cache:size=50%) becomes an emptyDir in RAM with no size (give it emptyDir.sizeLimit)",
      ),
    ]);
    expect(said("llm")).toEqual([
      expect.stringContaining("/scratch (type: tmpfs) becomes an emptyDir in RAM of 1073741824"),
      expect.stringContaining("shared memory (type: tmpfs) is an emptyDir in RAM at /dev/shm of 2Gi"),
    ]);
  });

  it("puts on a compose service's Service the port its own environment says it listens on, and not one it reaches", () => {
    const result = run({
      path: "pc2-docker-compose.yml",
      text: `services:
  proxy:
    build: ./proxy
    environment:
      TARGET_MFH_HOST: mfh
      TARGET_MFH_PORT: "5714"
      REDIS_URL: redis://redis:6379
      REDIS_PORT: "6379"
      PROXY_GRPC_PORT: "5715"
      METRICS_PORT: \${METRICS_PORT:-9100}
  mfh: {build: ./mfh, expose: ["5714"]}
  apc:
    build: ./apc
    environment: {MFH_PROXY_ADDR: "proxy:5715"}
`,
    });
    expect(manifest(result, "proxy")?.spec.ports).toEqual([
      { name: "tcp-5715", port: 5715, protocol: "TCP" },
      { name: "tcp-9100", port: 9100, protocol: "TCP" },
    ]);
    // What reaches it on that port depends on it, and its NetworkPolicy lets it in.
    expect(manifest(result, "apc")?.spec.dependencies).toEqual(["proxy"]);
    expect(result.report.findings.filter((f) => /has no port/.test(f.message))).toEqual([]);
  });

  it("estimates VRAM from the limits a config states", () => {
    const result = run({
      path: "m.yaml",
      text: "mainpc_agents:\n  - {name: LLM, script_path: l.py, port: 1, config: {vram_limit_mb: 9000, cuda_device: 'cuda:0'}}\n",
    });
    expect(manifest(result, "llm")?.spec.gpu).toEqual({
      class: "rtx-4090",
      vramMiB: 9000,
      fallbackClasses: ["rtx-3060"],
    });
  });

  it("runs every agent that names no image on the monorepo's image with --image, and writes its Dockerfile", () => {
    const files = [
      {
        path: "mainpc.yaml",
        text: "mainpc_agents:\n  - {name: LLM, script_path: llm/main.py, port: 1, config: {device: 'cuda:0', api_key: sk-123456}}\n  - {name: Router, script_path: router.py, port: 2}\n",
      },
    ];
    const result = importLegacy(files, {
      namespace: "agents",
      classes: defaultClasses,
      image: "registry.lan/cascade/agents:2.1",
    });
    expect(manifest(result, "router")?.spec.image).toBe("registry.lan/cascade/agents:2.1");
    expect(manifest(result, "llm")?.spec.image).toBe("registry.lan/cascade/agents:2.1-cuda");
    expect(manifest(result, "llm")?.spec.command).toEqual(["python", "llm/main.py"]);
    const dockerfile = result.files.get("Dockerfile") ?? "";
    expect(dockerfile).toMatch(/^FROM nvidia\/cuda:[^\s]+-runtime-[^\s]+ AS gpu$/m);
    expect(dockerfile).toMatch(/^FROM python:[^\s]+-slim AS cpu$/m);
    expect(dockerfile.match(/^USER 1000:1000$/gm)).toHaveLength(2);
    // Its home and caches where a read-only root lets it write: else a model download dies with
    // "Read-only file system: '/.cache'".
    expect(dockerfile.match(/^ENV HOME=\/tmp XDG_CACHE_HOME=\/tmp\/\.cache$/gm)).toHaveLength(2);
    expect(dockerfile).not.toContain("sk-123456");
    expect(result.files.get("Dockerfile.dockerignore")).toContain("**/.env");
    expect(result.report.findings.find((f) => f.kind === "image-set")?.message).toMatch(/^2 agents name no image/);
    expect(run(...files).files.has("Dockerfile")).toBe(false);
  });

  it("guesses an agent's image under the registry the other agents' images use, never a vendor's", () => {
    const startup = {
      path: "mainpc.yaml",
      text: "mainpc_agents:\n  - {name: Router, script_path: router.py, port: 2}\n  - {name: Planner, script_path: planner.py, port: 4}\n",
    };
    // pc2 runs its compose file: a log shipper on its vendor's image (fluent/, which no rule knows), and a worker.
    const pc2 = {
      path: "pc2-docker-compose.yml",
      text: 'services:\n  fluentd: {image: "fluent/fluentd:v1.16"}\n  worker: {build: ., expose: ["9000"]}\n',
    };
    const mainpc = (services: string) => ({ path: "mainpc-docker-compose.yml", text: `services:\n${services}` });
    const vendors = '  grafana: {image: "grafana/grafana:10.2.0"}\n';
    const withoutAgentImages = run(startup, pc2, mainpc(vendors));
    expect(manifest(withoutAgentImages, "router")?.spec.image).toBe("router:latest");
    expect(manifest(withoutAgentImages, "worker")?.spec.image).toBe("worker:latest");
    const guessed = run(
      startup,
      pc2,
      mainpc(
        `${vendors}  router: {image: "registry.lan/cascade/router:1.4"}\n  planner: {image: "registry.lan/cascade/planner:1.4"}\n`,
      ),
    );
    expect(manifest(guessed, "router")?.spec.image).toBe("registry.lan/cascade/router:1.4");
    expect(manifest(guessed, "worker")?.spec.image).toBe("registry.lan/cascade/worker:latest");
  });

  it("tells a GPU agent by any way its spec asks for a card, and not by one that watches cards", () => {
    const agents = [
      "{name: A, script_path: a.py, port: 1, requires_gpu: true}",
      "{name: B, script_path: b.py, port: 2, gpu_required: yes}",
      "{name: C, script_path: c.py, port: 3, resources: {limits: {nvidia.com/gpu: 1}}}",
      "{name: D, script_path: d.py, port: 4, config: {torch_device: 'cuda:1'}}",
      "{name: E, script_path: e.py, port: 5, config: {use_cuda: true}}",
      "{name: F, script_path: f.py, port: 6, config: {n_gpu_layers: -1}}",
      "{name: G, script_path: g.py, port: 7, config: {device: cpu, gpu_monitoring_enabled: true}}",
      "{name: H, script_path: h.py, port: 8, gpu: false, config: {n_gpu_layers: 0}}",
    ];
    const result = run({ path: "mainpc.yaml", text: `agents:\n${agents.map((a) => `  - ${a}\n`).join("")}` });
    // Before, only device, gpu, use_gpu and the like were read: A to F ran on CPU, outside every card's ledger.
    expect(result.report.agents.map((a) => [a.legacyName, a.gpuClass])).toEqual([
      ["A", "rtx-4090"],
      ["B", "rtx-4090"],
      ["C", "rtx-4090"],
      ["D", "rtx-4090"],
      ["E", "rtx-4090"],
      ["F", "rtx-4090"],
      ["G", null],
      ["H", null],
    ]);
    expect(manifest(result, "c")?.metadata.annotations["agentfleet.io/gpu-evidence"]).toBe(
      "resources.limits.nvidia.com/gpu: 1 (mainpc.yaml:4)",
    );
  });

  it("gives a GPU agent the other machine's class as a fallback, says how many gained one, and leaves it out on request", () => {
    const file = {
      path: "pc2.yaml",
      text: "pc2_services:\n  - {name: Vision, script_path: v.py, port: 1, config: {device: 'cuda:0'}}\n",
    };
    const result = run(file);
    expect(manifest(result, "vision")?.spec.gpu).toMatchObject({ class: "rtx-3060", fallbackClasses: ["rtx-4090"] });
    expect(result.report.findings.find((f) => f.kind === "fallback-added")?.message).toMatch(
      /^1 GPU agent gained a fallback class/,
    );
    const without = importLegacy([file], { namespace: "agents", classes: defaultClasses, fallback: false });
    expect(manifest(without, "vision")?.spec.gpu).not.toHaveProperty("fallbackClasses");
    expect(without.report.findings.some((f) => f.kind === "fallback-added")).toBe(false);
  });

  it("reads a list of agents at the top of a file, as JSON or YAML", () => {
    // Before, such a file passed as a startup config and gave no agent, without a word.
    const json = run({
      path: "pc2_agents.json",
      text: '[{"name": "TieredResponder", "script_path": "pc2_code/agents/tiered_responder.py", "port": 7100},\n {"name": "CacheManager", "script_path": "pc2_code/agents/cache_manager.py", "port": 7102}]\n',
    });
    expect(json.report.agents.map((a) => [a.legacyName, a.machine, a.ports])).toEqual([
      ["CacheManager", "pc2", [7102]],
      ["TieredResponder", "pc2", [7100]],
    ]);
    const yaml = run({ path: "agents.yaml", text: "- {name: Router, script_path: router.py, port: 7000}\n" });
    expect(manifest(yaml, "router")?.spec.ports).toEqual([{ name: "main", port: 7000, protocol: "TCP" }]);
  });

  it("reads a launcher's list of name, path, port and args, where args: {flag: value} is --flag value", () => {
    const result = run({
      path: "mainpc.yaml",
      text: `agents:
  - name: MemoryClient
    path: src/memory/memory_client.py
    port: 5577
    enabled: true
    args:
      orchestrator_port: 5576
      verbose: false
  - name: Worker
    path: src/worker.py
    port: 5578
    args: [--threads, "4"]
`,
    });
    expect(manifest(result, "memory-client")?.spec).toMatchObject({
      command: ["python", "src/memory/memory_client.py"],
      args: ["--orchestrator_port", "5576"],
    });
    expect(manifest(result, "worker")?.spec).toMatchObject({
      command: ["python", "src/worker.py"],
      args: ["--threads", "4"],
    });
  });

  it("reads a launcher's args given as one command line, and the ports its flags say it serves on", () => {
    const result = run(
      {
        path: "mainpc-process.yml",
        text: `apps:
  - name: stt-agent
    script: agents/stt.py
    interpreter: python3
    args: "--port 5700 --device 'cuda:0' --orchestrator-port 5576"
  - name: tts-agent
    script: agents/tts.py
    args: [--server.port, "5800", --metrics-port=9100]
    env: {STT_URL: "http://localhost:5700"}
  - name: cache-client
    script: agents/cache.py
    args: [--host, cache.lan, --port, "6400"]
`,
      },
      {
        path: "pc2-compose.yml",
        text: `services:
  llm:
    image: vllm/vllm-openai:v0.6.0
    command: --model Qwen/Qwen2.5-7B --host 0.0.0.0 --port \${LLM_PORT:-8000}
    runtime: nvidia
  ui:
    image: acme/ui:1
    environment: {LLM_URL: "http://llm:8000/v1"}
`,
      },
    );
    // Before, a command line as one string was dropped, and so the port it served on.
    expect(manifest(result, "stt-agent")?.spec).toMatchObject({
      args: ["--port", "5700", "--device", "cuda:0", "--orchestrator-port", "5576"],
      ports: [{ name: "port", port: 5700, protocol: "TCP" }],
      gpu: { class: "rtx-4090" },
    });
    expect(manifest(result, "stt-agent")?.metadata.annotations["agentfleet.io/gpu-evidence"]).toBe(
      "--device cuda:0 (mainpc-process.yml:5)",
    );
    expect(manifest(result, "tts-agent")?.spec).toMatchObject({
      ports: [
        { name: "port", port: 5800, protocol: "TCP" },
        { name: "metrics", port: 9100, protocol: "TCP" },
      ],
      env: [{ name: "STT_URL", value: "http://stt-agent:5700" }],
      dependencies: ["stt-agent"],
    });
    // A port beside a host it reaches is that host's.
    expect(manifest(result, "cache-client")?.spec).not.toHaveProperty("ports");
    // compose's network let ui reach llm on any port; a Service carries only those it names.
    expect(manifest(result, "llm")?.spec.ports).toEqual([{ name: "tcp-8000", port: 8000, protocol: "TCP" }]);
    expect(manifest(result, "ui")?.spec.dependencies).toEqual(["llm"]);
  });

  it("reads a Procfile's processes as agents, with the port foreman gives each in $PORT", () => {
    const result = run(
      {
        path: "deploy/mainpc/Procfile",
        text: `# foreman start
web: gunicorn app:app --bind 0.0.0.0:$PORT -w 1
stt: python agents/stt.py --port 5700 --redis redis://localhost:6379

tts: python agents/tts.py --listen \${PORT:-8000} --stt http://localhost:5700
`,
      },
      { path: "pc2-compose.yml", text: "services:\n  redis: {image: redis:7}\n" },
    );
    const agents = result.report.agents.filter((a) => a.source.startsWith("deploy/"));
    expect(agents.map((a) => [a.name, a.machine, a.ports, a.source]).sort()).toEqual([
      ["stt", "mainpc", [5700], "deploy/mainpc/Procfile:3"],
      ["tts", "mainpc", [5200], "deploy/mainpc/Procfile:5"],
      ["web", "mainpc", [5000], "deploy/mainpc/Procfile:2"],
    ]);
    // foreman's shell filled $PORT (5000, then 100 more per process); no shell runs a pod's command.
    expect(manifest(result, "web")?.spec).toMatchObject({
      command: ["gunicorn", "app:app", "--bind", "0.0.0.0:5000", "-w", "1"],
      env: [{ name: "PORT", value: "5000" }],
    });
    expect(manifest(result, "stt")?.spec).toMatchObject({
      command: ["python", "agents/stt.py", "--port", "5700", "--redis", "redis://redis:6379"],
      env: [{ name: "PORT", value: "5100" }],
      dependencies: ["redis"],
    });
    expect(manifest(result, "tts")?.spec).toMatchObject({
      command: ["python", "agents/tts.py", "--listen", "5200", "--stt", "http://stt:5700"],
      dependencies: ["stt"],
    });
    expect(inputError(() => run({ path: "Procfile.dev", text: "web: serve\nnot a process line\n" })).message).toBe(
      "Procfile.dev:2:1: a Procfile line is NAME: COMMAND, a process type's name (letters, digits, _ and -) and its command",
    );
  });

  it("reads a startup agent's health check as a block, an address on itself, or a path", () => {
    const result = run({
      path: "mainpc_startup.yaml",
      text: `agents:
  - {name: STT, script_path: stt.py, port: 5700, health_check: {port: 6700, path: /healthz, interval: 15s, retries: 5}}
  - {name: TTS, script_path: tts.py, port: 5800, health_url: "http://localhost:6800/ready"}
  - {name: LLM, script_path: llm.py, port: 5900, health_path: /v1/models}
  - {name: Hub, script_path: hub.py, port: 6000, health_check_port: 7000, health_endpoint: /status}
  - {name: Client, script_path: c.py, port: 6100, health_url: "http://registry.lan:8200/health"}
  - {name: Batch, script_path: b.py, port: 6200, health_check: {port: 6200, interval: 1000, retries: 0}}
`,
    });
    const probe = (name: string) => {
      const spec = manifest(result, name)?.spec as { ports?: { name: string; port: number }[]; healthCheck?: unknown };
      return [spec.ports?.map((p) => `${p.name}=${p.port}`), spec.healthCheck];
    };
    // Before, each of these was dropped: no health port on the Service, no probe.
    expect(probe("stt")).toEqual([
      ["main=5700", "health=6700"],
      { port: "health", path: "/healthz", periodSeconds: 15, failureThreshold: 5 },
    ]);
    expect(probe("tts")).toEqual([["main=5800", "health=6800"], { port: "health", path: "/ready" }]);
    expect(probe("llm")).toEqual([["main=5900"], { port: "main", path: "/v1/models" }]);
    expect(probe("hub")).toEqual([["main=6000", "health=7000"], { port: "health", path: "/status" }]);
    // An address of another host is what it checks there, not its own health.
    expect(probe("client")).toEqual([["main=6100"], undefined]);
    // Seconds as the block writes them, kept within what the API accepts: a check every 1000 s is
    // one every 300 s (the most it allows), and 0 retries is none stated; the import goes on.
    expect(probe("batch")).toEqual([["main=6200"], { port: "main", path: "/health", periodSeconds: 300 }]);
  });

  it("checks each agent as its launcher's health_checks did, and as long as compose's timeout let it answer", () => {
    const result = run(
      {
        path: "mainpc_startup.yaml",
        text: `global_settings:
  health_checks: {interval_seconds: 30, timeout_seconds: 10, retries: 3}
agents:
  - {name: STT, script_path: stt.py, port: 5700, health_check_port: 6700}
  - {name: LLM, script_path: llm.py, port: 5900, health_check: {port: 6900, interval: 5, timeout: 60}}
`,
      },
      {
        path: "pc2-docker-compose.yml",
        text: `services:
  vllm:
    image: vllm/vllm-openai:v0.9.0
    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:8000/health"], timeout: 30s}
`,
      },
    );
    const check = (name: string) => manifest(result, name)?.spec.healthCheck;
    // Before, every probe had 5 s to answer and ran every 10 s, whatever the launcher or compose said:
    // a busy model server failed them, and its liveness probe restarted it.
    expect(check("stt")).toEqual({ port: "health", path: "/health", periodSeconds: 30, timeoutSeconds: 10 });
    // Its own block wins; the file's fills in the rest.
    expect(check("llm")).toEqual({ port: "health", path: "/health", periodSeconds: 5, timeoutSeconds: 60 });
    expect(check("vllm")).toMatchObject({ timeoutSeconds: 30 });
  });

  it("starts an agent whose launcher did not wait for its dependencies without waiting for them", () => {
    const result = run({
      path: "pc2.yaml",
      text: `pc2_services:
  - {name: Hub, script_path: hub.py, port: 7100, dependencies: [Bus], startup: {order: 1, wait_for_dependencies: false}}
  - {name: Bus, script_path: bus.py, port: 7200}
  - {name: Worker, script_path: w.py, port: 7300, dependencies: [Bus], startup: {wait_for_dependencies: true}}
  - {name: Lone, script_path: l.py, port: 7400, wait_for_dependencies: false}
`,
    });
    // Before, Hub waited for Bus in the cluster, where its launcher had started it first.
    expect(manifest(result, "hub")?.spec).toMatchObject({ dependencies: ["bus"], startPolicy: "Immediately" });
    expect(manifest(result, "worker")?.spec).not.toHaveProperty("startPolicy");
    // With nothing to wait for, the default says the same.
    expect(manifest(result, "lone")?.spec).not.toHaveProperty("startPolicy");
  });

  it("reads a startup agent's own resources and replicas, and refuses a size it cannot read at its line", () => {
    const result = run({
      path: "mainpc.yaml",
      text: `agents:
  - {name: A, script_path: a.py, port: 1, resources: {cpu: 2, memory: 4g}}
  - {name: B, script_path: b.py, port: 2, resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}}
  - {name: C, script_path: c.py, port: 3, instances: 3}
`,
    });
    // Before, each was dropped: no requests for the scheduler, one pod where the launcher ran three.
    expect(manifest(result, "a")?.spec.resources).toEqual({ requests: { cpu: "2", memory: "4Gi" } });
    expect(manifest(result, "b")?.spec.resources).toEqual({
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { memory: "2Gi" },
    });
    expect(manifest(result, "c")?.spec.replicas).toBe(3);
    const refused = inputError(() =>
      run({
        path: "mainpc.yaml",
        text: "agents:\n  - {name: D, script_path: d.py, port: 4, resources: {memory: lots}}\n",
      }),
    );
    expect(refused.message).toBe('mainpc.yaml:2:63: resources.memory is "lots": give a size, such as 512Mi or 4Gi');
  });

  it("takes a host beside a port, with nothing that runs, for a setting and not an agent", () => {
    const result = run({
      path: "mainpc.yaml",
      text: `agent_groups:
  core:
    Orchestrator:
      script_path: orchestrator.py
      port: 7000
      config: {redis_host: localhost, redis_port: 6379}
phase1_config:
  redis_config:
    host: localhost
    port: 6379
`,
    });
    expect(result.report.agents.map((a) => a.name)).toEqual(["orchestrator"]);
    expect(manifest(result, "orchestrator")?.spec).toMatchObject({ config: { redis_host: "redis" } });
    expect(result.report.infrastructure).toMatchObject([{ name: "redis", kind: "Redis", neededBy: ["orchestrator"] }]);
  });

  it("takes a block named for infrastructure that runs nothing for its settings, and a group of that name for agents", () => {
    const result = run({
      path: "pc2.yaml",
      text: `nats:
  Bridge: {script_path: bridge.py, port: 5100}
prometheus:
  enabled: true
  port: 9090
  scrape_configs:
    - job_name: hub
`,
    });
    expect(result.report.agents.map((a) => a.name)).toEqual(["bridge"]);
    expect(kinds(result.report.findings, "infrastructure-settings")).toMatchObject([
      {
        severity: "info",
        source: "pc2.yaml:3",
        message: expect.stringMatching(/^prometheus configures Prometheus, which runs nothing of its own here/),
      },
    ]);
  });

  it("says the launcher's limits for every agent are not carried over, and what they would reserve", () => {
    const result = run({
      path: "mainpc.yaml",
      text: `global_settings:
  resource_limits: {cpu_percent: 80, memory_mb: 2048, max_threads: 4}
agent_groups:
  core:
    Router: {script_path: router.py, port: 7100}
    Planner: {script_path: planner.py, port: 7101}
    Memory: {script_path: memory.py, port: 7102}
`,
    });
    expect(manifest(result, "router")?.spec).not.toHaveProperty("resources");
    expect(kinds(result.report.findings, "resource-limits")).toMatchObject([
      {
        severity: "info",
        source: "mainpc.yaml:2",
        message:
          "global_settings.resource_limits (cpu_percent: 80, memory_mb: 2048, max_threads: 4) held each of the file's 3 agents to the same limits; they are not carried over: a Kubernetes limit with no request is also the request, so the agents would reserve it all between them (3 × 2048 MiB = 6 GiB). Set spec.resources per agent from what it uses (requests to reserve, limits to cap)",
      },
    ]);
  });

  it("keeps unicode names and values, and gives every name a DNS label", () => {
    const result = run({
      path: "pc2.yaml",
      text: "pc2_services:\n  - {name: Spracherkennung-Ü, script_path: ü.py, port: 1, config: {greeting: 'grüß dich 👋'}}\n",
    });
    expect(result.report.agents[0]).toMatchObject({ name: "spracherkennung-u", legacyName: "Spracherkennung-Ü" });
    expect(manifest(result, "spracherkennung-u")?.spec.config).toEqual({ greeting: "grüß dich 👋" });
  });
});

describe("unusable input", () => {
  it("names file, line and column of malformed YAML", () => {
    const err = inputError(() =>
      run({ path: "bad.yaml", text: "agent_groups:\n  core:\n    A: {port: 1\n  other: 2\n" }),
    );
    expect(err.message).toMatch(/^bad\.yaml:\d+:\d+: invalid YAML/);
    expect(err.location?.file).toBe("bad.yaml");
  });

  it("refuses a file whose aliases expand past any config, naming the alias, in a moment", () => {
    // Nine aliases nine deep: 387 million values from 700 bytes, as compose would copy them.
    const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [i, name] of [..."bcdefghi"].entries())
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`);
    expect(inputError(() => run({ path: "bomb.yaml", text: `${laughs.join("\n")}\n` })).message).toMatch(
      /^bomb\.yaml:6:\d+: the alias \*e here and those in it expand the file past 200,000 values, more than any config holds/,
    );
  });

  it("refuses a file nested deeper than the YAML reader follows, in words, not the runtime's", () => {
    const deep = `services:\n  a:\n    image: x:1\n    labels: ${"[".repeat(5000)}${"]".repeat(5000)}\n`;
    expect(inputError(() => run({ path: "deep.yaml", text: deep })).message).toMatch(
      /^deep\.yaml:4:\d+: invalid YAML: it nests lists or maps deeper than the YAML reader can follow/,
    );
  });

  it("refuses an empty file", () => {
    expect(inputError(() => run({ path: "mainpc.yaml", text: "\n  \n" })).message).toBe(
      "mainpc.yaml:1:1: the file is empty: it defines no agents",
    );
  });

  it("refuses a shape it does not know, saying what it expected", () => {
    expect(inputError(() => run({ path: "mainpc.yaml", text: "settings:\n  debug: true\n" })).message).toMatch(
      /^mainpc\.yaml:1:1: no agents found: expected a docker-compose file .* or a startup config/,
    );
  });

  it("names the files that a file only includes, to import instead", () => {
    const unified =
      "version: 3.0\ninclude:\n  - main_pc_code/config/startup_config.yaml\n  - pc2_code/config/startup_config.yaml\n";
    expect(inputError(() => run({ path: "startup_config.v3.yaml", text: unified })).message).toMatch(
      /^startup_config\.v3\.yaml:1:1: no agents found: this file only includes main_pc_code\/config\/startup_config\.yaml, pc2_code\/config\/startup_config\.yaml; import those files instead/,
    );
    const compose = "include:\n  - path: ./observability/compose.yaml\n";
    expect(inputError(() => run({ path: "docker-compose.yml", text: compose })).message).toMatch(
      /no agents found: this file only includes \.\/observability\/compose\.yaml; import those files instead/,
    );
  });

  it("imports a file of includes beside the files it includes, and names those not given", () => {
    const unified = {
      path: "config/startup_config.v3.yaml",
      text: "version: 3.0\ninclude:\n  - main_pc_code/config/startup_config.yaml\n  - pc2_code/config/startup_config.yaml\n",
    };
    const mainpc = {
      path: "/checkout/main_pc_code/config/startup_config.yaml",
      machine: "mainpc",
      text: "agents:\n  - {name: A, script_path: a.py, port: 7000}\n",
    };
    const pc2 = {
      path: "pc2_code/config/startup_config.yaml",
      machine: "pc2",
      text: "agents:\n  - {name: B, script_path: b.py, port: 7001}\n",
    };
    const one = run(unified, mainpc);
    expect(one.report.agents.map((a) => a.legacyName)).toEqual(["A"]);
    expect(kinds(one.report.findings, "included-file").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "warning",
        "config/startup_config.v3.yaml:1",
        "config/startup_config.v3.yaml includes pc2_code/config/startup_config.yaml, not among the files given: the agents it defines are not imported. Import it too",
      ],
    ]);
    const both = run(unified, mainpc, pc2);
    expect(both.report.agents.map((a) => a.legacyName)).toEqual(["A", "B"]);
    expect(kinds(both.report.findings, "included-file").map((f) => [f.severity, f.message])).toEqual([
      [
        "info",
        "config/startup_config.v3.yaml only includes main_pc_code/config/startup_config.yaml, pc2_code/config/startup_config.yaml, imported as given: nothing else in it is read",
      ],
    ]);
    // A compose file with services of its own and an include not given.
    const compose = run({
      path: "stack/docker-compose.yml",
      machine: "pc2",
      text: "include: [../observability/compose.yaml]\nservices:\n  hub: {image: 'hub:1'}\n",
    });
    expect(kinds(compose.report.findings, "included-file").map((f) => f.message)).toEqual([
      "stack/docker-compose.yml includes ../observability/compose.yaml, not among the files given: the agents it defines are not imported. Import it too",
    ]);
  });

  it("says a file that only groups agents by name defines none, and to import the files that do", () => {
    const groups =
      "# how agents are grouped into containers\npc2_core_services:\n  - HealthMonitor\n  - ResourceManager\n  - CacheManager\npc2_ai_services: [DreamWorldAgent]\n";
    expect(inputError(() => run({ path: "container_groups.yaml", text: groups })).message).toMatch(
      /^container_groups\.yaml:2:1: no agents found: this file only lists agents by name \(pc2_core_services: \[HealthMonitor, ResourceManager, …\]\), grouping agents other files define; import the startup configs that define them instead/,
    );
  });

  it("refuses a file of another format by what it is, not in the YAML reader's words", () => {
    const refused = (path: string, text: string) => inputError(() => run({ path, text })).message;
    const dockerfile =
      '# base\nFROM python:3.11-slim\nWORKDIR /app\nRUN pip install \\\n    numpy\nCMD ["python", "a.py"]\n';
    expect(refused("docker/stt/Dockerfile", dockerfile)).toMatch(
      /^docker\/stt\/Dockerfile:1:1: this is a Dockerfile, not a startup config or compose file: it builds an image rather than running an agent\. Import the compose file whose build: uses it/,
    );
    // Named like nothing in particular, it is told by its lines, at the first instruction.
    expect(refused("stt.build", dockerfile)).toMatch(/^stt\.build:2:1: this is a Dockerfile/);
    const env = "# shared\nREDIS_HOST=redis\nexport LOG_LEVEL=INFO\n";
    expect(refused("docker/shared/base.env", env)).toMatch(
      /^docker\/shared\/base\.env:1:1: this is an env file \(KEY=VALUE lines\), not a startup config or compose file: .*Import the compose file that reads it/,
    );
    expect(refused("settings", env)).toMatch(/^settings:2:1: this is an env file/);
    const toml = '[tool.black]\nline-length = 100\n\n[project]\nname = "agents"\n';
    expect(refused("pyproject.toml", toml)).toMatch(
      /^pyproject\.toml:1:1: this is TOML \(\[section\] and key = value lines\), not a startup config or compose file: .*spec\.config/,
    );
    expect(refused("agent_settings.yaml", `# tuning\n${toml}`)).toMatch(
      /^agent_settings\.yaml:2:1: this is INI or TOML \(\[section\] and key = value lines\)/,
    );
    // NATS's configuration reads as a YAML map; its name says what it is.
    expect(refused("docker/speech_gpu/nats-server.conf", "port: 4222\nhttp_port: 8222\n")).toMatch(
      /^docker\/speech_gpu\/nats-server\.conf:1:1: this is a program's own configuration \(\.conf\)/,
    );
    expect(refused("start_agents", "#!/usr/bin/env python3\nimport os\n")).toMatch(
      /^start_agents:1:1: this is a Python script, not a startup config or compose file: .*script_path/,
    );
    expect(refused("deploy.sh", "set -e\nkubectl apply -f x\n")).toMatch(/this is a shell script/);
    expect(refused("README.md", "# Agents\n\nservices: see below\n")).toMatch(/^README\.md:1:1: this is a document/);
    // JSON is YAML: a startup config written as JSON imports.
    const json = run({
      path: "registry.json",
      text: '{"pc2_services": [{"name": "A", "script_path": "a.py", "port": 7000}]}',
    });
    expect(json.report.agents.map((a) => a.legacyName)).toEqual(["A"]);
    // A YAML file that does not parse, and is no other format, still says where YAML broke.
    expect(refused("bad.yaml", "agents: [\n")).toMatch(/^bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it("says a file of groups that list their agents by name defines none, and that its groups' settings are not read", () => {
    const groups =
      "version: '2.0'\nglobal_settings: {restart_policy: unless-stopped}\nagent_groups:\n  core_infrastructure:\n    startup_priority: 1\n    resource_limits: {memory: 2Gi}\n    agents: [ServiceRegistry, SystemDigitalTwin, UnifiedSystemAgent]\n";
    expect(inputError(() => run({ path: "mainpc_docker_groups.yaml", text: groups })).message).toMatch(
      /^mainpc_docker_groups\.yaml:1:1: no agents found: this file only lists agents by name \(agent_groups\.core_infrastructure\.agents: \[ServiceRegistry, SystemDigitalTwin, …\]\), grouping agents other files define \(what it sets for each group, such as its order or limits, is not read\); import the startup configs that define them instead/,
    );
  });

  it("refuses Prometheus's configuration and rules, which Prometheus reads", () => {
    const config =
      "global: {scrape_interval: 15s}\nscrape_configs:\n  - job_name: agents\n    static_configs: [{targets: ['localhost:9100']}]\n";
    expect(inputError(() => run({ path: "monitoring/prometheus/prometheus.yml", text: config })).message).toMatch(
      /^monitoring\/prometheus\/prometheus\.yml:1:1: this is a Prometheus configuration \(scrape_configs:\), which Prometheus reads rather than defining agents: .*ServiceMonitor/,
    );
    const rules =
      "groups:\n  - name: agents\n    rules:\n      - alert: AgentDown\n        expr: up == 0\n        for: 1m\n";
    expect(inputError(() => run({ path: "monitoring/alerts.yaml", text: rules })).message).toMatch(
      /^monitoring\/alerts\.yaml:1:1: this is Prometheus rules \(groups: of rules with alert: or record:, and expr:\)/,
    );
  });

  it("names a merge conflict left in a file, with its lines, instead of the YAML reader's error", () => {
    const conflicted = [
      "agents:",
      "  - name: Router",
      "<<<<<<< Updated upstream",
      "    port: 7000",
      "=======",
      "    port: 7100",
      ">>>>>>> Stashed changes",
      "    script_path: router.py",
      "",
    ].join("\n");
    expect(inputError(() => run({ path: "mainpc.yaml", text: conflicted })).message).toBe(
      "mainpc.yaml:3:1: this file holds an unresolved merge conflict (<<<<<<< at line 3, ======= at line 5, >>>>>>> at line 7): resolve it, keeping the side that ran, and import it again",
    );
  });

  it("refuses a tool's report, an MCP servers configuration and an editor's settings", () => {
    const health =
      '{"timestamp": "2025-06-18T17:46:18", "summary": {"total_services": 30, "healthy": 1},\n "results": [{"Service Name": "TieredResponder", "Port": 7100, "Response": {"service": "t", "port": 7100}}]}\n';
    expect(inputError(() => run({ path: "pc2_healthcheck_results.json", text: health })).message).toMatch(
      /^pc2_healthcheck_results\.json:1:1: this is a report a tool wrote about the system \(timestamp, summary, results\), which records what it saw at one moment rather than defining what runs/,
    );
    const sums =
      '{"total_agents": 87, "section_counts": {"mainpc:core": 12}, "agents": {"A": {"port": 1, "file_path": "a.py"}}}';
    expect(inputError(() => run({ path: "agent_report.json", text: sums })).message).toMatch(
      /this is a report a tool wrote about the system \(total_agents, section_counts\)/,
    );
    const mcp =
      '{"mcpServers": {"github": {"command": "docker", "args": ["run", "-i", "ghcr.io/github/github-mcp-server"]}}}';
    expect(inputError(() => run({ path: "mcp_config.json", text: mcp })).message).toMatch(
      /^mcp_config\.json:1:1: this is an MCP servers configuration \(mcpServers: github\)/,
    );
    const terminals =
      '{"install": "apt-get install -y docker-ce", "terminals": [{"name": "Build", "command": "docker compose up"}]}';
    expect(inputError(() => run({ path: ".cursor/environment.json", text: terminals })).message).toMatch(
      /^\.cursor\/environment\.json:1:1: this is an editor's own settings \(\.cursor\/\)/,
    );
  });

  it("refuses a JSON Schema of the config, which names fields and no agent", () => {
    const schema =
      '$schema: "https://json-schema.org/draft/2020-12/schema"\ntype: object\nproperties:\n  agents:\n    properties:\n      script_path: {type: string}\n      port: {type: integer}\n';
    expect(inputError(() => run({ path: "agent_config.schema.yaml", text: schema })).message).toMatch(
      /^agent_config\.schema\.yaml:1:\d+: this is a JSON Schema \(\$schema\)/,
    );
  });

  it("names every file it cannot import at once, so that a checkout is mended in one go", () => {
    const err = inputError(() =>
      run(
        { path: ".github/workflows/ci.yml", text: "on: [push]\njobs:\n  t: {runs-on: ubuntu-latest, steps: []}\n" },
        { path: "mainpc.yaml", text: "agents:\n  - {name: A, script_path: a.py, port: 7000}\n" },
        { path: "bad.yaml", text: "agents: [\n" },
      ),
    );
    expect(err.message.split("\n")).toEqual([
      "2 of the files cannot be imported; mend them or leave them out:",
      expect.stringMatching(/^ {2}\.github\/workflows\/ci\.yml:1:1: this is a GitHub Actions workflow/),
      expect.stringMatching(/^ {2}bad\.yaml:\d+:\d+: invalid YAML: /),
    ]);
    // One file alone keeps its own location, for an editor to jump to.
    expect(inputError(() => run({ path: "bad.yaml", text: "agents: [\n" })).location?.file).toBe("bad.yaml");
  });

  it("refuses a CI pipeline, whose job services and step images are not agents", () => {
    const workflow = [
      "name: tests",
      "on: [push]",
      "jobs:",
      "  test:",
      "    runs-on: ubuntu-latest",
      "    services:",
      "      redis: {image: 'redis:7', ports: ['6379:6379']}",
      "    steps:",
      "      - uses: anchore/sbom-action@v0",
      "        with: {image: 'ghcr.io/acme/stt:1'}",
      "",
    ].join("\n");
    expect(inputError(() => run({ path: ".github/workflows/ci.yml", text: workflow })).message).toMatch(
      /^\.github\/workflows\/ci\.yml:1:1: this is a GitHub Actions workflow \(on:, jobs:\), which builds, tests or deploys the system rather than running its agents/,
    );
    const gitlab = "stages: [build]\nbuild-image:\n  stage: build\n  image: docker:27\n  script: [docker build .]\n";
    expect(inputError(() => run({ path: ".gitlab-ci.yml", text: gitlab })).message).toMatch(
      /this is a GitLab CI pipeline \(stages:, jobs with stage:\)/,
    );
    // A job kept apart, to be pasted into a workflow.
    const job = "name: regression\ngoss-tests:\n  runs-on: ubuntu-latest\n  steps:\n    - uses: actions/checkout@v4\n";
    expect(inputError(() => run({ path: "tests/ci_integration.yml", text: job })).message).toMatch(
      /^tests\/ci_integration\.yml:1:1: this is a GitHub Actions job \(goss-tests: runs-on:, steps:\)/,
    );
  });

  it("refuses a Goss test suite, whose services and ports are checks, not agents", () => {
    const goss =
      "# core services\ndocker:\n  service_registry: {running: true}\nport:\n  tcp:8001: {listening: true, ip: [0.0.0.0]}\n";
    expect(inputError(() => run({ path: "tests/goss/core_services.yaml", text: goss })).message).toMatch(
      /^tests\/goss\/core_services\.yaml:2:1: this is a Goss test suite \(port:, service:, process:…\), which checks a running system/,
    );
  });

  it("refuses Kubernetes objects, naming them, in one document or several", () => {
    const deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: uoc}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: uoc, image: 'uoc:1', ports: [{containerPort: 9000}]}\n";
    expect(inputError(() => run({ path: "k8s/uoc.yaml", text: deployment })).message).toMatch(
      /^k8s\/uoc\.yaml:1:1: this file holds Kubernetes objects \(Deployment uoc\), not a startup config or compose file: kubectl applies them as they are/,
    );
    const service = "---\napiVersion: v1\nkind: Service\nmetadata: {name: uoc}\nspec: {ports: [{port: 9000}]}\n";
    expect(inputError(() => run({ path: "k8s/uoc.yaml", text: `${deployment}${service}---\n` })).message).toMatch(
      /this file holds Kubernetes objects \(Deployment uoc, Service uoc\)/,
    );
  });

  it("refuses a file of several documents, saying where the second begins", () => {
    const text =
      "agents:\n  - {name: A, script_path: a.py, port: 7000}\n---\nagents:\n  - {name: B, script_path: b.py}\n";
    expect(inputError(() => run({ path: "mainpc.yaml", text })).message).toBe(
      "mainpc.yaml:4:1: this file holds 2 YAML documents (the second begins at line 4), not all of them compose's (compose reads a stream of its files in order); a startup config is one document: import each as a file of its own",
    );
    // A document marker at the start or the end alone is still one document.
    const one = "---\nagents:\n  - {name: A, script_path: a.py, port: 7000}\n---\n# the end\n";
    expect(run({ path: "mainpc.yaml", text: one }).report.agents.map((a) => a.legacyName)).toEqual(["A"]);
  });

  it("reads a compose file of several documents as compose does, each merged over those before", () => {
    const stream = [
      "# the stack, in one stream",
      "services:",
      "  hub: {image: 'cascade/hub:1', ports: ['7140:7140']}",
      "---",
      "services:",
      "  hub:",
      "    environment: {LOG_LEVEL: debug}",
      "  stt: {image: 'cascade/stt:1', depends_on: [hub], environment: {API_TOKEN: abcdef123}}",
      "---",
      "networks: {back: {internal: true}}",
      "",
    ].join("\n");
    const result = run({ path: "docker-compose.yml", machine: "pc2", text: stream });
    expect(result.report.agents.map((a) => [a.legacyName, a.source])).toEqual([
      ["hub", "docker-compose.yml:3"],
      ["stt", "docker-compose.yml:8"],
    ]);
    expect(manifest(result, "hub")?.spec.env).toEqual([{ name: "LOG_LEVEL", value: "debug" }]);
    expect(manifest(result, "stt")?.spec.dependencies).toEqual(["hub"]);
    // Each finding points at its line of the one file.
    expect(kinds(result.report.findings, "secret").map((f) => f.source)).toEqual(["docker-compose.yml:8"]);
    expect(kinds(result.report.findings, "network-internal").map((f) => f.source)).toEqual(["docker-compose.yml:10"]);
  });

  it("does not take a services: map of settings for compose's", () => {
    const policy =
      "version: 1\nservices:\n  stt:\n    strategy: local_first\n    providers: {local: [{name: whisper_local}]}\n  tts: {strategy: cloud_first}\n";
    expect(inputError(() => run({ path: "hybrid_policy.yaml", text: policy })).message).toMatch(
      /^hybrid_policy\.yaml:1:1: no agents found: the services: here \(stt, tts\) are not compose's, none having a key a compose service has/,
    );
    // One compose key (an override's ports) is enough, as is an empty service.
    const override = "services:\n  stt: {ports: ['5800:5800']}\n  tts: {strategy: x}\n";
    expect(run({ path: "docker-compose.override.yml", text: override }).report.agents.map((a) => a.legacyName)).toEqual(
      ["stt", "tts"],
    );
  });

  it("names file and line of a command whose quote is never closed", () => {
    const err = inputError(() =>
      run({
        path: "mainpc-docker-compose.yml",
        text: 'services:\n  api:\n    image: a:1\n    command: sh -c "python app.py --port 8000\n',
      }),
    );
    expect(err.message).toMatch(
      /^mainpc-docker-compose\.yml:4:\d+: cannot split this command into words .*: close the quote$/,
    );
  });

  it("refuses a machine with no GPU class", () => {
    expect(
      inputError(() => run({ path: "x.yaml", machine: "pc3", text: "l:\n  - {name: A, port: 1}\n" })).message,
    ).toMatch(/machine pc3 .* has no GPU class: add --class pc3=GPUCLASS/);
  });
});

describe("shapes that name no machine, or every machine", () => {
  it("assigns machines by profiles that list groups, and imports a group both machines run once per machine", () => {
    const result = run({
      path: "startup_config.yaml",
      text: `agent_groups:
  core_services:
    ServiceRegistry: {script_path: registry.py, port: 7200}
  gpu_intensive:
    LLM: {script_path: llm.py, port: 5000, config: {device: cuda, vram_limit_mb: 16000}}
  vision:
    Eyes: {script_path: eyes.py, port: 5100, config: {device: cuda}}
machine_profiles:
  mainpc:
    groups: [core_services, gpu_intensive]
  pc2:
    groups: [core_services, vision]
`,
    });
    expect(result.report.agents.map((a) => `${a.name}@${a.machine}:${a.gpuClass}`).sort()).toEqual([
      "eyes@pc2:rtx-3060",
      "llm@mainpc:rtx-4090",
      "service-registry-pc2@pc2:null",
      "service-registry@mainpc:null",
    ]);
    const both = kinds(result.report.findings, "on-every-machine");
    expect(both).toHaveLength(1);
    expect(both[0]?.message).toMatch(
      /ServiceRegistry \(group agent_groups\.core_services\) runs on mainpc and on pc2 by the machine profiles: it is imported once per machine, as service-registry \(mainpc\) and service-registry-pc2 \(pc2\)/,
    );
    expect(kinds(result.report.findings, "duplicate-agent")).toEqual([]);
  });

  it("imports a compose file that names no machine: GPU agents get the class that fits their VRAM, the others as fallbacks", () => {
    const result = run({
      path: "docker-compose.yml",
      text: `services:
  small-tts:
    image: cascade/tts:1
    runtime: nvidia
  big-llm:
    image: cascade/llm:1
    runtime: nvidia
  web:
    image: cascade/web:1
`,
    });
    expect(result.report.agents.map((a) => `${a.name}@${a.machine || "-"}:${a.gpuClass}`).sort()).toEqual([
      "big-llm@-:rtx-3060",
      "small-tts@-:rtx-3060",
      "web@-:null",
    ]);
    expect(manifest(result, "small-tts")?.spec.gpu).toEqual({
      class: "rtx-3060",
      vramMiB: 2048,
      fallbackClasses: ["rtx-4090"],
    });
    const note = kinds(result.report.findings, "machine-unknown");
    expect(note).toHaveLength(1);
    expect(note[0]?.message).toMatch(/3 agents come from files that name no machine \(docker-compose\.yml\)/);
    expect(note[0]?.message).toMatch(/big-llm 2048 MiB → rtx-3060.*mainpc=FILE/);
    // MACHINE=FILE still pins it.
    const pinned = run({
      path: "docker-compose.yml",
      machine: "mainpc",
      text: "services:\n  llm: {image: l:1, runtime: nvidia}\n",
    });
    expect(manifest(pinned, "llm")?.spec.gpu).toMatchObject({ class: "rtx-4090", fallbackClasses: ["rtx-3060"] });
  });

  it("chooses the large card for a need only it holds, and a startup config with no machine imports too", () => {
    const result = run({
      path: "agents.yaml",
      text: "list:\n  - {name: Big, port: 1, config: {device: cuda, vram_limit_mb: 16000}}\n  - {name: Plain, port: 2}\n",
    });
    expect(manifest(result, "big")?.spec.gpu).toEqual({
      class: "rtx-4090",
      vramMiB: 16000,
      fallbackClasses: ["rtx-3060"],
    });
    expect(manifest(result, "plain")?.spec.gpu).toBeUndefined();
  });

  it("still refuses a file that is not a config at all", () => {
    expect(inputError(() => run({ path: "notes.yaml", text: "title: my notes\nitems: [a, b]\n" })).message).toMatch(
      /no agents found/,
    );
  });
});

describe("findings", () => {
  const mainpc = (text: string) => ({ path: "mainpc.yaml", text });
  const pc2 = (text: string) => ({ path: "pc2.yaml", text });

  it("port-conflict: two agents on one machine, counting health and config ports", () => {
    const { report } = run(
      mainpc("g:\n  A: {port: 5000, health_check_port: 6000}\n  B: {port: 5001, config: {metrics_port: 6000}}\n"),
    );
    const [conflict] = kinds(report.findings, "port-conflict");
    expect(conflict).toEqual({
      kind: "port-conflict",
      severity: "warning",
      machine: "mainpc",
      port: 6000,
      agents: ["A", "B"],
      message: expect.stringContaining(
        "port 6000 on mainpc is taken by A (health, mainpc.yaml:2) and by B (config metrics_port, mainpc.yaml:3)",
      ),
      source: "mainpc.yaml:3",
    });
  });

  it("port-conflict: an agent whose port is also one of its config ports", () => {
    const { report } = run(mainpc("g:\n  Hub: {port: 5713, config: {zmq_port: 5713}}\n"));
    expect(kinds(report.findings, "port-conflict")[0]).toMatchObject({ severity: "info", agents: ["Hub"], port: 5713 });
  });

  it("port-conflict: a host port published twice", () => {
    const { report } = run(
      pc2("services:\n  a: {image: x, ports: ['9090:9090']}\n  b: {image: y, ports: ['9090:80']}\n"),
    );
    expect(kinds(report.findings, "port-conflict")[0]?.message).toMatch(/cannot publish one host port twice/);
  });

  it("port-conflict: a number is taken once per protocol", () => {
    const { report } = run(
      pc2(
        "services:\n  sip: {image: x, ports: ['5060:5060/udp']}\n  web: {image: y, ports: ['5060:5060']}\n  rtp: {image: z, ports: ['5060:6000/udp']}\n",
      ),
    );
    // Before, web's TCP 5060 was said to collide with them too.
    expect(kinds(report.findings, "port-conflict").map((f) => [f.agents, f.message.split(" is taken")[0]])).toEqual([
      [["rtp", "sip"], "UDP port 5060 on pc2"],
    ]);
  });

  it("dependency-cycle", () => {
    const { report } = run(
      mainpc(
        "g:\n  A: {port: 1, dependencies: [B]}\n  B: {port: 2, dependencies: [C]}\n  C: {port: 3, dependencies: [A]}\n  D: {port: 4, dependencies: [A]}\n",
      ),
    );
    const cycles = kinds(report.findings, "dependency-cycle");
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.agents.sort()).toEqual(["A", "B", "C"]);
  });

  it("dependency-cycle: one that an address closes, as the manifests carry it, says which address", () => {
    const { report, files } = run(
      mainpc(`g:
  Hub: {script_path: hub.py, port: 7000, config: {bus_endpoint: "tcp://localhost:7100"}}
  Bus: {script_path: bus.py, port: 7100, dependencies: [Hub]}
`),
    );
    expect(parse(files.get("hub.yaml") ?? "").spec.dependencies).toEqual(["bus"]);
    expect(kinds(report.findings, "dependency-cycle").map((f) => f.message)).toEqual([
      expect.stringContaining("depend on each other (Hub depends on Bus because it reaches its address)"),
    ]);
  });

  it("missing-dependency, and why when a comment decommissioned it", () => {
    const { report } = run(
      mainpc(
        "g:\n  A: {port: 1, dependencies: [Ghost, Old]}\n  # DECOMMISSIONED: replaced by A\n  # Old:\n  #   port: 2\n",
      ),
    );
    const missing = kinds(report.findings, "missing-dependency");
    expect(missing.map((f) => f.severity)).toEqual(["blocker", "blocker"]);
    expect(missing.map((f) => f.message).join("\n")).toMatch(
      /Ghost, which no file defines[\s\S]*Old, which mainpc\.yaml:4 decommissioned \(DECOMMISSIONED: replaced by A\)/,
    );
  });

  it("cross-machine-dependency", () => {
    const { report } = run(
      mainpc("g:\n  TTS: {port: 1}\n"),
      pc2("pc2_services:\n  - {name: Relay, port: 2, dependencies: [TTS]}\n"),
    );
    expect(kinds(report.findings, "cross-machine-dependency")[0]).toMatchObject({
      machine: "pc2",
      agents: ["Relay", "TTS"],
      source: "pc2.yaml:2",
    });
    expect(report.agents.find((a) => a.name === "relay")?.dependencies).toEqual(["tts"]);
  });

  it("duplicate-agent: twice in one file, and on both machines", () => {
    const { report } = run(
      mainpc("a:\n  Hub: {port: 1}\nb:\n  Hub: {port: 2}\n"),
      pc2("pc2_services:\n  - {name: Hub, port: 3}\n"),
    );
    const dups = kinds(report.findings, "duplicate-agent");
    expect(dups.map((f) => f.message).join("\n")).toMatch(
      /defined twice in mainpc\.yaml \(lines 2 and 4\)[\s\S]*defined on mainpc .* and on pc2/,
    );
    expect(report.agents.map((a) => `${a.name}:${a.ports}`)).toEqual(["hub:2", "hub-pc2:3"]);
  });

  it("duplicate-agent: a machine's suffix that makes another agent's name numbers it, and no manifest is written over", () => {
    const { report, files } = run(
      mainpc("agents:\n  Hub: {script_path: hub.py, port: 1}\n"),
      pc2("agents:\n  Hub: {script_path: hub.py, port: 2}\n  Hub_PC2: {script_path: hub2.py, port: 3}\n"),
    );
    expect(report.agents.map((a) => `${a.name}:${a.ports}`).sort()).toEqual(["hub-pc2-2:2", "hub-pc2:3", "hub:1"]);
    expect([...files.keys()].filter((f) => f.startsWith("hub")).sort()).toEqual([
      "hub-pc2-2.yaml",
      "hub-pc2.yaml",
      "hub.yaml",
    ]);
    expect(kinds(report.findings, "duplicate-agent").map((f) => [f.severity, f.message])).toContainEqual([
      "warning",
      "Hub on pc2 would be named hub-pc2, which Hub_PC2 (pc2.yaml:3) is named: it is imported as hub-pc2-2. If they are one agent, delete one; if not, rename one in its file",
    ]);
  });

  it("duplicate-agent: a PC's agent keeps the plain name beside the same agent of a file that names no machine", () => {
    const { report } = run(
      { path: "startup_config.yaml", text: "agents:\n  Hub: {script_path: hub.py, port: 1}\n" },
      pc2("agents:\n  Hub: {script_path: hub.py, port: 2}\n"),
    );
    expect(report.agents.map((a) => `${a.name}:${a.machine ?? ""}:${a.ports}`)).toEqual([
      "hub:pc2:2",
      "hub-unassigned::1",
    ]);
  });

  it("duplicate-agent: one machine's agent in two of its files is imported once, the one with something to run", () => {
    const services = pc2("enabled: true\nCache: {enabled: true, port: 7102, description: connection details}\n");
    const config = {
      path: "pc2_startup_config.yaml",
      text: "pc2_services:\n  - {name: Cache, script_path: cache.py, port: 7102}\n",
    };
    for (const files of [
      [services, config],
      [config, services],
    ]) {
      const { report, files: written } = run(...files);
      expect(report.agents.map((a) => `${a.name}@${a.machine}`)).toEqual(["cache@pc2"]);
      expect(written.get("cache.yaml")).toContain("cache.py");
      expect(kinds(report.findings, "duplicate-agent").map((f) => f.message)).toEqual([
        expect.stringMatching(
          /^Cache is defined for pc2 in two files \(.*\); the one at pc2_startup_config\.yaml:2 is imported \(it has something to run\)$/,
        ),
      ]);
    }
  });

  it("duplicate-agent: a compose service of one machine in several of its files is one agent, not files written over", () => {
    // Each stack's compose file ran a redis of its own; three were named redis-unassigned, two lost.
    const stack = (agent: string) => ({
      path: `docker/${agent}/docker-compose.yml`,
      text: `services:
  redis:
    image: redis:7
  ${agent}:
    image: cascade/${agent}:1
    environment: {REDIS_URL: "redis://redis:6379"}
`,
    });
    const { report, files } = run(stack("speech"), stack("vision"), stack("memory"));
    expect(report.agents.map((a) => a.name).sort()).toEqual(["memory", "redis", "speech", "vision"]);
    expect([...files.keys()].filter((f) => f.startsWith("redis"))).toEqual(["redis.yaml"]);
    expect(kinds(report.findings, "duplicate-agent").map((f) => f.message)).toEqual([
      "redis is defined for an unnamed machine in 3 files (docker/speech/docker-compose.yml:2, docker/vision/docker-compose.yml:2 and docker/memory/docker-compose.yml:2); the one at docker/memory/docker-compose.yml:2 is imported (the later one)",
    ]);
    for (const agent of ["speech", "vision", "memory"]) {
      expect(manifest({ report, files } as ReturnType<typeof run>, agent)?.spec).toMatchObject({
        env: [{ name: "REDIS_URL", value: "redis://redis:6379" }],
        dependencies: ["redis"],
      });
    }
  });

  it("duplicate-agent: services of one name and different container names are containers of their own, each reached as before", () => {
    // Two stacks each ran a redis and a nats of their own, named by container_name; the other
    // stack's files reach them by those names, their own file by the service's name too.
    const stack = (agent: string) => ({
      path: `docker/${agent}/docker-compose.yml`,
      text: `services:
  redis:
    image: redis:7
    container_name: redis_${agent}
  nats:
    image: nats:2.10
    container_name: nats_${agent}
  ${agent}:
    image: cascade/${agent}:1
    depends_on: [redis, nats]
    environment: {REDIS_URL: "redis://redis_${agent}:6379", NATS_URL: "nats://nats:4222"}
`,
    });
    // An override of the speech stack's redis, beside its file: compose merges it into that one.
    const override = {
      path: "docker/speech/docker-compose.override.yml",
      text: "services:\n  redis:\n    environment: {REDIS_ARGS: --maxmemory 256mb}\n",
    };
    const result = run(stack("speech"), stack("vision"), override);
    expect(manifest(result, "redis-speech")?.spec.env).toEqual([{ name: "REDIS_ARGS", value: "--maxmemory 256mb" }]);
    expect(manifest(result, "redis-vision")?.spec.env).toBeUndefined();
    expect(result.report.agents.map((a) => a.name).sort()).toEqual([
      "nats-speech",
      "nats-vision",
      "redis-speech",
      "redis-vision",
      "speech",
      "vision",
    ]);
    for (const agent of ["speech", "vision"]) {
      expect(manifest(result, agent)?.spec).toMatchObject({
        env: [
          { name: "REDIS_URL", value: `redis://redis-${agent}:6379` },
          { name: "NATS_URL", value: `nats://nats-${agent}:4222` },
        ],
        dependencies: [`redis-${agent}`, `nats-${agent}`],
      });
      expect(manifest(result, `redis-${agent}`)?.metadata.annotations["agentfleet.io/legacy-name"]).toBe(
        `redis_${agent}`,
      );
    }
    const duplicates = kinds(result.report.findings, "duplicate-agent");
    expect(duplicates.map((f) => [f.severity, f.message])).toEqual([
      [
        "info",
        "redis at docker/speech/docker-compose.override.yml:2 has no image or build of its own: it adds to redis at docker/speech/docker-compose.yml:2, and is merged into it as compose merges an override file (its environment, ports, volumes and dependencies added, what it sets again replaced)",
      ],
      [
        "info",
        "redis is defined for an unnamed machine in 2 files as 2 containers of their own (redis_speech at docker/speech/docker-compose.yml:2 and redis_vision at docker/vision/docker-compose.yml:2): each is imported under its container's name, which other files reach it by, and its own file's addresses of redis reach it. If one is enough, delete the others and point their addresses at it",
      ],
      [
        "info",
        expect.stringMatching(/^nats is defined for an unnamed machine in 2 files as 2 containers of their own/),
      ],
    ]);
    // Never a word that no file defines what a file does define.
    expect(kinds(result.report.findings, "hardcoded-address")).toEqual([]);
    expect(kinds(result.report.findings, "missing-dependency")).toEqual([]);
  });

  it("duplicate-agent: a name several stacks' containers had reaches the Service of that very name from another file", () => {
    const redis = (file: string, container?: string) => ({
      path: file,
      text: `services:\n  redis:\n    image: redis:7\n${container ? `    container_name: ${container}\n` : ""}`,
    });
    const caller = {
      path: "docker/caller/docker-compose.yml",
      text: "services:\n  caller:\n    image: cascade/caller:1\n    environment: {REDIS_URL: 'redis://redis:6379'}\n",
    };
    const result = run(
      redis("a/docker-compose.yml", "redis_a"),
      redis("b/docker-compose.yml"),
      redis("c/docker-compose.yml", "redis_c"),
      caller,
    );
    expect(result.report.agents.map((a) => a.name).sort()).toEqual(["caller", "redis", "redis-a", "redis-c"]);
    // In a pod, redis is the Service named redis: the caller depends on it, so its NetworkPolicy lets it in.
    expect(manifest(result, "caller")?.spec).toMatchObject({
      env: [{ name: "REDIS_URL", value: "redis://redis:6379" }],
      dependencies: ["redis"],
    });
    expect(kinds(result.report.findings, "hardcoded-address")).toEqual([]);
  });

  it("duplicate-agent: a container name given once, beside the same service without one, is one container", () => {
    const base = {
      path: "docker-compose.yml",
      text: "services:\n  redis:\n    image: redis:7\n    container_name: redis_main\n",
    };
    const again = { path: "stack/docker-compose.yml", text: "services:\n  redis:\n    image: redis:7.2\n" };
    const { report } = run(base, again);
    expect(report.agents.map((a) => a.name)).toEqual(["redis"]);
    expect(kinds(report.findings, "duplicate-agent").map((f) => f.severity)).toEqual(["warning"]);
  });

  it("duplicate-agent: an override file's service is merged into its base as compose merges it, and what it adds is reached", () => {
    // The base defines the proxy without the port its clients reach; the machine's override
    // publishes it, sets its environment and adds a dependency.
    const base = {
      path: "docker-compose.dist.yaml",
      machine: "mainpc",
      text: `services:
  proxy:
    build: ./proxy
    environment: {TARGET_HOST: hub, CACHE_TTL_SEC: "60"}
    volumes: ["cache:/var/cache/proxy"]
  hub:
    image: cascade/hub:1
    ports: ["5714:5714"]
  client:
    image: cascade/client:1
    environment: {PROXY_ADDR: "proxy:5715"}
  store:
    image: cascade/store:1
`,
    };
    const override = {
      path: "docker-compose.mainpc.override.yaml",
      text: `services:
  proxy:
    environment: {CACHE_TTL_SEC: "120", PROXY_GRPC_PORT: "5715"}
    ports: ["5715:5715"]
    depends_on: [store]
`,
    };
    const result = run(base, override);
    expect(result.report.agents.map((a) => a.name).sort()).toEqual(["client", "hub", "proxy", "store"]);
    expect(manifest(result, "proxy")?.spec).toMatchObject({
      ports: [{ port: 5715 }],
      env: [
        { name: "TARGET_HOST", value: "hub" },
        { name: "CACHE_TTL_SEC", value: "120" },
        { name: "PROXY_GRPC_PORT", value: "5715" },
      ],
      volumes: [{ mountPath: "/var/cache/proxy" }],
      // Its own dependency added; hub, which TARGET_HOST reaches, too.
      dependencies: ["store", "hub"],
    });
    // The client's address now reaches a port the proxy's Service has.
    expect(kinds(result.report.findings, "hardcoded-address")).toEqual([]);
    expect(manifest(result, "client")?.spec).toMatchObject({ dependencies: ["proxy"] });
    expect(kinds(result.report.findings, "duplicate-agent").map((f) => [f.severity, f.source])).toEqual([
      ["info", "docker-compose.mainpc.override.yaml:2"],
    ]);
  });

  it("duplicate-agent: an override's !reset and !override replace what the base gave, as compose 2.24 does", () => {
    const result = run(
      {
        path: "stack/docker-compose.yml",
        text: `services:
  web:
    image: acme/web:1
    command: [serve, --debug]
    ports: ["8080:80"]
    environment: {A: "1", B: "2"}
    volumes: [data:/data]
    depends_on: [cache]
    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:80/health"]}
  cache: {image: redis:7}
`,
      },
      {
        path: "stack/docker-compose.override.yml",
        text: `services:
  web:
    command: !reset null
    ports: !reset []
    environment: !override {C: "3"}
    volumes: !reset []
    depends_on: !reset []
    healthcheck: !reset {}
`,
      },
    );
    const spec = manifest(result, "web")?.spec;
    // Before, the tags were not read and each list was merged: the base's ports, A and B, the volume.
    expect(spec?.env).toEqual([{ name: "C", value: "3" }]);
    for (const dropped of ["args", "ports", "volumes", "dependencies", "healthCheck"]) {
      expect(spec).not.toHaveProperty(dropped);
    }
  });

  it("image-guessed: an override file given without the file it overrides says so; one that sets a startup agent's environment does not", () => {
    const override = {
      path: "docker-compose.mainpc.override.yaml",
      text: "services:\n  proxy:\n    ports: ['5715:5715']\n  hub:\n    environment: {LOG_LEVEL: debug}\n",
    };
    const alone = kinds(run(override).report.findings, "image-guessed").filter((f) => f.severity === "warning");
    expect(alone.map((f) => [f.source, f.message])).toEqual([
      [
        "docker-compose.mainpc.override.yaml:2",
        "proxy, hub in docker-compose.mainpc.override.yaml have neither an image nor a build: settings for services that another file defines, as an override file gives, and no file given defines them for mainpc. Import the file they override with it, as compose read them together (MACHINE=FILE if that file names no machine)",
      ],
    ]);
    const startup = {
      path: "mainpc_startup_config.yaml",
      text: "agents:\n  Hub: {script_path: agents/hub.py, port: 7100}\n  Proxy: {script_path: agents/proxy.py, port: 5715}\n",
    };
    const { report, files } = run(startup, override);
    expect(kinds(report.findings, "image-guessed").filter((f) => f.severity === "warning")).toEqual([]);
    expect(manifest({ report, files } as ReturnType<typeof run>, "hub")?.spec).toMatchObject({
      env: [{ name: "LOG_LEVEL", value: "debug" }],
    });
  });

  it("decommissioned-agent, with the comment's reason", () => {
    const { report } = run(
      mainpc("g:\n  A: {port: 1}\n  # Retired in 2024: merged into A\n  # B:\n  #   script_path: b.py\n"),
    );
    expect(kinds(report.findings, "decommissioned-agent")[0]).toMatchObject({ agents: ["B"], source: "mainpc.yaml:4" });
    expect(kinds(report.findings, "decommissioned-agent")[0]?.message).toContain("Retired in 2024: merged into A");
  });

  it("secret: literal tokens and passwords, and defaults such as ${X:-admin}; never the value in a manifest", () => {
    const result = run(
      mainpc(`g:
  A:
    port: 1
    env: {API_KEY: sk-abcdefghijklmnop1234, DB_PASSWORD: "\${DB_PASSWORD:-admin}", OPENAI_KEY_ENV: OPENAI_API_KEY, TOKEN: "\${TOKEN}"}
    config: {auth_token: hunter2hunter2, other: fine}
`),
    );
    const secrets = kinds(result.report.findings, "secret");
    expect(secrets.map((f) => f.message.split(" (")[0]).sort()).toEqual([
      "A holds a secret in API_KEY",
      "A holds a secret in DB_PASSWORD",
      "A holds a secret in auth_token",
    ]);
    const text = result.files.get("a.yaml") ?? "";
    expect(text).not.toMatch(/sk-abcdefghijklmnop1234|hunter2|admin/);
    expect(manifest(result, "a")?.spec.secretEnv).toEqual([
      { name: "API_KEY", secretName: "legacy-secrets", key: "a.API_KEY" },
      { name: "DB_PASSWORD", secretName: "legacy-secrets", key: "a.DB_PASSWORD" },
      { name: "AUTH_TOKEN", secretName: "legacy-secrets", key: "a.auth_token" },
    ]);
  });

  it("secret: one in the global environment is taken by reference in every agent's manifest, and reported once", () => {
    const result = run(
      mainpc(`global_settings:
  environment: {OPENAI_API_KEY: sk-abcdefghijklmnopqrstuvwxyz123456, DB_URL: "postgres://u:hunter2@localhost:5432/db"}
g:
  A: {script_path: a.py, port: 5001}
  B: {script_path: b.py, port: 5002}
`),
    );
    for (const name of ["a", "b"]) {
      expect(result.files.get(`${name}.yaml`)).not.toMatch(/sk-abcdefghijklmnopqrstuvwxyz123456|hunter2/);
      expect(manifest(result, name)?.spec.secretEnv).toEqual([
        { name: "OPENAI_API_KEY", secretName: "legacy-secrets", key: `${name}.OPENAI_API_KEY` },
      ]);
    }
    // What the Secret must hold, key by key, and where the files wrote each value.
    expect(result.report.secrets).toEqual([
      { secret: "legacy-secrets", key: "a.OPENAI_API_KEY", env: "OPENAI_API_KEY", agent: "a", source: "mainpc.yaml:2" },
      { secret: "legacy-secrets", key: "b.OPENAI_API_KEY", env: "OPENAI_API_KEY", agent: "b", source: "mainpc.yaml:2" },
    ]);
    expect(textReport(result.report, "")).toContain(
      "  kubectl create secret generic legacy-secrets -n agents \\\n    --from-literal=a.OPENAI_API_KEY='…' \\\n    --from-literal=b.OPENAI_API_KEY='…'\n",
    );
    expect(kinds(result.report.findings, "secret").map((f) => [f.source, f.agents, f.message.split(". ")[0]])).toEqual([
      ["mainpc.yaml:2", ["A", "B"], "2 agents (A, B) hold a secret in OPENAI_API_KEY (a literal value)"],
      [
        "mainpc.yaml:2",
        ["A", "B"],
        "2 agents (A, B) held a URL with a password in env.DB_URL; the manifests leave the password out",
      ],
    ]);
  });

  it("secret: one a file holds outside every agent is a warning too, without its value", () => {
    const { report, files } = run({
      path: "orb.config.yaml",
      text: [
        "local_agents:",
        "  - {name: web_agent, script: web_agent.py, config: {use_auth_token: true, api_key: sk-abcdefghijklmnopqrstuvwxyz123456}}",
        "pc2:",
        "  host: 192.168.1.2",
        "  username: someone",
        "  password: Hunter2hunter",
        "  port: 22",
        "redis_config: {host: redis, port: 6379, auth_key: '${REDIS_AUTH:-changeme}', password_file: /run/secrets/redis}",
        "",
      ].join("\n"),
    });
    expect(kinds(report.findings, "secret").map((f) => [f.source, f.agents, f.message])).toEqual([
      [
        "orb.config.yaml:2",
        ["web_agent"],
        expect.stringMatching(/^web_agent holds a secret in api_key \(a literal value\)\./),
      ],
      [
        "orb.config.yaml:6",
        [],
        "orb.config.yaml holds 2 secrets outside any agent (pc2.password at line 6, a literal value; redis_config.auth_key at line 8, the default of ${REDIS_AUTH}): no manifest takes them, but the file, and any repository or backup it is in, still hold them. Move them out of the file into a Secret where they are used, and rotate them",
      ],
    ]);
    expect([...files.values()].join("\n")).not.toMatch(/Hunter2hunter|changeme/);
  });

  it("network-internal: services that could reach nothing outside their network are told their egress is open", () => {
    const { report } = run(
      pc2(
        "services:\n  vault:\n    image: vault:1\n    networks: [secure]\n  keeper:\n    image: keeper:1\n    networks: {secure: {aliases: [k]}, default: {}}\n  web:\n    image: web:1\nnetworks:\n  secure: {internal: true}\n  default: {}\n",
      ),
    );
    expect(kinds(report.findings, "network-internal").map((f) => [f.severity, f.source, f.agents, f.message])).toEqual([
      [
        "warning",
        "pc2.yaml:11",
        ["vault", "keeper"],
        "compose network secure was internal: the services on it (vault, keeper) could reach nothing outside it. But in the cluster, egress stays open: AgentFleet's NetworkPolicies say who may connect to an agent, not where it may connect. Add an egress NetworkPolicy for them if they must stay in",
      ],
    ]);
  });

  it("compose-extends: a service takes its base's definition and adds its own, as compose merges them", () => {
    const compose = `services:
  gpu-python:
    image: cascade/python-cuda:1
    environment: {LOG_LEVEL: info, REDIS_URL: "redis://redis:6379/0"}
    deploy: {resources: {reservations: {devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]}}}
    volumes: ["models:/models"]
    container_name: gpu-python
  stt:
    extends: gpu-python
    command: python stt.py
    environment: {LOG_LEVEL: debug}
    ports: ["7000:7000"]
  tts:
    extends: {service: stt}
    image: cascade/tts:2
    command: python tts.py
    ports: ["7100:7100"]
  redis: {image: "redis:7"}
`;
    const { report, files } = run({ path: "mainpc-docker-compose.yml", text: compose });
    const stt = manifest({ report, files }, "stt")?.spec;
    expect(stt).toMatchObject({
      image: "cascade/python-cuda:1",
      args: ["python", "stt.py"],
      gpu: { class: "rtx-4090" },
    });
    expect(stt?.env).toEqual(
      expect.arrayContaining([
        { name: "LOG_LEVEL", value: "debug" },
        { name: "REDIS_URL", value: "redis://redis:6379/0" },
      ]),
    );
    expect(stt?.volumes).toEqual([expect.objectContaining({ mountPath: "/models" })]);
    // A chain: tts takes stt's, which took gpu-python's; its own image and command win, ports add up.
    const tts = manifest({ report, files }, "tts")?.spec;
    expect(tts).toMatchObject({ image: "cascade/tts:2", args: ["python", "tts.py"], gpu: { class: "rtx-4090" } });
    expect(((tts?.ports ?? []) as { port: number }[]).map((p) => p.port).sort()).toEqual([7000, 7100]);
    // The base runs too, as compose runs it; its container_name stays its own.
    expect(report.agents.map((a) => a.name).sort()).toEqual(["gpu-python", "redis", "stt", "tts"]);
    expect(kinds(report.findings, "compose-extends")).toEqual([]);
    expect(kinds(report.findings, "image-guessed")).toEqual([]);

    // A service takes its base's profiles too, beside its own: compose starts it when one of them is
    // asked for.
    const profiled = `services:
  dev-base: {image: "cascade/python:3", profiles: [dev]}
  tool: {extends: dev-base, command: python tool.py}
  api: {extends: dev-base, command: python api.py, profiles: [prod]}
`;
    const names = (profiles: string[]) =>
      importLegacy([{ path: "mainpc-docker-compose.yml", text: profiled }], {
        namespace: "agents",
        classes: defaultClasses,
        profiles,
      }).report.agents.map((a) => a.name);
    expect(names([])).toEqual([]);
    expect(names(["dev"])).toEqual(["api", "dev-base", "tool"]);
    expect(names(["prod"])).toEqual(["api"]);
  });

  it("compose-extends: a base in another file lends its definition alone, and a base not found is a warning", () => {
    const common =
      "services:\n  py:\n    image: cascade/python:3\n    environment: [TZ=UTC]\n  unrelated: {image: 'x:1'}\n";
    const stack = {
      path: "stacks/pc2/docker-compose.yml",
      machine: "pc2",
      text: "services:\n  hub:\n    extends: {file: ../../common/base.yml, service: py}\n    command: python hub.py\n",
    };
    const read = (composeFile: string, file: string) =>
      posix.normalize(posix.join(posix.dirname(composeFile), file)) === "common/base.yml" ? common : undefined;
    const options = { namespace: "agents", classes: defaultClasses, readBesideFile: read };
    const { report, files } = importLegacy([stack], options);
    // Only the service is imported: the base file's services are not part of the project.
    expect(report.agents.map((a) => a.name)).toEqual(["hub"]);
    expect(manifest({ report, files }, "hub")?.spec).toMatchObject({
      image: "cascade/python:3",
      args: ["python", "hub.py"],
      env: [{ name: "TZ", value: "UTC" }],
    });
    // compose fills the extended file's ${VAR}s with the project's variables: the .env beside the stack.
    const tagged = "services:\n  py:\n    image: cascade/python:${PY_TAG:-3}\n";
    const withDotEnv = importLegacy([stack], {
      ...options,
      readBesideFile: (composeFile, file) =>
        file === ".env" && composeFile === stack.path
          ? "PY_TAG=3.12\n"
          : posix.normalize(posix.join(posix.dirname(composeFile), file)) === "common/base.yml"
            ? tagged
            : undefined,
    });
    expect(manifest(withDotEnv, "hub")?.spec.image).toBe("cascade/python:3.12");
    // The same file given to the import is read from there, and its services are imported too.
    const both = run(stack, { path: "common/base.yml", machine: "pc2", text: common });
    expect(both.report.agents.map((a) => a.name).sort()).toEqual(["hub", "py", "unrelated"]);
    expect(manifest(both, "hub")?.spec).toMatchObject({ image: "cascade/python:3" });

    // Not given and not readable, a base missing from its file, and a loop: each a warning, each
    // service imported as written.
    const missing = run(stack, {
      path: "pc2-docker-compose.yml",
      text: "services:\n  a: {extends: b, image: 'a:1'}\n  b: {extends: a, image: 'b:1'}\n  c: {extends: nowhere, image: 'c:1'}\n",
    });
    expect(kinds(missing.report.findings, "compose-extends").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "warning",
        "pc2-docker-compose.yml:2",
        expect.stringMatching(
          /^a extends b in a loop of extends \(pc2-docker-compose\.yml#a → pc2-docker-compose\.yml#b → pc2-docker-compose\.yml#a\): it is imported/,
        ),
      ],
      ["warning", "pc2-docker-compose.yml:3", expect.stringMatching(/^b extends a in a loop of extends/)],
      [
        "warning",
        "pc2-docker-compose.yml:4",
        expect.stringMatching(
          /^c extends nowhere, which its own file does not define \(compose refuses it\): it is imported/,
        ),
      ],
      [
        "warning",
        "stacks/pc2/docker-compose.yml:3",
        "hub extends py of common/base.yml, which is not among the files given and could not be read: it is imported with its own settings alone, without the image, environment, ports or volumes it would take from there. Import the file that defines that service with it",
      ],
    ]);
    expect(manifest(missing, "c")?.spec).toMatchObject({ image: "c:1" });
  });

  it("compose-fragment: a secret another file defines is taken from where that file says", () => {
    const secrets = {
      path: "docker/shared/docker-compose.secrets.yml",
      text: "secrets:\n  openai_api_key: {file: ./keys/openai.txt}\n  hf_token: {environment: HF_TOKEN}\n",
    };
    const stack = pc2(
      "services:\n  planner:\n    image: planner:1\n    secrets: [openai_api_key, hf_token, nowhere]\n",
    );
    const { report } = run(secrets, stack);
    expect(report.secrets.map((s) => [s.file, s.fromFile ?? null])).toEqual([
      ["/run/secrets/openai_api_key", "docker/shared/keys/openai.txt"],
      ["/run/secrets/hf_token", null],
      ["/run/secrets/nowhere", null],
    ]);
    expect(textReport(report, "")).toContain("--from-file=planner.openai_api_key=docker/shared/keys/openai.txt");
    // Alone, the service's file says nothing of where its secrets come from.
    expect(run(stack).report.secrets.every((s) => s.fromFile === undefined)).toBe(true);
  });

  it("compose-fragment: a file of networks alone is merged as compose merges it, and refused alone", () => {
    const fragment = {
      path: "docker-compose.network.yml",
      text: "version: '3.9'\nnetworks:\n  internal_net:\n    name: ai_internal\n    internal: true\n    ipam: {config: [{subnet: 172.22.0.0/16}]}\nvolumes:\n  models: {}\n",
    };
    const { report } = run(fragment, pc2("services:\n  vault:\n    image: vault:1\n    networks: [ai_internal]\n"));
    expect(report.agents.map((a) => a.legacyName)).toEqual(["vault"]);
    expect(kinds(report.findings, "compose-fragment").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "info",
        "docker-compose.network.yml:1",
        "docker-compose.network.yml defines compose's networks and volumes and no service: compose merged it with the files that define services, and nothing in it is an agent. In the cluster, Services and NetworkPolicies take the place of its networks and PersistentVolumeClaims take the place of its volumes",
      ],
    ]);
    expect(kinds(report.findings, "network-internal").map((f) => [f.severity, f.agents])).toEqual([
      ["warning", ["vault"]],
    ]);
    expect(kinds(report.findings, "hardcoded-address").map((f) => f.source)).toEqual(["docker-compose.network.yml:6"]);
    expect(inputError(() => run(fragment)).message).toBe(
      "docker-compose.network.yml:1:1: no agents found: this compose file defines networks and volumes and no service; import it with the compose files whose services use them",
    );
  });

  it("secret: an override's is its agent's, not a second finding", () => {
    const { report } = run(pc2("services:\n  stt:\n    image: stt:1\n"), {
      path: "docker-compose.override.yml",
      machine: "pc2",
      text: "services:\n  stt:\n    environment: {HF_TOKEN: hf-literal-value}\n",
    });
    expect(kinds(report.findings, "secret").map((f) => [f.source, f.agents])).toEqual([
      ["docker-compose.override.yml:3", ["stt"]],
    ]);
  });

  it("host-mount: docker.sock is a blocker, other host paths one warning per agent", () => {
    const { report } = run(
      pc2(
        "services:\n  sup:\n    image: s\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - ./conf:/conf\n      - named:/data\n      - ./logs:/app/logs\n",
      ),
    );
    expect(kinds(report.findings, "host-mount").map((f) => [f.severity, f.source, f.message])).toEqual([
      [
        "blocker",
        "pc2.yaml:5",
        expect.stringMatching(/^sup mounts \/var\/run\/docker\.sock at \/var\/run\/docker\.sock: the Docker socket/),
      ],
      [
        "warning",
        "pc2.yaml:6",
        "sup mounts ./conf at /conf and ./logs at /app/logs (lines 6, 8): host paths tie it to one machine and its files, and the agents' restricted namespace refuses host paths: use a ConfigMap or a PersistentVolumeClaim",
      ],
    ]);
  });

  it("host-access: devices, the PC's network, privilege, root and capabilities a pod in a restricted namespace has none of", () => {
    const { report, files } = run(
      mainpc(`g:
  Capture: {script_path: capture.py, port: 5000}
  Hub: {script_path: hub.py, port: 5100}
`),
      {
        path: "mainpc-docker-compose.yml",
        text: `services:
  capture:
    image: cascade/capture:1
    environment: [SERVICE_NAME=Capture]
    volumes: ["/dev/snd:/dev/snd:rw", "./logs:/app/logs"]
    devices: [/dev/snd, "/dev/nvidia0:/dev/nvidia0"]
    cap_add: [SYS_NICE]
  hub:
    image: cascade/hub:1
    environment: [SERVICE_NAME=Hub]
    network_mode: host
    privileged: true
    user: "0:0"
`,
      },
    );
    expect(
      kinds(report.findings, "host-access").map((f) => [f.severity, f.agents[0], f.message.split(":")[0]]),
    ).toEqual([
      ["warning", "Capture", "Capture uses the PC's devices (/dev/snd)"],
      ["warning", "Hub", "Hub ran on the PC's own network (network_mode"],
      ["warning", "Hub", "Hub ran privileged"],
      ["warning", "Hub", "Hub ran as root (user"],
      ["info", "Capture", "Capture maps the card's device files (/dev/nvidia0)"],
      ["info", "Capture", "Capture added capabilities (SYS_NICE)"],
    ]);
    // The devices are no host paths of their own: only ./logs is.
    expect(kinds(report.findings, "host-mount").map((f) => f.message)).toEqual([
      expect.stringMatching(/^Capture mounts \.\/logs at \/app\/logs: /),
    ]);
    expect(files.get("capture.yaml")).not.toContain("/dev/snd");
  });

  it("hardcoded-address: fixed IPs and subnets, and localhost URLs", () => {
    const { report } = run(
      pc2(`networks: {n: {ipam: {config: [{subnet: 10.5.0.0/16}]}}}
services:
  a:
    image: a
    networks: {n: {ipv4_address: 10.5.0.7}}
    extra_hosts: ["self:10.5.0.7"]
    environment: [HUB=http://localhost:9000]
    healthcheck: {test: [CMD, curl, http://localhost:8000/health]}
`),
    );
    const found = kinds(report.findings, "hardcoded-address").map((f) => f.message);
    expect(found).toHaveLength(2);
    // a's address twice (its network's and its extra_hosts') is one use of it.
    expect(found.find((m) => m.includes("fixed addresses"))).toMatch(
      /^2 fixed addresses: 10\.5\.0\.7 \(a\), 10\.5\.0\.0\/16\. /,
    );
    // Nothing listens on 9000: the address is left as it was, and said.
    expect(found.find((m) => m.includes("localhost"))).toMatch(
      /^http:\/\/localhost:9000 in a's env\.HUB is left as it is: no imported agent or known infrastructure listens on 9000/,
    );
    expect(found.join("\n")).not.toContain("8000/health");
  });

  it("disabled-agent: switched off where it is defined (enabled: false, startup.enabled: false), not imported", () => {
    const { report, files } = run(
      mainpc(`g:
  A: {port: 1, dependencies: [Old]}
  Old:
    script_path: old.py
    port: 2
    enabled: false
  Legacy:
    script_path: legacy.py
    port: 3
    startup: {order: 100, enabled: "\${LEGACY_ON:-false}"}
`),
      { path: "mainpc-compose.yml", text: "services:\n  legacy: {image: cascade/legacy:1}\n" },
    );
    expect(report.agents.map((a) => a.name)).toEqual(["a"]);
    expect(files.has("old.yaml")).toBe(false);
    expect(kinds(report.findings, "disabled-agent").map((f) => [f.agents, f.source, f.message])).toEqual([
      [
        ["Old"],
        "mainpc.yaml:6",
        "Old is switched off (enabled: false); not imported, as its launcher skipped it. Switch it on and import again to run it",
      ],
      [
        ["Legacy"],
        "mainpc.yaml:10",
        "Legacy is switched off (startup.enabled: ${LEGACY_ON:-false}); not imported, as its launcher skipped it. Switch it on and import again to run it",
      ],
    ]);
    expect(kinds(report.findings, "missing-dependency")[0]?.message).toBe(
      "A depends on Old, which mainpc.yaml:6 disables (enabled: false): switch it on, or remove the dependency",
    );
    expect(kinds(report.findings, "compose-drift")[0]).toMatchObject({
      severity: "warning",
      message: expect.stringMatching(
        /^compose service legacy still runs legacy, which the startup config disables at mainpc\.yaml:10/,
      ),
    });
  });

  it("disabled-agent: a compose service of a profile not asked for is set aside, as compose left it, and --profile imports it", () => {
    const compose = {
      path: "mainpc-docker-compose.yml",
      text: `services:
  api: {image: cascade/api:1, expose: ["8000"]}
  pgadmin:
    image: dpage/pgadmin4:8
    environment: {PGADMIN_DEFAULT_PASSWORD: pgadmin_secure_password}
    profiles: [debug]
`,
    };
    const plain = importLegacy([compose], { namespace: "agents", classes: defaultClasses });
    expect(plain.report.agents.map((a) => a.name)).toEqual(["api"]);
    expect(kinds(plain.report.findings, "disabled-agent")).toMatchObject([
      {
        source: "mainpc-docker-compose.yml:6",
        message:
          "pgadmin is switched off (compose starts pgadmin only with --profile debug); not imported, as its launcher skipped it. Import with --profile debug to run it",
      },
    ]);
    // Not imported, its password is still in the file: reported, to rotate.
    expect(kinds(plain.report.findings, "secret")[0]?.message).toMatch(
      /^pgadmin holds a secret in PGADMIN_DEFAULT_PASSWORD \(a literal value\)\. It is not imported; .*rotate it$/,
    );
    const withDebug = importLegacy([compose], { namespace: "agents", classes: defaultClasses, profiles: ["debug"] });
    expect(withDebug.report.agents.map((a) => a.name)).toEqual(["api", "pgadmin"]);
    expect(kinds(withDebug.report.findings, "disabled-agent")).toEqual([]);
  });

  it("compose-drift: a service the startup config does not define, or decommissioned, and the reverse", () => {
    const { report } = run(
      mainpc("g:\n  A: {port: 1}\n  B: {port: 2}\n  # DECOMMISSIONED: gone\n  # Old:\n  #   port: 3\n"),
      {
        path: "mainpc-compose.yml",
        text: "services:\n  a: {image: a}\n  old: {image: o}\n  redis: {image: redis:7}\n",
      },
    );
    const drift = kinds(report.findings, "compose-drift").map((f) => f.message);
    expect(drift.join("\n")).toMatch(/old still runs old, which the startup config decommissioned/);
    // Redis is shared infrastructure: imported beside the agents, not drift.
    expect(drift.join("\n")).not.toMatch(/redis/);
    expect(report.infrastructure).toEqual([
      { name: "redis", kind: "Redis", definedAt: "mainpc-compose.yml:4", neededBy: [] },
    ]);
    expect(drift.join("\n")).toMatch(/1 agent of mainpc's startup config has no compose service: B/);
  });

  it("compose-drift: a startup agent's service found by its container_name, image or the directory it builds", () => {
    const compose = (path: string, text: string) => ({ path, text, machine: "mainpc" });
    const result = run(
      mainpc(`core:
  AffectiveProcessingCenter: {script_path: affective_processing_center/app.py, port: 5560}
  ModelOpsCoordinator: {script_path: model_ops_coordinator/app.py, port: 7211}
  RealTimeAudioPipeline: {script_path: real_time_audio_pipeline/app.py, port: 5557}
  Router: {script_path: agents/router.py, port: 7100}
  Planner: {script_path: agents/planner.py, port: 7101}
`),
      compose(
        "affective_processing_center/docker-compose.yml",
        "services:\n  apc:\n    image: apc:1.0.0\n    container_name: affective_processing_center\n",
      ),
      compose(
        "model_ops_coordinator/deploy/docker-compose.yml",
        "services:\n  moc-primary: {image: model-ops-coordinator:latest}\n  moc-secondary: {image: model-ops-coordinator:latest}\n",
      ),
      compose(
        "real_time_audio_pipeline/docker-compose.yml",
        "services:\n  rtap-main: {build: {context: ., dockerfile: Dockerfile}}\n  rtap-standby: {build: .}\n",
      ),
      // agents/ holds two agents' scripts: a service built there is neither's.
      compose("agents/docker-compose.yml", "services:\n  worker: {build: ., image: cascade/worker:2}\n"),
    );
    expect(manifest(result, "affective-processing-center")?.spec.image).toBe("apc:1.0.0");
    expect(manifest(result, "model-ops-coordinator")?.spec.image).toBe("model-ops-coordinator:latest");
    expect(kinds(result.report.findings, "compose-drift").map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^compose service worker is not an agent of mainpc's startup config; not imported \(image cascade\/worker:2: if it is infrastructure, run it with its own chart; if it runs an agent of the startup config, set SERVICE_NAME/,
      ),
      expect.stringMatching(/^2 agents of mainpc's startup config have no compose service: Planner, Router;/),
      "compose service moc-secondary is not an agent of mainpc's startup config; not imported: it runs what moc-primary runs, imported as ModelOpsCoordinator (model-ops-coordinator); for a second instance, set that agent's spec.replicas to 2",
      "compose service rtap-standby is not an agent of mainpc's startup config; not imported: it runs what rtap-main runs, imported as RealTimeAudioPipeline (real-time-audio-pipeline); for a second instance, set that agent's spec.replicas to 2",
    ]);
  });

  it("machine-inferred: a compose file that names no machine is the one's whose startup agent it runs", () => {
    const result = run(
      mainpc(`core:
  AffectiveProcessingCenter: {script_path: affective_processing_center/app.py, port: 5560}
  MemoryFusionHub: {script_path: memory_fusion_hub/app.py, port: 5713}
`),
      pc2("pc2_services:\n  - {name: MemoryFusionHub, script_path: memory_fusion_hub/app.py, port: 5713}\n"),
      {
        path: "affective_processing_center/docker-compose.yml",
        text: "services:\n  apc:\n    image: apc:1.0.0\n    container_name: affective_processing_center\n  redis: {image: redis:7}\n",
      },
      {
        path: "memory_fusion_hub/docker-compose.yml",
        text: "services:\n  mfh:\n    image: mfh:1.0.0\n    container_name: memory_fusion_hub\n",
      },
    );
    // apc is mainpc's AffectiveProcessingCenter, not a second agent of no machine beside it.
    expect(result.report.agents.map((a) => `${a.name}@${a.machine || "none"}`).sort()).toEqual([
      "affective-processing-center@mainpc",
      "memory-fusion-hub-pc2@pc2",
      "memory-fusion-hub@mainpc",
      "mfh@none",
      "redis@mainpc",
    ]);
    expect(manifest(result, "affective-processing-center")?.spec.image).toBe("apc:1.0.0");
    expect(kinds(result.report.findings, "machine-inferred").map((f) => f.message)).toContain(
      "affective_processing_center/docker-compose.yml was read as mainpc's, as its service apc runs AffectiveProcessingCenter, which mainpc's startup config defines; name it (mainpc=affective_processing_center/docker-compose.yml) if that is wrong",
    );
    expect(kinds(result.report.findings, "machine-unknown")).toContainEqual(
      expect.objectContaining({
        severity: "warning",
        message:
          "memory_fusion_hub/docker-compose.yml names no machine, and its service mfh runs MemoryFusionHub, which mainpc and pc2 both run: its services are imported for no machine, beside those agents. Name its machine (mainpc=memory_fusion_hub/docker-compose.yml or pc2=memory_fusion_hub/docker-compose.yml)",
      }),
    );
  });

  it("duplicate-key: a YAML key given twice, both read", () => {
    const { report } = run(pc2("services:\n  a: {image: a}\nservices:\n  b: {image: b}\n"));
    expect(kinds(report.findings, "duplicate-key")[0]).toMatchObject({ source: "pc2.yaml:3" });
    expect(report.agents.map((a) => a.name)).toEqual(["a", "b"]);
  });

  it("machine-inferred: from content first, then the file name, then the nearest directory that names one", () => {
    const { report } = run({ path: "mainpc_config.yaml", text: "pc2_services:\n  - {name: A, port: 1}\n" });
    expect(report.agents[0]?.machine).toBe("pc2");
    expect(kinds(report.findings, "machine-inferred")[0]?.message).toMatch(/top-level key pc2_services/);
    const byDirectory = run(
      { path: "repo/main_pc_code/config/startup_config.yaml", text: "g:\n  A: {script_path: a.py, port: 1}\n" },
      { path: "repo/pc2_code/config/startup_config.yaml", text: "g:\n  B: {script_path: b.py, port: 2}\n" },
    );
    expect(byDirectory.report.agents.map((a) => `${a.name}@${a.machine}`)).toEqual(["a@mainpc", "b@pc2"]);
    expect(kinds(byDirectory.report.findings, "machine-inferred").map((f) => f.message)).toEqual([
      expect.stringMatching(/ was read as mainpc's, from its directory main_pc_code;/),
      expect.stringMatching(/ was read as pc2's, from its directory pc2_code;/),
    ]);
  });

  it("external-agent: an agent named with an endpoint and nothing to run is another machine's, not imported twice", () => {
    const main = mainpc(`agent_groups:
  external_dependencies:
    MemoryHub:
      endpoint: "http://user:secret@172.20.0.11:7010"
      port: 7010
      required: true
      machine: "PC2"
  learning:
    Learner:
      script_path: learner.py
      port: 5000
      dependencies: [MemoryHub]
      config: {memory_hub_endpoint: "http://172.20.0.11:7010"}
`);
    const both = run(main, pc2("pc2_services:\n  - {name: MemoryHub, script_path: hub.py, port: 7010}\n"));
    expect(both.report.agents.map((a) => `${a.name}@${a.machine}`)).toEqual(["learner@mainpc", "memory-hub@pc2"]);
    expect(both.report.agents.find((a) => a.name === "learner")?.dependencies).toEqual(["memory-hub"]);
    expect(kinds(both.report.findings, "external-agent")).toEqual([]);
    // Its machine: PC2 speaks of the hub, not of the file.
    expect(kinds(both.report.findings, "machine-inferred")[0]?.message).toMatch(/mainpc\.yaml was read as mainpc's/);

    const alone = run(main);
    expect(alone.report.agents.map((a) => a.name)).toEqual(["learner"]);
    expect(kinds(alone.report.findings, "external-agent")).toMatchObject([
      {
        severity: "warning",
        source: "mainpc.yaml:3",
        message:
          "MemoryHub is named as running elsewhere (endpoint http://172.20.0.11:7010), and no file given defines it: it is not imported. Import the startup config of the machine that runs it, or run it in the cluster under that name",
      },
    ]);
    expect(kinds(alone.report.findings, "missing-dependency")[0]?.message).toBe(
      "Learner depends on MemoryHub, which mainpc.yaml:3 names as running elsewhere (endpoint http://172.20.0.11:7010): import the startup config of the machine that runs it",
    );
    expect(JSON.stringify(alone.report)).not.toContain("user:secret");
    // One reached on this machine's own address runs here: it is an agent of this file.
    const local = run(
      mainpc('services_list:\n  - {name: Hub, endpoint: "http://localhost:7010", port: 7010, required: true}\n'),
    );
    expect(local.report.agents.map((a) => a.name)).toEqual(["hub"]);
  });
});

describe("names", () => {
  it("refuses an agent with an empty name, pointing at it", () => {
    expect(
      inputError(() => run({ path: "pc2.yaml", text: "pc2_services:\n  - {name: '  ', port: 1}\n" })).message,
    ).toBe("pc2.yaml:2:5: an agent has an empty name: give it one");
  });
});
