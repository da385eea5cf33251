// The operator turns AgentDeployments into running, pinned, protected agents on the real control
// plane, writes nothing when nothing changed, and converges after a crash.
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, nodeNameOf } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { kubeconfigPath } from "../hack/lib/paths.ts";
import { loadConnection } from "../src/controller/connection.ts";
import { Informer } from "../src/controller/informer.ts";
import type { KubeObject } from "../src/controller/objects.ts";
import { core as coreResources } from "../src/controller/resources.ts";
import { KubeClient } from "../src/controller/rest.ts";
import { silentLogger } from "../src/observability/logger.ts";
import { applyObjects, createSecret, type Manifest, sampleAgents } from "./support/fleet.ts";
import { clients, eventually, withNamespace } from "./support/kube.ts";

const { core, apps, policy } = clients();
const classNode: Record<string, string> = {};
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let fleet: Manifest[];

interface AgentStatus {
  metadata: { name: string; resourceVersion: string };
  spec: { gpu?: { class: string } };
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[]; node?: string };
}

async function agents(): Promise<AgentStatus[]> {
  return (JSON.parse(await kubectl(["get", "agd", "-n", ns.name, "-o", "json"])) as { items: AgentStatus[] }).items;
}

const condition = (a: AgentStatus, type: string) => a.status?.conditions?.find((c) => c.type === type);

async function podsOf(agent: string): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app.kubernetes.io/name=${agent}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Every object the operator owns in the namespace, with its resourceVersion. */
async function childVersions(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const selector = { namespace: ns.name, labelSelector: "app.kubernetes.io/managed-by=agentfleet" };
  for (const d of (await apps.listNamespacedDeployment(selector)).items)
    out.set(`Deployment/${d.metadata?.name}`, d.metadata?.resourceVersion ?? "");
  for (const s of (await core.listNamespacedService(selector)).items)
    out.set(`Service/${s.metadata?.name}`, s.metadata?.resourceVersion ?? "");
  for (const c of (await core.listNamespacedConfigMap(selector)).items)
    out.set(`ConfigMap/${c.metadata?.name}`, c.metadata?.resourceVersion ?? "");
  for (const p of (await policy.listNamespacedPodDisruptionBudget(selector)).items)
    out.set(`PodDisruptionBudget/${p.metadata?.name}`, p.metadata?.resourceVersion ?? "");
  for (const a of await agents()) out.set(`AgentDeployment/${a.metadata.name}`, a.metadata.resourceVersion);
  return out;
}

