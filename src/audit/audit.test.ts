import { describe, expect, it } from "vitest";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import type { Supply } from "../placement/plan.ts";
import { agent } from "../testing/fixtures.ts";
import { runAudit } from "./audit.ts";
import type { CheckId } from "./findings.ts";
import { homeLabClasses, homeLabNodes } from "./home-lab.ts";
import type { FleetSnapshot } from "./snapshot.ts";
import { textReport } from "./text-report.ts";

/** An agent that passes every check of its own: pinned image, health check, requests. */
const good = (name: string, spec: Record<string, unknown> = {}) =>
  agent(name, {
    image: `cascade/${name}:1.0`,
    ports: [{ name: "health", port: 8000 }],
    healthCheck: { port: "health", path: "/health" },
    resources: { requests: { cpu: "100m", memory: "128Mi" } },
    ...spec,
  });

const cluster = (over: Partial<NonNullable<FleetSnapshot["cluster"]>> = {}): NonNullable<FleetSnapshot["cluster"]> => ({
  runtimeClasses: new Set(["nvidia"]),
  secrets: new Set(),
  namespaces: new Map([["agents", { "pod-security.kubernetes.io/enforce": "restricted" }]]),
  claims: [],
  operator: { agents: 1, observedAgents: 1 },
  serviceMonitor: true,
  prometheusRule: true,
  ...over,
});

function audit(
  agents: AgentDeployment[],
  over: { nodes?: Supply[]; classes?: GPUClass[]; cluster?: FleetSnapshot["cluster"] } = {},
) {
  const report = runAudit({
    source: "a test",
    agents,
    classes: [...(over.classes ?? homeLabClasses)],
    nodes: [...(over.nodes ?? homeLabNodes)],
    current: new Map(),
    ...("cluster" in over ? { cluster: over.cluster } : {}),
  });
  const of = (check: CheckId) => report.findings.filter((f) => f.check === check);
  return { report, of };
}

const stt = (spec: Record<string, unknown>) => good("stt", { required: true, ...spec });

describe("the verdict", () => {
  it("is READY for a fleet every check passes", () => {
    const { report } = audit(
      [good("memory-hub"), stt({ gpu: { class: "rtx-4090", vramMiB: 4000, fallbackClasses: ["rtx-3060"] } })],
      {
        cluster: cluster(),
      },
    );
    expect(report.findings.filter((f) => f.severity !== "note")).toEqual([]);
    expect(report.verdict).toBe("READY");
  });

  it("is PARTIALLY READY with warnings and no blocker, NOT READY with a blocker", () => {
    expect(audit([good("a", { image: "cascade/a:latest" })]).report.verdict).toBe("PARTIALLY READY");
    expect(audit([good("a", { dependencies: ["ghost"] })]).report.verdict).toBe("NOT READY");
  });
});

describe("losing a PC", () => {
  it("is a blocker for a required agent without a fallback on the node that dies", () => {
    const { of, report } = audit([stt({ gpu: { class: "rtx-4090", vramMiB: 4000 } })]);
    expect(of("node-loss-stops-required")).toEqual([
      expect.objectContaining({
        severity: "blocker",
        object: "agentdeployment agents/stt",
        problem: expect.stringMatching(/^if mainpc goes down it runs nowhere/),
        fix: expect.stringContaining("spec.gpu.fallbackClasses: rtx-3060"),
      }),
    ]);
    expect(report.scenarios.find((s) => s.node === "mainpc")?.stopped).toEqual([
      expect.objectContaining({ agent: "agents/stt", required: true }),
    ]);
  });

  it("is no blocker when its fallback has room: the agent moves, and the report says where", () => {
    const { of, report } = audit([stt({ gpu: { class: "rtx-4090", vramMiB: 4000, fallbackClasses: ["rtx-3060"] } })]);
    expect(of("node-loss-stops-required")).toEqual([]);
    const scenario = report.scenarios.find((s) => s.node === "mainpc");
    expect(scenario?.moves).toEqual([
      { agent: "agents/stt", from: "mainpc", to: "pc2", gpuClass: "rtx-3060", fallback: true },
    ]);
    expect(scenario?.cards).toEqual([expect.objectContaining({ node: "pc2", requestedMiB: 4000 })]);
  });

  it("is a blocker when the fallback has no room for it, and says to make room there", () => {
    const hog = good("hog", { required: true, gpu: { class: "rtx-3060", vramMiB: 11000 } });
    const { of } = audit([hog, stt({ gpu: { class: "rtx-4090", vramMiB: 4000, fallbackClasses: ["rtx-3060"] } })]);
    const stopped = of("node-loss-stops-required").filter((f) => f.object === "agentdeployment agents/stt");
    expect(stopped).toEqual([expect.objectContaining({ fix: expect.stringMatching(/^make room for it on rtx-3060/) })]);
  });

  it("stops optional agents displaced to make room for a required one, and notes them", () => {
    const optional = good("optional", { gpu: { class: "rtx-3060", vramMiB: 8000 } });
    const { of, report } = audit([
      optional,
      stt({ gpu: { class: "rtx-4090", vramMiB: 6000, fallbackClasses: ["rtx-3060"] } }),
    ]);
    expect(of("node-loss-stops-required")).toEqual([]);
    expect(report.scenarios.find((s) => s.node === "mainpc")?.stopped).toEqual([
      expect.objectContaining({ agent: "agents/optional", required: false, why: expect.stringMatching(/^displaced/) }),
    ]);
    expect(of("node-loss-stops-optional").find((f) => f.object === "node mainpc")).toMatchObject({
      severity: "note",
      problem: "if it goes down, 1 optional agent stops: agents/optional",
    });
  });

  it("is a blocker for a required agent whose claim is bound to a volume on the node", () => {
    const withData = stt({
      gpu: { class: "rtx-4090", vramMiB: 4000, fallbackClasses: ["rtx-3060"] },
      volumes: [{ name: "models", mountPath: "/models", persistentVolumeClaim: { claimName: "models" } }],
    });
    const { of } = audit([withData], {
      cluster: cluster({ claims: [{ namespace: "agents", name: "models", node: "mainpc" }] }),
    });
    expect(of("node-loss-local-storage")).toEqual([
      expect.objectContaining({ severity: "blocker", problem: expect.stringContaining("bound to a volume on mainpc") }),
    ]);
  });
});

