// The local cluster behaves like the user's two PCs to everything above it: the real kube-scheduler
// places GPU pods by the device plugin's resource and GFD's labels, PodDisruptionBudgets bind the
// Eviction API, and a switched-off PC is tainted and emptied by the real node lifecycle controller.
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, nodeNameOf, setNodePower } from "../hack/lib/cluster.ts";
import { kubeconfigPath } from "../hack/lib/paths.ts";
import { simulatedNodes } from "../hack/lib/topology.ts";
import { loadConnection } from "../src/controller/connection.ts";
import { Informer } from "../src/controller/informer.ts";
import type { KubeObject } from "../src/controller/objects.ts";
import { core as coreResources } from "../src/controller/resources.ts";
import { KubeClient } from "../src/controller/rest.ts";
import { silentLogger } from "../src/observability/logger.ts";
import { clients, eventually, httpStatus, withNamespace } from "./support/kube.ts";

const { core, policy } = clients();
let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  ns = await withNamespace(core, "e2e-cluster");
});
afterAll(async () => {
  await setNodePower("pc2", "up").catch(() => undefined);
  await ns.remove();
});

function gpuPod(name: string, gpus: number, product?: string, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      runtimeClassName: "nvidia",
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "agent",
          image: "python:3.12-slim",
          resources: { limits: { "nvidia.com/gpu": String(gpus) } },
        },
      ],
      ...(product
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: "nvidia.com/gpu.product", operator: "In", values: [product, `${product}-SHARED`] },
                      ],
                    },
                  ],
                },
              },
            },
          }
        : {}),
    },
  };
}

const isReady = (pod: V1Pod) =>
  pod.status?.phase === "Running" && pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