beforeAll(async () => {
  classNode["rtx-4090"] = await nodeNameOf("mainpc");
  classNode["rtx-3060"] = await nodeNameOf("pc2");
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-operator");
  await createSecret(ns.name, "cloud-keys", "openai");
  fleet = await sampleAgents(ns.name);
  operator = await startOperator("operator");
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

describe("agentfleet run", () => {
  it("runs a mixed fleet: GPU pods on their class's node, CPU pods blind to GPUs, every agent Ready", async () => {
    await applyObjects(fleet);
    await kubectl(["wait", "--for=condition=Ready", "agd", "--all", "-n", ns.name, "--timeout=120s"]);

    for (const agent of fleet) {
      const name = agent.metadata.name;
      const gpu = agent.spec?.gpu as { class: string } | undefined;
      const pods = await podsOf(name);
      expect(pods.length, `${name} pods`).toBeGreaterThan(0);
      for (const pod of pods) {
        const container = pod.spec?.containers[0];
        expect(pod.metadata?.labels).toMatchObject({
          "app.kubernetes.io/name": name,
          "app.kubernetes.io/managed-by": "agentfleet",
          "app.kubernetes.io/part-of": "agentfleet",
        });
        if (gpu) {
          expect(pod.spec?.nodeName, `${name} node`).toBe(classNode[gpu.class]);
          expect(pod.spec?.runtimeClassName).toBe("nvidia");
          expect(container?.resources?.limits?.["nvidia.com/gpu"]).toBe("1");
        } else {
          expect(container?.env).toContainEqual({ name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
          expect(container?.resources?.limits?.["nvidia.com/gpu"]).toBeUndefined();
        }
      }
    }
    const stt = (await agents()).find((a) => a.metadata.name === "stt-service");
    expect(condition(stt as AgentStatus, "Placed")?.message).toContain(
      `runs on rtx-4090 (6000 MiB VRAM) on node ${classNode["rtx-4090"]}`,
    );
    const sttPod = (await podsOf("stt-service"))[0];
    expect(sttPod?.spec?.containers[0]?.env).toContainEqual({
      name: "OPENAI_API_KEY",
      valueFrom: { secretKeyRef: { name: "cloud-keys", key: "openai" } },
    });
    // A Secret's key as a file, read-only, readable by the agent's group alone; the pod was admitted.
    const translation = (await podsOf("translation-service"))[0];
    expect(translation?.spec?.volumes).toContainEqual(
      expect.objectContaining({
        name: "vol-keys",
        secret: expect.objectContaining({
          secretName: "cloud-keys",
          items: [{ key: "openai", path: "openai_api_key" }],
          defaultMode: 0o440,
        }),
      }),
    );
    expect(translation?.spec?.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ name: "vol-keys", mountPath: "/run/secrets", readOnly: true }),
    );
    const service = await core.readNamespacedService({ name: "stt-service", namespace: ns.name });
    expect(service.spec?.ports?.map((p) => p.name)).toEqual(["zmq", "health"]);
    // Required, with a fallback class that has room for it: a drain must wait for it to move.
    const held = await policy.readNamespacedPodDisruptionBudget({ name: "model-ops-coordinator", namespace: ns.name });
    expect(held.spec?.minAvailable).toBe(1);
    // Required, but its fallback (rtx-3060, where it needs 3000 MiB) has only 2520 MiB left: holding a
    // drain would hold it for ever, so the budget lets it through and the condition says so.
    const open = await eventually("stt-service's budget to let a drain through", async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: "stt-service", namespace: ns.name });
      return pdb.spec?.maxUnavailable === 1 ? pdb : undefined;
    });
    expect(open.spec?.minAvailable).toBeUndefined();
    const said = await eventually("stt-service to say a drain will stop it", async () => {
      const now = (await agents()).find((a) => a.metadata.name === "stt-service") as AgentStatus;
      const c = condition(now, "DisruptionProtected");
      return c?.status === "False" ? c : undefined;
    });
    expect(said).toMatchObject({
      reason: "NoFallback",
      message: expect.stringContaining("no other node has room for it"),
    });
  });

  it("shows each GPU class's nodes and VRAM ledger in its status", async () => {
    interface ClassStatus {
      status?: {
        readyNodes?: number;
        nodes?: { name: string; ready: boolean; capacityMiB: number; requestedMiB: number; agents?: string[] }[];
        conditions?: { type: string; status: string; message: string }[];
      };
    }
    const all = (JSON.parse(await kubectl(["get", "agd", "-A", "-o", "json"])) as { items: AgentStatus[] })
      .items as (AgentStatus & {
      status?: { gpuClass?: string; vramMiB?: number };
      metadata: { namespace: string };
    })[];
    const expected = all
      .filter((a) => a.status?.gpuClass === "rtx-3060" && a.status.node === classNode["rtx-3060"])
      .reduce((sum, a) => sum + (a.status?.vramMiB ?? 0), 0);
    expect(expected).toBeGreaterThan(0);
    const pc2 = await eventually("rtx-3060's ledger to count the fleet", async () => {
      const c = JSON.parse(await kubectl(["get", "gpuclass", "rtx-3060", "-o", "json"])) as ClassStatus;
      const n = c.status?.nodes?.find((x) => x.name === classNode["rtx-3060"]);
      return n?.requestedMiB === expected ? { c, n } : undefined;
    });
    expect(pc2.n).toMatchObject({ ready: true, capacityMiB: 12288 - 768 });
    expect(pc2.n.agents).toContain(`${ns.name}/face-recognition`);
    expect(pc2.c.status?.conditions?.find((x) => x.type === "Ready")).toMatchObject({ status: "True" });
  });

  it("writes nothing while nothing changes", async () => {
    // The rollout's last status writes have landed once the operator has had nothing to do for a second.
    await operator.idle();
    const before = await operator.writes();
    const versions = await childVersions();
    // Then a window in which nothing may be written: the claim is about time passing, so time passes.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await operator.writes()).toBe(before);
    expect(await childVersions()).toEqual(versions);
  });

  it("rolls only the agent whose config changed, one GPU pod at a time, and writes nothing else", async () => {
    const before = await childVersions();
    const oldHash = (await apps.readNamespacedDeployment({ name: "tts-service", namespace: ns.name })).spec?.template
      .metadata?.annotations?.["agentfleet.io/config-hash"];
    // tts-service holds a GPU slice: its new pod must not ask for a second one beside the old. A watch
    // sees every step of the roll; the most pods of it alive (not being deleted) at once must be one.
    const client = new KubeClient(await loadConnection(kubeconfigPath));
    const ttsPods = new Informer<KubeObject>(client, coreResources.pod, silentLogger(), {
      labelSelector: "app.kubernetes.io/name=tts-service",
    });
    let mostAlive = 0;
    ttsPods.onChange(() => {
      const alive = ttsPods.list(ns.name).filter((p) => !p.metadata.deletionTimestamp).length;
      mostAlive = Math.max(mostAlive, alive);
    });
    try {
      await ttsPods.start();
      await kubectl([
        "patch",
        "agd",
        "tts-service",
        "-n",
        ns.name,
        "--type=merge",
        "-p",
        '{"spec":{"config":{"voice":"en_GB-alan"}}}',
      ]);
      await eventually("the tts-service pods to roll", async () => {
        const d = await apps.readNamespacedDeployment({ name: "tts-service", namespace: ns.name });
        const hash = d.spec?.template.metadata?.annotations?.["agentfleet.io/config-hash"];
        const done =
          d.status?.updatedReplicas === 1 && d.status.availableReplicas === 1 && (d.status.replicas ?? 0) === 1;
        return hash !== oldHash && done ? true : undefined;
      });
      await kubectl(["wait", "--for=condition=Ready", "agd/tts-service", "-n", ns.name, "--timeout=60s"]);
    } finally {
      // Stopped however the roll went: a failed wait must not leave the watch open for the next tests.
      ttsPods.stop();
      await client.close();
    }
    expect(mostAlive).toBe(1);
    const cm = await core.readNamespacedConfigMap({ name: "tts-service-config", namespace: ns.name });
    expect(Object.values(cm.data ?? {})[0]).toContain("en_GB-alan");

    const after = await childVersions();
    const changed = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    // tts-service's own objects change (its PDB's status too, as its pods roll); so may the status of
    // the agents that depend on it. Nothing else may.
    const dependents = fleet
      .filter((a) => (a.spec?.dependencies as string[] | undefined)?.includes("tts-service"))
      .map((a) => `AgentDeployment/${a.metadata.name}`);
    const others = changed.filter((k) => !/\/tts-service(-config)?$/.test(k) && !dependents.includes(k));
    expect(others).toEqual([]);
    expect(changed).toContain("Deployment/tts-service");
  });

  it("scales an agent with kubectl scale, as a Deployment, through its scale subresource", async () => {
    await kubectl(["scale", "agd", "system-digital-twin", "-n", ns.name, "--replicas=2"]);
    await eventually("system-digital-twin to run 2 pods Ready", async () => {
      const twin = (await agents()).find((a) => a.metadata.name === "system-digital-twin");
      return condition(twin as AgentStatus, "Ready")?.message.startsWith("2/2 pods Ready") ? twin : undefined;
    });
    // What an autoscaler reads: the replicas and the selector of the agent's pods.
    const scale = JSON.parse(
      await kubectl(["get", "agd", "system-digital-twin", "-n", ns.name, "--subresource=scale", "-o", "json"]),
    ) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    expect(scale.spec.replicas).toBe(2);
    expect(scale.status.replicas).toBe(2);
    const selected = await core.listNamespacedPod({ namespace: ns.name, labelSelector: scale.status.selector });
    expect(new Set(selected.items.map((p) => p.metadata?.labels?.["app.kubernetes.io/name"]))).toEqual(
      new Set(["system-digital-twin"]),
    );
    await kubectl(["scale", "agd", "system-digital-twin", "-n", ns.name, "--replicas=1"]);
    await eventually("system-digital-twin back to 1 pod", async () => {
      const twin = (await agents()).find((a) => a.metadata.name === "system-digital-twin");
      return condition(twin as AgentStatus, "Ready")?.message.startsWith("1/1 pods Ready") &&
        (await podsOf("system-digital-twin")).length === 1
        ? twin
        : undefined;
    });
  });

  it("deletes every child with its agent", async () => {
    await kubectl(["delete", "agd", "observability-hub", "-n", ns.name, "--wait=true"]);
    await eventually("observability-hub's children to go", async () => {
      const left = [...(await childVersions()).keys()].filter((k) => k.includes("observability-hub"));
      return left.length === 0 ? true : undefined;
    });
  });

  it("converges after being killed mid-rollout, with no duplicate or orphaned child", async () => {
    const extra = Array.from({ length: 10 }, (_, i) => ({
      apiVersion: "agentfleet.io/v1alpha1",
      kind: "AgentDeployment",
      metadata: { name: `burst-${i}`, namespace: ns.name },
      spec: {
        image: "cascade/worker:1.0",
        ports: [{ name: "http", port: 8080 }],
        config: { shard: i },
        // The fleet above leaves 4 of mainpc's 8 GPU replicas free, and none of pc2's 4.
        ...(i % 5 === 0 ? { gpu: { class: "rtx-4090", vramMiB: 500 } } : {}),
      },
    }));
    await applyObjects(extra);
    await eventually("the rollout to be under way", async () =>
      (await childVersions()).has("Deployment/burst-0") ? true : undefined,
    );
    await operator.kill();
    operator = await startOperator("operator-restarted");
    await kubectl(["wait", "--for=condition=Ready", "agd", "--all", "-n", ns.name, "--timeout=120s"]);

    const names = new Set((await agents()).map((a) => a.metadata.name));
    const deployments = (await apps.listNamespacedDeployment({ namespace: ns.name })).items;
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual([...names].sort());
    for (const d of deployments) {
      const owners = d.metadata?.ownerReferences ?? [];
      expect(owners, `${d.metadata?.name} owners`).toHaveLength(1);
      expect(names.has(owners[0]?.name ?? "")).toBe(true);
    }
    const pdbs = (await policy.listNamespacedPodDisruptionBudget({ namespace: ns.name })).items;
    expect(pdbs.map((p) => p.metadata?.name).sort()).toEqual([...names].sort());
  });
});
