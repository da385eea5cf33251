import { describe, expect, it } from "vitest";
import type { GpuChoice } from "../placement/gpu-choice.ts";
import { agent, classes, placedOn, renderInput } from "../testing/fixtures.ts";
import { deploymentDrift, driftDigest } from "./child-drift.ts";
import { renderChildren } from "./child-kinds.ts";

const protect = { protect: true, reason: "FallbackAvailable", message: "" } as const;
const allow = { protect: false, reason: "NotRequired", message: "" } as const;

function render(
  spec: Record<string, unknown>,
  disruption: typeof protect | typeof allow = allow,
  podNodes: readonly string[] = [],
) {
  const a = agent("stt-service", spec);
  const gpu: GpuChoice = a.spec.gpu
    ? placedOn(a, a.spec.gpu.class, a.spec.gpu.class === "rtx-3060" ? "pc2" : "mainpc")
    : { kind: "cpu" };
  const children = renderChildren(renderInput(a, gpu, disruption, { podNodes }));
  const byKind = (kind: string) => children.find((c) => c.kind === kind) as Record<string, never> | undefined;
  const deployment = byKind("Deployment") as unknown as {
    spec: {
      strategy?: unknown;
      template: { metadata: { annotations?: Record<string, string> }; spec: Record<string, never> };
    };
  };
  const pod = deployment?.spec.template.spec as unknown as {
    runtimeClassName?: string;
    affinity?: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } };
    containers: {
      env: { name: string; value?: string; valueFrom?: unknown }[];
      resources: { limits: Record<string, string>; requests: Record<string, string> };
      readinessProbe?: Record<string, unknown>;
      startupProbe?: { failureThreshold: number; periodSeconds: number };
      livenessProbe?: Record<string, unknown>;
      volumeMounts: { name: string; mountPath: string }[];
    }[];
  };
  return { children, byKind, deployment, pod, container: pod?.containers[0] };
}

