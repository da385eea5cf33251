// Bad input is refused at admission (schema and CEL rules) with a message that names the field, or,
// where only the cluster can know, accepted with a condition that says what is wrong. The operator
// keeps running through all of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { kubectl } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { agentDeploymentCrd } from "../src/api/crds.ts";
import { clients, eventually, withNamespace } from "./support/kube.ts";

const { core } = clients();
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-admission");
  operator = await startOperator("admission");
});
afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

const agent = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec: { image: "cascade/agent:1.0", ...spec },
});
const gpuClass = (spec: Record<string, unknown>) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "GPUClass",
  metadata: { name: "bad-class" },
  spec: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["X"] }] }],
    vramMiB: 8192,
    ...spec,
  },
});
const ports = [
  { name: "zmq", port: 5800 },
  { name: "health", port: 6800 },
];

// Each case: what a user might write, and what the refusal must name.
const refused: [string, () => unknown, RegExp][] = [
  ["an unknown start policy", () => agent("bad-start", { startPolicy: "Later" }), /spec\.startPolicy/],
  [
    "an allowFrom peer with no selector",
    () => agent("bad-peer", { network: { allowFrom: [{}] } }),
    /spec\.network\.allowFrom\[0\].*set namespaceSelector, podSelector or both/,
  ],
  ["an unknown isolation", () => agent("bad-isolation", { network: { isolation: "All" } }), /spec\.network\.isolation/],
  // What Kubernetes itself refuses in the children is refused here, on the agent.
  [
    "a port named 0",
    () => agent("port-name-digits", { ports: [{ name: "0", port: 80 }] }),
    /needs at least one letter/,
  ],
  ["a port name with --", () => agent("port-name-dashes", { ports: [{ name: "a--b", port: 80 }] }), /no '--'/],
  [
    "a secretEnv key of a space",
    () => agent("secret-key-space", { secretEnv: [{ name: "TOKEN", secretName: "s", key: " " }] }),
    /spec\.secretEnv\[0\]\.key/,
  ],
  [
    "a config file name with a space",
    () => agent("config-space", { config: { a: 1 }, configMountPath: "/etc/my config.yaml" }),
    /spec\.configMountPath/,
  ],
  [
    "a volume name too long for the pod",
    () => agent("long-volume", { volumes: [{ name: "v".repeat(60), mountPath: "/data", emptyDir: {} }] }),
    /spec\.volumes\[0\]\.name/,
  ],
  ["a name that starts with a digit", () => agent("1stt", {}), /starts with a letter/],
  [
    "an agent that depends on itself",
    () => agent("narcissus", { dependencies: ["echo", "narcissus"] }),
    /spec\.dependencies: .*names the agent itself/,
  ],
  [
    "a pod label value with a space",
    () => agent("label-space", { podLabels: { team: "voice team" } }),
    /spec\.podLabels/,
  ],
  ["a pod label key with a space", () => agent("label-key", { podLabels: { "my team": "voice" } }), /qualified names/],
  [
    "an allowFrom requirement In with no values",
    () =>
      agent("peer-no-values", {
        network: { allowFrom: [{ podSelector: { matchExpressions: [{ key: "app", operator: "In" }] } }] },
      }),
    /non-empty for In and NotIn/,
  ],
  ["a missing image", () => ({ ...agent("no-image", {}), spec: { replicas: 1 } }), /spec\.image: Required value/],
  ["an empty image", () => agent("empty-image", { image: "" }), /spec\.image/],
  ["a port above 65535", () => agent("port-high", { ports: [{ name: "zmq", port: 70000 }] }), /spec\.ports\[0\]\.port/],
  ["port 0", () => agent("port-zero", { ports: [{ name: "zmq", port: 0 }] }), /spec\.ports\[0\]\.port/],
  [
    "two ports with one name",
    () =>
      agent("dup-port-name", {
        ports: [
          { name: "zmq", port: 1 },
          { name: "zmq", port: 2 },
        ],
      }),
    /\.spec\.ports: duplicate entries for key \[name=\\?"zmq\\?"\]/,
  ],
  [
    "two ports with one number and protocol",
    () =>
      agent("dup-port-number", {
        ports: [
          { name: "a", port: 5800 },
          { name: "b", port: 5800, protocol: "TCP" },
        ],
      }),
    /spec\.ports.*a port number is listed twice for one protocol/,
  ],
  [
    "a port name over 15 characters",
    () => agent("long-port", { ports: [{ name: "health-check-port", port: 1 }] }),
    /spec\.ports\[0\]\.name/,
  ],
  [
    "an SCTP port",
    () => agent("sctp", { ports: [{ name: "a", port: 1, protocol: "SCTP" }] }),
    /spec\.ports\[0\]\.protocol/,
  ],
  [
    "a health check on an undeclared port",
    () => agent("health-undeclared", { ports, healthCheck: { port: "metrics", path: "/health" } }),
    /spec\.healthCheck\.port.*must name one of the declared ports/,
  ],
  [
    "a health check with both path and tcp",
    () => agent("health-both", { ports, healthCheck: { port: "health", path: "/health", tcp: true } }),
    /spec\.healthCheck.*set either path/,
  ],
  ["negative VRAM", () => agent("vram-negative", { gpu: { class: "rtx-4090", vramMiB: -1 } }), /spec\.gpu\.vramMiB/],
  [
    "a fallback equal to the class",
    () => agent("fallback-self", { gpu: { class: "rtx-4090", vramMiB: 1000, fallbackClasses: ["rtx-4090"] } }),
    /spec\.gpu\.fallbackClasses.*must not contain the agent's own class/,
  ],
  [
    "a GPU class that is not a DNS label",
    () => agent("class-spaces", { gpu: { class: "RTX 4090", vramMiB: 1 } }),
    /spec\.gpu\.class/,
  ],
  ["a name that is not a DNS label", () => agent("stt.service", {}), /metadata\.name must be a DNS label/],
  ["an unknown field", () => agent("typo", { imagee: "x" }), /\.spec\.imagee: field not declared in schema/],
  ["an unknown field inside gpu", () => agent("typo-gpu", { gpu: { class: "rtx-4090", vram: 10 } }), /spec\.gpu/],
  ["negative replicas", () => agent("replicas-negative", { replicas: -1 }), /spec\.replicas/],
  ["an invalid env name", () => agent("env-name", { env: [{ name: "1BAD", value: "x" }] }), /spec\.env\[0\]\.name/],
  [
    "a secret name that is not a DNS label",
    () => agent("secret-name", { secretEnv: [{ name: "KEY", secretName: "Cloud_Keys", key: "k" }] }),
    /spec\.secretEnv\[0\]\.secretName/,
  ],
  [
    "one variable in env and secretEnv",
    () =>
      agent("env-twice", {
        env: [{ name: "KEY", value: "x" }],
        secretEnv: [{ name: "KEY", secretName: "keys", key: "k" }],
      }),
    /spec\.secretEnv.*set both in env and in secretEnv/,
  ],
  [
    "a volume with two sources",
    () => agent("vol-two", { volumes: [{ name: "m", mountPath: "/m", hostPath: { path: "/srv" }, emptyDir: {} }] }),
    /spec\.volumes\[0\].*exactly one of/,
  ],
  [
    "a Secret's file that climbs out of its mount",
    () =>
      agent("vol-climb", {
        volumes: [
          { name: "k", mountPath: "/run/secrets", secret: { secretName: "keys", items: [{ key: "k", path: ".." }] } },
        ],
      }),
    /spec\.volumes\[0\]\.secret\.items\[0\]\.path/,
  ],
  [
    "a subPath that climbs out of its volume",
    () =>
      agent("vol-subpath", {
        volumes: [{ name: "k", mountPath: "/app/k", subPath: "../k", secret: { secretName: "keys" } }],
      }),
    /spec\.volumes\[0\]\.subPath/,
  ],
  [
    "a Secret volume beside another source",
    () =>
      agent("vol-secret-two", {
        volumes: [{ name: "k", mountPath: "/k", secret: { secretName: "keys" }, emptyDir: {} }],
      }),
    /spec\.volumes\[0\].*exactly one of hostPath, persistentVolumeClaim, emptyDir or secret/,
  ],
  [
    "a relative mount path",
    () => agent("vol-relative", { volumes: [{ name: "m", mountPath: "models", emptyDir: {} }] }),
    /spec\.volumes\[0\]\.mountPath/,
  ],
  [
    "two volumes at one mount path",
    () =>
      agent("vol-same-path", {
        volumes: [
          { name: "a", mountPath: "/models", emptyDir: {} },
          { name: "b", mountPath: "/models", hostPath: { path: "/srv/models" } },
        ],
      }),
    /spec\.volumes: .*two volumes are mounted at the same mountPath/,
  ],
  ...[
    ["a volume's mount path", "/models"],
    ["the scratch space's", "/tmp"],
  ].map(([where, configMountPath]): [string, () => unknown, RegExp] => [
    `a config file at ${where}`,
    () =>
      agent("config-dir", {
        config: { a: 1 },
        configMountPath,
        volumes: [{ name: "models", mountPath: "/models", emptyDir: {} }],
      }),
    /spec\.configMountPath: .*put the config file at a path of its own/,
  ]),
  ...(
    [
      ["cpu", 2, "1500m"],
      ["memory", "4Gi", "2Gi"],
      ["ephemeral-storage", "10G", "1Gi"],
    ] as const
  ).map(([resource, request, limit]): [string, () => unknown, RegExp] => [
    `a ${resource} request above its limit`,
    () =>
      agent(`over-${resource}`, { resources: { requests: { [resource]: request }, limits: { [resource]: limit } } }),
    new RegExp(
      `spec\\.resources\\.requests(\\.${resource}|\\[.${resource}.\\]): .*requests\\.${resource} is more than limits\\.${resource}`,
    ),
  ]),
  [
    "a probe with no time to answer",
    () =>
      agent("probe-no-time", {
        ports: [{ name: "health", port: 8080 }],
        healthCheck: { port: "health", path: "/health", timeoutSeconds: 0 },
      }),
    /spec\.healthCheck\.timeoutSeconds/,
  ],
  [
    "more than an hour to stop",
    () => agent("slow-stop", { terminationGracePeriodSeconds: 3601 }),
    /spec\.terminationGracePeriodSeconds/,
  ],
  [
    "a CPU request that is no quantity",
    () => agent("cpu-lots", { resources: { requests: { cpu: "lots" } } }),
    /spec\.resources\.requests\.cpu/,
  ],
  [
    "an override of a class it never falls back to",
    () =>
      agent("stray-override", {
        gpu: {
          class: "rtx-3060",
          vramMiB: 4000,
          fallbackClasses: ["rtx-4090"],
          overrides: [{ class: "rtx-5090", vramMiB: 8000 }],
        },
      }),
    /spec\.gpu\.overrides: .*each override must name one of fallbackClasses/,
  ],
  [
    "a dependency listed twice",
    () => agent("dep-twice", { dependencies: ["a", "a"] }),
    /\.spec\.dependencies: duplicate entries/,
  ],
  [
    "a GPUClass whose reserve eats the card",
    () => gpuClass({ reservedMiB: 8192 }),
    /spec\.reservedMiB.*reservedMiB must be less than vramMiB/,
  ],
  ["a GPUClass with zero VRAM", () => gpuClass({ vramMiB: 0 }), /spec\.vramMiB/],
  [
    "an Exists requirement with values",
    () => gpuClass({ nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "Exists", values: ["v"] }] }] }),
    /spec\.nodeSelectorTerms\[0\]\.matchExpressions\[0\].*values must be empty/,
  ],
  [
    "a GPUClass without node selector terms",
    () => ({ ...gpuClass({}), spec: { vramMiB: 1 } }),
    /spec\.nodeSelectorTerms: Required value/,
  ],
];