describe("the GPU stack", () => {
  const onlyShared: GPUClass = {
    ...(homeLabClasses[1] as GPUClass),
    spec: {
      ...(homeLabClasses[1] as GPUClass).spec,
      nodeSelectorTerms: [
        { matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-GeForce-RTX-3060"] }] },
      ],
    },
  };

  it("finds a class no node carries, written for one form of the product label", () => {
    const { of } = audit([good("asr", { gpu: { class: "rtx-3060", vramMiB: 2000 } })], { classes: [onlyShared] });
    expect(of("class-matches-no-node")).toEqual([
      expect.objectContaining({
        severity: "blocker",
        problem: expect.stringContaining("NVIDIA-GeForce-RTX-3060-SHARED"),
      }),
    ]);
    expect(of("product-label-form")).toEqual([
      expect.objectContaining({ fix: expect.stringContaining("NVIDIA-GeForce-RTX-3060-SHARED") }),
    ]);
    // The same class with no agent that uses it is worth a note, not a blocker.
    expect(audit([], { classes: [onlyShared] }).of("unused-class-matches-no-node")).toEqual([
      expect.objectContaining({ severity: "note" }),
    ]);
  });

  it("finds a node that advertises no GPU, replicas and memory that disagree, and a missing RuntimeClass", () => {
    const pc2 = homeLabNodes[1] as Supply;
    const broken: Supply = {
      ...pc2,
      allocatable: {},
      labels: { ...pc2.labels, "nvidia.com/gpu.replicas": "2", "nvidia.com/gpu.memory": "8192" },
    };
    const { of } = audit([], {
      nodes: [homeLabNodes[0] as Supply, broken],
      cluster: cluster({ runtimeClasses: new Set() }),
    });
    expect(of("gpu-resource-missing").map((f) => f.object)).toEqual(["node pc2"]);
    expect(of("sharing-mismatch").map((f) => f.fix)).toEqual([
      "set sharing.replicas: 2, or change the device plugin's time-slicing config",
    ]);
    expect(of("memory-mismatch").map((f) => f.fix)).toEqual(["set vramMiB: 8192"]);
    expect(of("runtimeclass-missing").map((f) => f.object)).toEqual(["gpuclass rtx-3060", "gpuclass rtx-4090"]);
  });
});

describe("capacity, dependencies, security and operations", () => {
  it("tells a required agent that cannot be placed (blocker) from an optional one (warning)", () => {
    const { of } = audit([
      good("big", { required: true, gpu: { class: "rtx-3060", vramMiB: 20000 } }),
      good("also-big", { gpu: { class: "rtx-3060", vramMiB: 20000 } }),
    ]);
    expect(of("required-agent-unplaceable").map((f) => f.problem)).toEqual([
      "cannot be placed (InsufficientVRAM): needs 20000 MiB: rtx-3060 has 11520 MiB in all on pc2, however empty",
    ]);
    expect(of("agent-unplaceable")).toHaveLength(1);
  });

  it("finds missing dependencies, cycles, required agents leaning on optional ones", () => {
    const { of } = audit([
      good("a", { required: true, dependencies: ["b", "ghost"] }),
      good("b", { dependencies: ["c"] }),
      good("c", { dependencies: ["b"] }),
    ]);
    expect(of("missing-dependency").map((f) => f.object)).toEqual(["agentdeployment agents/a"]);
    expect(of("dependency-cycle").map((f) => f.problem)).toEqual(["b → c → b depend on each other"]);
    expect(of("required-depends-on-optional").map((f) => f.object)).toEqual(["agentdeployment agents/a"]);
  });

  it("finds literal credentials, unpinned images, host paths, open agents, missing Secrets and namespaces without PSS", () => {
    const risky = good("risky", {
      image: "cascade/risky",
      env: [
        { name: "OPENAI_API_KEY", value: "sk-123" },
        { name: "LOG_LEVEL", value: "INFO" },
      ],
      secretEnv: [{ name: "DB_PASSWORD", secretName: "db", key: "password" }],
      volumes: [
        { name: "sock", mountPath: "/var/run/docker.sock", hostPath: { path: "/var/run/docker.sock" } },
        {
          name: "keys",
          mountPath: "/run/secrets",
          secret: { secretName: "keys", items: [{ key: "risky.openai", path: "openai" }] },
        },
        { name: "maybe", mountPath: "/run/maybe", secret: { secretName: "maybe", optional: true } },
      ],
      network: { isolation: "None" },
    });
    const { of } = audit([risky], { cluster: cluster({ namespaces: new Map([["agents", {}]]) }) });
    expect(of("literal-credential").map((f) => f.problem)).toEqual(["env OPENAI_API_KEY holds a literal value"]);
    expect(of("unpinned-image")).toHaveLength(1);
    expect(of("host-path")).toHaveLength(1);
    expect(of("no-network-policy")).toHaveLength(1);
    expect(of("missing-secret").map((f) => f.fix)).toEqual([
      "kubectl create secret generic db -n agents --from-literal=password=…",
      "kubectl create secret generic keys -n agents --from-file=risky.openai=FILE",
    ]);
    expect(of("missing-secret")[1]?.problem).toBe(
      "volume keys mounts Secret keys, which does not exist in namespace agents",
    );
    expect(of("namespace-without-pss").map((f) => f.object)).toEqual(["namespace agents"]);
  });

  it("says when no operator reconciles the fleet, and names an agent whose container cannot start", () => {
    const crashing: AgentDeployment = {
      ...good("crashy"),
      status: {
        conditions: [
          {
            type: "Degraded",
            status: "True",
            reason: "CrashLoopBackOff",
            message: "pod crashy-1: back-off",
            lastTransitionTime: "",
          },
        ],
      },
    };
    const { of } = audit([crashing], { cluster: cluster({ operator: { agents: 1, observedAgents: 0 } }) });
    expect(of("operator-not-running")).toHaveLength(1);
    expect(of("crash-looping").map((f) => f.problem)).toEqual(["CrashLoopBackOff: pod crashy-1: back-off"]);
  });

  it("warns of shared memory in RAM that nothing bounds, and not of one a size or a limit bounds", () => {
    const shm = (emptyDir: Record<string, string>) => [{ name: "dshm", mountPath: "/dev/shm", emptyDir }];
    const { of } = audit([
      good("trainer", { volumes: shm({ medium: "Memory" }) }),
      good("sized", { volumes: shm({ medium: "Memory", sizeLimit: "2Gi" }) }),
      good("limited", {
        volumes: shm({ medium: "Memory" }),
        resources: { requests: { memory: "1Gi" }, limits: { memory: "8Gi" } },
      }),
      good("on-disk", { volumes: shm({}) }),
    ]);
    expect(of("memory-volume-unbounded").map((f) => [f.object, f.problem])).toEqual([
      ["agentdeployment agents/trainer", "mounts dshm (/dev/shm) in RAM with no size, and has no memory limit"],
    ]);
  });
});

describe("textReport", () => {
  it("says the verdict first, draws each card, and groups a check's findings", () => {
    const fleet = ["a", "b", "c", "d", "e", "f", "g"].map((n) => good(n, { image: `cascade/${n}:latest` }));
    fleet.push(stt({ gpu: { class: "rtx-4090", vramMiB: 11770 } }));
    const text = textReport(audit(fleet).report);
    expect(text.split("\n")[0]).toBe("AgentFleet audit: NOT READY");
    expect(text).toMatch(/mainpc {2}rtx-4090 {2}█{19}░{19}·{2} {2}11770\/23540 MiB, 1\/8 GPU replicas/);
    expect(text).toContain("an image without a tag, or :latest: 7 times");
    expect(text).toContain("and 2 more (--format json lists all)");
  });
});