describe("the simulated home lab", () => {
  it("has mainpc with an RTX 4090 and pc2 with an RTX 3060, advertised as time-sliced nvidia.com/gpu", async () => {
    const nodes = await core.listNode();
    const byName = new Map(nodes.items.map((n) => [n.metadata?.name, n]));
    for (const expected of simulatedNodes) {
      const node = byName.get(await nodeNameOf(expected.name));
      expect(node, `node ${expected.name}`).toBeDefined();
      expect(node?.metadata?.labels?.["nvidia.com/gpu.product"]).toBe(`${expected.gpu.product}-SHARED`);
      expect(node?.metadata?.labels?.["nvidia.com/gpu.memory"]).toBe(String(expected.gpu.memoryMiB));
      expect(node?.status?.allocatable?.["nvidia.com/gpu"]).toBe(String(expected.gpu.replicas));
      expect(node?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
    const runtimeClasses = await clients()
      .kc.makeApiClient((await import("@kubernetes/client-node")).NodeV1Api)
      .listRuntimeClass();
    expect(runtimeClasses.items.map((r) => r.handler)).toContain("nvidia");
  });

  it("serves the operator's caches a streaming list (one watch: every object, then its changes)", async () => {
    const client = new KubeClient(await loadConnection(kubeconfigPath));
    const nodes = new Informer<KubeObject>(client, coreResources.node, silentLogger());
    try {
      await nodes.start();
      expect(nodes.listedBy).toBe("streaming list");
      const names = await Promise.all(simulatedNodes.map((n) => nodeNameOf(n.name)));
      expect(nodes.list().map((n) => n.metadata.name)).toEqual(expect.arrayContaining(names));
    } finally {
      nodes.stop();
      await client.close();
    }
  });

  it("schedules a pod pinned to the RTX 3060 onto pc2, where it becomes Running and Ready", async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: gpuPod("on-3060", 1, "NVIDIA-GeForce-RTX-3060") });
    const pod = await eventually("the pod to be Ready", async () => {
      const p = await core.readNamespacedPod({ name: "on-3060", namespace: ns.name });
      return isReady(p) ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe(await nodeNameOf("pc2"));
  });

  it("leaves a pod that asks for more GPU replicas than any node has Pending, with the scheduler's reason", async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: gpuPod("too-big", 64) });
    const condition = await eventually("the scheduler to give up on the pod", async () => {
      const p = await core.readNamespacedPod({ name: "too-big", namespace: ns.name });
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    });
    expect(condition.reason).toBe("Unschedulable");
    expect(condition.message).toMatch(/Insufficient nvidia\.com\/gpu/);
    const pod = await core.readNamespacedPod({ name: "too-big", namespace: ns.name });
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.spec?.nodeName).toBeUndefined();
  });

  it("answers 429 to an eviction that a PodDisruptionBudget forbids, and evicts when none does", async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: gpuPod("guarded", 1, undefined, { guard: "yes" }) });
    await core.createNamespacedPod({ namespace: ns.name, body: gpuPod("unguarded", 1) });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns.name,
      body: { metadata: { name: "guard" }, spec: { minAvailable: 1, selector: { matchLabels: { guard: "yes" } } } },
    });
    for (const name of ["guarded", "unguarded"]) {
      await eventually(`${name} to be Ready`, async () =>
        isReady(await core.readNamespacedPod({ name, namespace: ns.name })) ? true : undefined,
      );
    }
    // The disruption controller must have counted the guarded pod before the budget binds.
    await eventually("the budget to count the pod", async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: "guard", namespace: ns.name });
      return pdb.status?.currentHealthy === 1 && pdb.status.observedGeneration === pdb.metadata?.generation
        ? true
        : undefined;
    });
    const evict = (name: string) =>
      core.createNamespacedPodEviction({ name, namespace: ns.name, body: { metadata: { name, namespace: ns.name } } });

    const refused = await evict("guarded").then(
      () => 0,
      (err: unknown) => httpStatus(err),
    );
    expect(refused).toBe(429);
    await evict("unguarded");
    await eventually("the unguarded pod to go", async () =>
      core.readNamespacedPod({ name: "unguarded", namespace: ns.name }).then(
        (p) => (p.metadata?.deletionTimestamp ? true : undefined),
        (err: unknown) => (httpStatus(err) === 404 ? true : undefined),
      ),
    );
  });

  it("reports a running pod that was marked not ready Ready again, as its kubelet would", async () => {
    await core.createNamespacedPod({ namespace: ns.name, body: gpuPod("marked", 1, "NVIDIA-GeForce-RTX-3060") });
    await eventually("the pod to be Ready", async () => {
      const p = await core.readNamespacedPod({ name: "marked", namespace: ns.name });
      return isReady(p) ? p : undefined;
    });
    // What kube-controller-manager does to the pods of a node it sees not Ready, here on a Ready node
    // (the moment a PC comes back): kwok makes a pod Ready only as it starts.
    const notReady = { status: { conditions: [{ type: "Ready", status: "False" }] } };
    await kubectl(["patch", "pod", "marked", "-n", ns.name, "--subresource=status", "-p", JSON.stringify(notReady)]);
    expect(isReady(await core.readNamespacedPod({ name: "marked", namespace: ns.name }))).toBe(false);
    await eventually(
      "the pod to be Ready again",
      async () => (isReady(await core.readNamespacedPod({ name: "marked", namespace: ns.name })) ? true : undefined),
      { timeoutMs: 40_000 },
    );
    await core.deleteNamespacedPod({ name: "marked", namespace: ns.name, gracePeriodSeconds: 0 });
  });

  it("taints a switched-off pc2, evicts its pods, and makes it Ready again when switched on", async () => {
    const onPc2 = await core.readNamespacedPod({ name: "on-3060", namespace: ns.name });
    const pc2 = await nodeNameOf("pc2");
    expect(onPc2.spec?.nodeName).toBe(pc2);

    await setNodePower("pc2", "down");
    const taint = await eventually("the not-ready taint on pc2", async () => {
      const node = await core.readNode({ name: pc2 });
      return node.spec?.taints?.find(
        (t) => /^node\.kubernetes\.io\/(not-ready|unreachable)$/.test(t.key) && t.effect === "NoExecute",
      );
    });
    expect(taint.effect).toBe("NoExecute");
    await eventually(
      "pc2's pod to be evicted",
      async () =>
        core.readNamespacedPod({ name: "on-3060", namespace: ns.name }).then(
          (p) => (p.metadata?.deletionTimestamp ? true : undefined),
          (err: unknown) => (httpStatus(err) === 404 ? true : undefined),
        ),
      { timeoutMs: 90_000 },
    );

    await setNodePower("pc2", "up");
    const node = await core.readNode({ name: pc2 });
    expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    await eventually("the NoExecute taints to be lifted", async () => {
      const n = await core.readNode({ name: pc2 });
      return (n.spec?.taints ?? []).some((t) => t.effect === "NoExecute") ? undefined : true;
    });
  });
});