describe("renderChildren", () => {
  it("pins a GPU agent to the node the placement chose, within its class, with the class's resource and RuntimeClass", () => {
    const { pod, container, deployment } = render({ gpu: { class: "rtx-3060", vramMiB: 3000 } });
    expect(pod.runtimeClassName).toBe("nvidia");
    const classTerms = classes.get("rtx-3060")?.spec.nodeSelectorTerms ?? [];
    expect(pod.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual(
      classTerms.map((t) => ({
        matchExpressions: [...t.matchExpressions, { key: "kubernetes.io/hostname", operator: "In", values: ["pc2"] }],
      })),
    );
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      "agentfleet.io/placed-node": "pc2",
      "agentfleet.io/placed-class": "rtx-3060",
    });
    expect(container?.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(container?.env.some((e) => e.name === "NVIDIA_VISIBLE_DEVICES")).toBe(false);
  });

  it("replaces a GPU agent's pods on their node old pod first, and moves it to another node new pod first", () => {
    const gpu = { gpu: { class: "rtx-4090", vramMiB: 3000 }, replicas: 2 };
    const oldFirst = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
    const newFirst = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    // Not running yet, or running where the plan keeps it: no second pod asks for a GPU slice there.
    expect(render(gpu).deployment.spec.strategy).toEqual(oldFirst);
    expect(render(gpu, allow, ["mainpc", "mainpc"]).deployment.spec.strategy).toEqual(oldFirst);
    // Moving off pc2 (a drain): the new pod starts on mainpc while the old serves, until none is left on pc2.
    expect(render(gpu, allow, ["pc2"]).deployment.spec.strategy).toEqual(newFirst);
    expect(render(gpu, allow, ["mainpc", "pc2"]).deployment.spec.strategy).toEqual(newFirst);
    // A CPU agent holds no GPU: Kubernetes' default surge keeps it serving through a roll.
    expect(render({}).deployment.spec.strategy).toBeUndefined();
  });

  it("hides every GPU from a CPU-only agent", () => {
    const { pod, container } = render({});
    expect(container?.env).toContainEqual({ name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
    expect(pod.affinity).toBeUndefined();
    expect(pod.runtimeClassName).toBeUndefined();
    expect(container?.resources.limits["nvidia.com/gpu"]).toBeUndefined();
  });

  it("builds readiness, liveness and a startup probe long enough to load a model", () => {
    const { container } = render({
      ports: [{ name: "health", port: 6800 }],
      healthCheck: { port: "health", path: "/health", startupSeconds: 900, periodSeconds: 10 },
    });
    expect(container?.readinessProbe).toMatchObject({ httpGet: { port: "health", path: "/health" } });
    expect(container?.livenessProbe).toMatchObject({
      httpGet: { port: "health", path: "/health" },
      failureThreshold: 6,
    });
    expect(container?.startupProbe).toMatchObject({ failureThreshold: 90, periodSeconds: 10 });
    // Five seconds for one probe to answer, unless the agent asks for more.
    expect(container?.readinessProbe).toMatchObject({ timeoutSeconds: 5 });
    const slow = render({
      ports: [{ name: "health", port: 6800 }],
      healthCheck: { port: "health", path: "/health", timeoutSeconds: 20 },
    });
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"] as const)
      expect(slow.container?.[probe]).toMatchObject({ timeoutSeconds: 20 });
  });

  it("writes a variable with an empty value as the API server stores it, so that it matches what is stored", () => {
    const { deployment, container } = render({
      env: [
        { name: "OPENAI_API_BASE", value: "" },
        { name: "A", value: "1" },
      ],
    });
    expect(container?.env).toEqual(expect.arrayContaining([{ name: "OPENAI_API_BASE" }, { name: "A", value: "1" }]));
    // The drift digest of the rendered child is that of the stored one, which has no empty value.
    const stored = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    for (const e of stored.spec.template.spec.containers[0]?.env ?? []) if (e.value === "") delete e.value;
    expect(driftDigest(deploymentDrift, stored)).toBe(driftDigest(deploymentDrift, deployment));
  });

  it("probes TCP when asked", () => {
    const { container } = render({ ports: [{ name: "zmq", port: 5800 }], healthCheck: { port: "zmq", tcp: true } });
    expect(container?.readinessProbe).toMatchObject({ tcpSocket: { port: "zmq" } });
  });

  it("takes secrets only by reference", () => {
    const { container } = render({ secretEnv: [{ name: "OPENAI_API_KEY", secretName: "cloud-keys", key: "openai" }] });
    expect(container?.env).toContainEqual({
      name: "OPENAI_API_KEY",
      valueFrom: { secretKeyRef: { name: "cloud-keys", key: "openai" } },
    });
  });

  it("mounts a Secret's keys as read-only files, readable by the agent's group alone", () => {
    const { pod, container } = render({
      volumes: [
        {
          name: "compose-secrets",
          mountPath: "/run/secrets",
          readOnly: false,
          secret: { secretName: "legacy-secrets", items: [{ key: "api.openai_api_key", path: "openai_api_key" }] },
        },
      ],
    });
    expect((pod as unknown as { volumes: unknown[] }).volumes).toContainEqual({
      name: "vol-compose-secrets",
      secret: {
        secretName: "legacy-secrets",
        items: [{ key: "api.openai_api_key", path: "openai_api_key" }],
        defaultMode: 0o440,
      },
    });
    expect(container?.volumeMounts).toContainEqual({
      name: "vol-compose-secrets",
      mountPath: "/run/secrets",
      readOnly: true,
    });
  });

  it("mounts one entry of a volume at a path of its own with subPath, beside what the image keeps there", () => {
    const { container } = render({
      volumes: [
        {
          name: "creds",
          mountPath: "/app/credentials.json",
          subPath: "credentials.json",
          secret: { secretName: "legacy-secrets", items: [{ key: "api.creds", path: "credentials.json" }] },
        },
      ],
    });
    expect(container?.volumeMounts).toContainEqual({
      name: "vol-creds",
      mountPath: "/app/credentials.json",
      subPath: "credentials.json",
      readOnly: true,
    });
  });

  it("gives /dev/shm the shared memory asked for, in RAM", () => {
    const { pod, container } = render({
      volumes: [{ name: "dshm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } }],
    });
    expect((pod as unknown as { volumes: unknown[] }).volumes).toContainEqual({
      name: "vol-dshm",
      emptyDir: { medium: "Memory", sizeLimit: "2Gi" },
    });
    expect(container?.volumeMounts).toContainEqual({ name: "vol-dshm", mountPath: "/dev/shm" });
  });

  it("gives scratch space at /tmp, unless the agent mounts a volume of its own there", () => {
    const mountedAt = (spec: Record<string, unknown>) => {
      const { pod, container } = render(spec);
      const volumes = (pod as unknown as { volumes: { name: string }[] }).volumes;
      return container?.volumeMounts
        .filter((m) => m.mountPath === "/tmp")
        .map((m) => [m.name, volumes.find((v) => v.name === m.name)]);
    };
    expect(mountedAt({})).toEqual([["tmp", { name: "tmp", emptyDir: {} }]]);
    // Two mounts at /tmp, as before, made a pod the API server refuses: volumeMounts must be unique.
    expect(
      mountedAt({ volumes: [{ name: "tmp", mountPath: "/tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }] }),
    ).toEqual([["vol-tmp", { name: "vol-tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }]]);
  });

  it("mounts the config, and rolls the pods when it changes", () => {
    const before = render({ config: { sample_rate: 16000 } });
    const after = render({ config: { sample_rate: 22050 } });
    expect(before.container?.volumeMounts).toContainEqual({
      name: "config",
      mountPath: "/etc/agentfleet/config.yaml",
      subPath: "config.yaml",
      readOnly: true,
    });
    const hash = (r: typeof before) => r.deployment.spec.template.metadata.annotations?.["agentfleet.io/config-hash"];
    expect(hash(before)).toBeDefined();
    expect(hash(before)).not.toBe(hash(after));
    expect(before.byKind("ConfigMap")).toMatchObject({ data: { "config.yaml": "sample_rate: 16000\n" } });
  });

  it("mounts the config file alone, beside what the image keeps in its directory", () => {
    const { container } = render({ config: { port: 7000 }, configMountPath: "/app/config.yaml" });
    // Before, /app itself was mounted from the ConfigMap, hiding the agent's code there.
    expect(container?.volumeMounts.filter((m) => m.name === "config")).toEqual([
      { name: "config", mountPath: "/app/config.yaml", subPath: "config.yaml", readOnly: true },
    ]);
  });

  it("writes the config as JSON where its file's name says JSON", () => {
    const config = { model: "whisper-large-v3", beams: [1, 5], vad: { enabled: true } };
    const { byKind } = render({ config, configMountPath: "/app/settings.JSON" });
    const text = (byKind("ConfigMap") as unknown as { data: Record<string, string> }).data["settings.JSON"] ?? "";
    // Before, a file named .json held YAML, and the agent's json.load failed on it.
    expect(JSON.parse(text)).toEqual(config);
  });

  it("gives the agent the time to stop it asks for, and Kubernetes' own when it asks none", () => {
    const grace = (spec: Record<string, unknown>) =>
      (render(spec).pod as unknown as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds;
    expect(grace({ terminationGracePeriodSeconds: 120 })).toBe(120);
    expect(grace({ terminationGracePeriodSeconds: 0 })).toBe(0);
    expect(grace({})).toBeUndefined();
  });

  it("renders no Service without ports and no ConfigMap without config", () => {
    const { byKind } = render({});
    expect(byKind("Service")).toBeUndefined();
    expect(byKind("ConfigMap")).toBeUndefined();
  });

  it("guards a protected agent with minAvailable and never blocks on an unhealthy pod", () => {
    expect(render({}, protect).byKind("PodDisruptionBudget")).toMatchObject({
      spec: { minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    });
    expect(render({}, allow).byKind("PodDisruptionBudget")).toMatchObject({ spec: { maxUnavailable: 1 } });
  });

  it("labels and owns every child, and marks it with a digest that changes only with its content", () => {
    const { children } = render({ ports: [{ name: "zmq", port: 5800 }], config: { a: 1 } });
    expect(children.map((c) => c.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "Service",
    ]);
    for (const child of children) {
      expect(child.metadata).toMatchObject({
        labels: {
          "app.kubernetes.io/name": "stt-service",
          "app.kubernetes.io/managed-by": "agentfleet",
          "app.kubernetes.io/part-of": "agentfleet",
        },
        ownerReferences: [{ kind: "AgentDeployment", name: "stt-service", uid: "uid-stt-service", controller: true }],
      });
    }
    const again = render({ ports: [{ name: "zmq", port: 5800 }], config: { a: 1 } }).children;
    expect(again).toEqual(children);
    const changed = render({ ports: [{ name: "zmq", port: 5801 }], config: { a: 1 } }).children;
    const digest = (cs: typeof children, kind: string) =>
      cs.find((c) => c.kind === kind)?.metadata.annotations?.["agentfleet.io/applied-hash"];
    expect(digest(changed, "Service")).not.toBe(digest(children, "Service"));
    expect(digest(changed, "ConfigMap")).toBe(digest(children, "ConfigMap"));
  });

  it("keeps the Deployment of an agent that waits for room at zero replicas", () => {
    const a = agent("big", { gpu: { class: "rtx-3060", vramMiB: 30000 } });
    const waiting: GpuChoice = { kind: "unplaceable", reason: "InsufficientVRAM", message: "needs 30000 MiB" };
    const deployment = renderChildren(renderInput(a, waiting, allow)).find(
      (c) => c.kind === "Deployment",
    ) as unknown as {
      spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } };
    };
    expect(deployment.spec.replicas).toBe(0);
    expect(deployment.spec.template.metadata.annotations?.["agentfleet.io/placed-node"]).toBeUndefined();
  });

  it("holds an agent whose dependencies are not Ready at zero replicas, and marks the Deployment once it starts", () => {
    const a = agent("stt", { replicas: 2, dependencies: ["memory-hub"] });
    const deploymentOf = (started: boolean) =>
      renderChildren(renderInput(a, { kind: "cpu" }, allow, { started })).find(
        (c) => c.kind === "Deployment",
      ) as unknown as { metadata: { annotations?: Record<string, string> }; spec: { replicas: number } };
    expect(deploymentOf(false).spec.replicas).toBe(0);
    expect(deploymentOf(false).metadata.annotations?.["agentfleet.io/started"]).toBeUndefined();
    expect(deploymentOf(true).spec.replicas).toBe(2);
    expect(deploymentOf(true).metadata.annotations?.["agentfleet.io/started"]).toBe("true");
  });

  it("gives the container its dependencies' addresses, after nothing the agent sets itself", () => {
    const a = agent("stt", {
      dependencies: ["memory-hub"],
      env: [{ name: "AGENTFLEET_DEP_MEMORY_HUB_HOST", value: "hub.lan" }],
    });
    const children = renderChildren(
      renderInput(a, { kind: "cpu" }, allow, {
        dependencies: [{ name: "memory-hub", ports: [{ name: "zmq", port: 7100 }] }],
      }),
    );
    const deployment = children.find((c) => c.kind === "Deployment") as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    const env = deployment.spec.template.spec.containers[0]?.env ?? [];
    expect(env.filter((e) => e.name.startsWith("AGENTFLEET_DEP_"))).toEqual([
      { name: "AGENTFLEET_DEP_MEMORY_HUB_PORT", value: "7100" },
      { name: "AGENTFLEET_DEP_MEMORY_HUB_PORT_ZMQ", value: "7100" },
      { name: "AGENTFLEET_DEP_MEMORY_HUB_HOST", value: "hub.lan" },
    ]);
  });
});