/** An agent's condition of the given type, once the operator has written it. */
const conditionOf = (name: string, type: string) =>
  eventually(`${name}'s ${type} condition`, async () => {
    const a = JSON.parse(await kubectl(["get", "agd", name, "-n", ns.name, "-o", "json"])) as {
      status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
    };
    return a.status?.conditions?.find((c) => c.type === type);
  });

describe("admission", () => {
  it.each(refused)("refuses %s, naming the field", async (_what, manifest, expected) => {
    const error = await kubectl(
      ["apply", "--server-side", "--field-manager=e2e", "-f", "-"],
      stringify(manifest()),
    ).then(
      () => "accepted",
      (err: Error) => err.message,
    );
    expect(error).not.toBe("accepted");
    expect(error).toMatch(expected);
  });

  it("accepts an unknown GPU class, and says so in Placed and Ready", async () => {
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      stringify(agent("needs-5090", { gpu: { class: "rtx-5090", vramMiB: 20000 } })),
    );
    const placed = await conditionOf("needs-5090", "Placed");
    expect(placed).toMatchObject({ status: "False", reason: "UnknownGPUClass" });
    expect(placed.message).toContain("rtx-5090");
    const events = await kubectl([
      "get",
      "events",
      "-n",
      ns.name,
      "--field-selector",
      "involvedObject.name=needs-5090",
      "-o",
      "json",
    ]);
    expect(events).toContain("UnknownGPUClass");
  });

  it("accepts a volume at /tmp, in place of the scratch space the agent is otherwise given there", async () => {
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      stringify(
        agent("own-tmp", {
          config: { a: 1 },
          configMountPath: "/tmp/agent.yaml",
          volumes: [{ name: "tmp", mountPath: "/tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }],
        }),
      ),
    );
    // Before, the operator wrote two mounts at /tmp and the API server refused its Deployment.
    const mounts = await eventually("own-tmp's Deployment", () =>
      kubectl([
        "get",
        "deploy",
        "own-tmp",
        "-n",
        ns.name,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].volumeMounts}",
      ]).then(
        (out) => JSON.parse(out) as { name: string; mountPath: string }[],
        () => undefined,
      ),
    );
    expect(mounts.filter((m) => m.mountPath === "/tmp").map((m) => m.name)).toEqual(["vol-tmp"]);
    // The config file alone, inside it.
    expect(mounts.find((m) => m.name === "config")).toMatchObject({
      mountPath: "/tmp/agent.yaml",
      subPath: "agent.yaml",
    });
    expect(await conditionOf("own-tmp", "Ready")).not.toMatchObject({ reason: "ChildRejected" });
  });

  it("accepts a request equal to its limit, however it is written", async () => {
    const resources = { requests: { cpu: 1, memory: "1536Mi" }, limits: { cpu: "1000m", memory: "1.5Gi" } };
    await kubectl(["apply", "--server-side", "-f", "-"], stringify(agent("at-limit", { resources })));
    const stored = await kubectl(["get", "agd", "at-limit", "-n", ns.name, "-o", "jsonpath={.spec.resources}"]);
    expect(JSON.parse(stored)).toEqual(resources);
  });

  it("accepts one port number over TCP and UDP, and its Service carries both", async () => {
    const ports = [
      { name: "sip", port: 5060, protocol: "TCP" },
      { name: "sip-udp", port: 5060, protocol: "UDP" },
    ];
    await kubectl(["apply", "--server-side", "-f", "-"], stringify(agent("pbx", { ports })));
    const carried = await eventually("pbx's Service", () =>
      kubectl(["get", "svc", "pbx", "-n", ns.name, "-o", "jsonpath={.spec.ports}"]).then(
        (out) => JSON.parse(out) as { name: string; port: number; protocol: string }[],
        () => undefined,
      ),
    );
    expect(carried.map(({ name, port, protocol }) => ({ name, port, protocol }))).toEqual(ports);
  });

  it("accepts a missing dependency, and names it in DependenciesReady", async () => {
    await kubectl(["apply", "--server-side", "-f", "-"], stringify(agent("lonely", { dependencies: ["ghost-agent"] })));
    const deps = await conditionOf("lonely", "DependenciesReady");
    expect(deps).toMatchObject({ status: "False", reason: "MissingDependency" });
    expect(deps.message).toContain("ghost-agent");
  });

  // The rule that refuses an agent depending on itself came after agents were stored: one of those
  // must still take the operator's status, and edits that leave its dependencies alone.
  it("keeps taking an agent stored before a rule refused it: its status, and edits of other fields", async () => {
    // The CRD as it was: its name rule alone on the object, and no rule on a GPU's overrides.
    const older = structuredClone(agentDeploymentCrd());
    for (const v of older.spec.versions) {
      v.schema.openAPIV3Schema["x-kubernetes-validations"].splice(1);
      const { gpu } = v.schema.openAPIV3Schema.properties.spec.properties as {
        gpu: { "x-kubernetes-validations": unknown[] };
      };
      gpu["x-kubernetes-validations"].splice(1);
    }
    await kubectl(
      ["apply", "--server-side", "--force-conflicts", "--field-manager=agentfleet-dev", "-f", "-"],
      stringify(older),
    );
    try {
      // The older CRD takes it (the API server may take a moment to use the schema it was given).
      await eventually("the older CRD to take a self-dependency and a stray override", () =>
        kubectl(
          ["apply", "--server-side", "-f", "-"],
          stringify(
            agent("narcissus", {
              dependencies: ["narcissus"],
              gpu: { class: "rtx-3060", vramMiB: 1000, overrides: [{ class: "rtx-4090", vramMiB: 2000 }] },
            }),
          ),
        ).then(
          () => true,
          () => undefined,
        ),
      );
    } finally {
      await installCrds();
    }
    const deps = await eventually("narcissus to say it depends on itself", async () => {
      const c = await conditionOf("narcissus", "DependenciesReady");
      return c.message.includes("depends on itself") ? c : undefined;
    });
    expect(deps).toMatchObject({ status: "False", reason: "DependencyCycle" });
    // A merge patch of its spec: "accepted", or the API server's words.
    const patched = (spec: unknown) =>
      kubectl(["patch", "agd", "narcissus", "-n", ns.name, "--type=merge", "-p", JSON.stringify({ spec })]).then(
        () => "accepted",
        (err: Error) => err.message,
      );
    expect(await patched({ image: "cascade/agent:1.1" })).toBe("accepted");
    expect(await patched({ dependencies: ["narcissus", "lonely"] })).toMatch(
      /spec\.dependencies: .*names the agent itself/,
    );
    expect(await patched({ dependencies: ["lonely"] })).toBe("accepted");
    await eventually("narcissus to depend on lonely alone", async () => {
      const c = await conditionOf("narcissus", "DependenciesReady");
      return c.reason !== "DependencyCycle" ? c : undefined;
    });
  });

  it("keeps the operator running, and it stops cleanly on SIGTERM", async () => {
    expect(operator.process.exitCode).toBeNull();
    expect(await operator.writes()).toBeGreaterThan(0);
    expect(await operator.stop()).toBe(0);
  });
});
