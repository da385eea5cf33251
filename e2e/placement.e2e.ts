// GPU placement on the real control plane: the VRAM ledger lets a waiting agent in as soon as room
// appears (and not while a deleted agent's pod still holds it), moves agents with a fallback off a PC that is switched off (and back when it returns),
// keeps every required agent with a fallback up through `kubectl drain`, and starts a required agent
// that displaced another only once the displaced agent's pod has stopped.
import { spawn } from "node:child_process";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, nodeNameOf, setNodePower } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { kubeconfigPath, tool } from "../hack/lib/paths.ts";
import { applyObjects } from "./support/fleet.ts";
import { type Condition, clients, eventually, withNamespace } from "./support/kube.ts";

const { core } = clients();
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let mainpc: string;
let pc2: string;

interface AgentState {
  node?: string;
  gpuClass?: string;
  conditions?: Condition[];
}

const agent = (name: string, gpu: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec: { image: `cascade/${name}:1.0`, ports: [{ name: "zmq", port: 5555 }], gpu, ...extra },
});

async function state(name: string): Promise<AgentState> {
  const a = JSON.parse(await kubectl(["get", "agd", name, "-n", ns.name, "-o", "json"])) as { status?: AgentState };
  return a.status ?? {};
}
const condition = (s: AgentState, type: string) => s.conditions?.find((c) => c.type === type);
const readyPods = async (name: string): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app.kubernetes.io/name=${name}` })).items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );

/** The agent's Placed condition, once it passes the test. */
const placedWhen = (name: string, what: string, test: (c: Condition) => boolean) =>
  eventually(
    what,
    async () => {
      const c = condition(await state(name), "Placed");
      return c && test(c) ? c : undefined;
    },
    { explain: () => scene(name) },
  );

/**
 * Scales the agent's Deployment to zero and waits until its pods are gone: its ReplicaSet stops
 * them at once, where the garbage collector would take tens of seconds on a control plane just
 * started, and until then they hold their VRAM for the next test.
 */
async function stopPods(name: string): Promise<void> {
  // Already gone when the garbage collector was quick: then its pods are on their way too.
  await kubectl(["scale", "deployment", name, "-n", ns.name, "--replicas=0"]).catch((err: Error) => {
    if (!err.message.includes("NotFound")) throw err;
  });
  await eventually(`${name}'s pods to be gone`, async () =>
    (await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app.kubernetes.io/name=${name}` })).items
      .length === 0
      ? true
      : undefined,
  );
}

/** Deletes agents and waits until their pods no longer hold a card. */
async function removeAgents(...names: string[]): Promise<void> {
  await kubectl(["delete", "agd", ...names, "-n", ns.name, "--wait=false"]);
  for (const name of names) await stopPods(name);
}

/**
 * What a wait that failed saw: the agent's conditions, every pod of the test's namespace and the
 * classes' ledgers (whose figures may be up to five seconds old), so that a rare failure in CI says whether the operator or the scheduler held it.
 */
async function scene(name: string): Promise<string> {
  const conditions = (await state(name)).conditions ?? [];
  const pods = (await core.listNamespacedPod({ namespace: ns.name })).items.map((p) => {
    const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status ?? "-";
    const scheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled");
    const deleting = p.metadata?.deletionTimestamp ? " deleting" : "";
    const unscheduled = scheduled?.status === "False" ? ` (${scheduled.message ?? scheduled.reason})` : "";
    return `  ${p.metadata?.name} on ${p.spec?.nodeName ?? "no node"}: ${p.status?.phase}, ready ${ready}${deleting}${unscheduled}`;
  });
  const deployment = await kubectl(["get", "deployment", name, "-n", ns.name, "-o", "json"]).then(
    (text) => {
      const d = JSON.parse(text) as {
        spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> } } };
        status?: Record<string, unknown>;
      };
      return `${name}'s Deployment: replicas ${d.spec.replicas}, template annotations ${JSON.stringify(d.spec.template.metadata?.annotations ?? {})}, status ${JSON.stringify(d.status ?? {})}`;
    },
    (err: Error) => `${name}'s Deployment: ${err.message.trim()}`,
  );
  const classes = JSON.parse(await kubectl(["get", "gpuclass", "-o", "json"])) as {
    items: { metadata: { name: string }; status?: { nodes?: unknown[] } }[];
  };
  return [
    `${name}'s conditions:`,
    ...conditions.map((c) => `  ${c.type} ${c.status} ${c.reason}: ${c.message}`),
    deployment,
    `pods in ${ns.name}:`,
    ...pods,
    ...classes.items.map((c) => `class ${c.metadata.name}: ${JSON.stringify(c.status?.nodes ?? [])}`),
  ].join("\n");
}

/** The agent is Ready, placed on the node, and has a Ready pod there. */
const readyOn = (name: string, node: string) =>
  eventually(
    `${name} to be Ready on ${node}`,
    async () => {
      const s = await state(name);
      const pods = await readyPods(name);
      return condition(s, "Ready")?.status === "True" && s.node === node && pods.some((p) => p.spec?.nodeName === node)
        ? s
        : undefined;
    },
    { timeoutMs: 30_000, explain: () => scene(name) },
  );

beforeAll(async () => {
  mainpc = await nodeNameOf("mainpc");
  pc2 = await nodeNameOf("pc2");
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-placement");
  operator = await startOperator("placement");
});

afterAll(async () => {
  await setNodePower("pc2", "up").catch(() => undefined);
  await kubectl(["uncordon", mainpc]).catch(() => undefined);
  await operator?.stop();
  await ns?.remove();
});

describe("GPU placement", () => {
  it("keeps an agent that does not fit waiting with the numbers, and places it within seconds of room appearing (a deleted agent's pod still holds it)", async () => {
    await applyObjects([agent("hog", { class: "rtx-3060", vramMiB: 10000 })]);
    await readyOn("hog", pc2);
    await applyObjects([agent("waiter", { class: "rtx-3060", vramMiB: 3000 })]);
    const placed = await placedWhen("waiter", "waiter to be left out", (c) => c.status === "False");
    expect(placed.reason).toBe("InsufficientVRAM");
    expect(placed.message).toBe(`needs 3000 MiB: rtx-3060 has 1520 MiB free on ${pc2}`);
    expect(await readyPods("waiter")).toEqual([]);

    // hog is deleted, but its pod runs on (its Deployment orphaned, as a garbage collector that lags
    // or a pod that takes its grace period to stop would leave it): its VRAM is not free yet.
    await kubectl(["delete", "agd", "hog", "-n", ns.name, "--cascade=orphan", "--wait=false"]);
    const held = await placedWhen("waiter", "waiter to wait for hog's pod to stop", (c) =>
      c.message.includes("leaving"),
    );
    expect(held).toMatchObject({
      status: "False",
      reason: "InsufficientVRAM",
      message: `needs 3000 MiB: rtx-3060 has 1520 MiB free on ${pc2}, and 10000 MiB more once the pods leaving it have stopped`,
    });
    expect(await readyPods("waiter")).toEqual([]);
    expect(await readyPods("hog")).toHaveLength(1);
    // The class's ledger says the same: not requested by anyone, not free either.
    const ledger = await eventually("rtx-3060's ledger to count hog's pod as leaving", async () => {
      const c = JSON.parse(await kubectl(["get", "gpuclass", "rtx-3060", "-o", "json"])) as {
        status?: { nodes?: { name: string; leavingMiB?: number; freeMiB: number }[] };
      };
      const onPc2 = c.status?.nodes?.find((n) => n.name === pc2);
      return onPc2?.leavingMiB ? onPc2 : undefined;
    });
    expect(ledger).toMatchObject({ leavingMiB: 10000, freeMiB: 1520 });

    await stopPods("hog");
    const goneAt = Date.now();
    await readyOn("waiter", pc2);
    expect((Date.now() - goneAt) / 1000).toBeLessThan(15);
    await kubectl(["delete", "deployment", "hog", "-n", ns.name]);
    await removeAgents("waiter");
  });

  it("moves agents with a fallback off a PC that is switched off within 30 s, and back when it returns", async () => {
    await applyObjects([
      agent("eyes", { class: "rtx-3060", vramMiB: 2000, fallbackClasses: ["rtx-4090"] }, { required: true }),
      agent("ears", { class: "rtx-3060", vramMiB: 1000 }),
    ]);
    await readyOn("eyes", pc2);
    await readyOn("ears", pc2);

    await setNodePower("pc2", "down");
    const downAt = Date.now();
    const moved = await readyOn("eyes", mainpc);
    expect((Date.now() - downAt) / 1000).toBeLessThan(30);
    expect(condition(moved, "Placed")).toMatchObject({ reason: "FallbackActive" });
    expect(condition(moved, "FallbackActive")).toMatchObject({ status: "True", reason: "OwnClassUnavailable" });
    expect(moved.gpuClass).toBe("rtx-4090");
    const stranded = await placedWhen("ears", "ears to say why it does not run", (c) => c.status === "False");
    expect(stranded.reason).toBe("NodeNotReady");

    await setNodePower("pc2", "up");
    const back = await readyOn("eyes", pc2);
    expect(condition(back, "Placed")).toMatchObject({ status: "True", reason: "Placed" });
    expect(condition(back, "FallbackActive")).toMatchObject({ status: "False" });
    await readyOn("ears", pc2);
  });

  it("keeps every required agent with a fallback Ready through kubectl drain, and the drain finishes", async () => {
    await applyObjects([
      agent("brain", { class: "rtx-4090", vramMiB: 4000, fallbackClasses: ["rtx-3060"] }, { required: true }),
      agent("doodle", { class: "rtx-4090", vramMiB: 1000 }),
    ]);
    await readyOn("brain", mainpc);
    await readyOn("doodle", mainpc);
    const pdb = JSON.parse(await kubectl(["get", "pdb", "brain", "-n", ns.name, "-o", "json"])) as {
      spec: Record<string, unknown>;
    };
    expect(pdb.spec).toMatchObject({ minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });

    const drain = spawn(
      tool("kubectl"),
      [
        "--kubeconfig",
        kubeconfigPath,
        "drain",
        mainpc,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=120s",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    drain.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    drain.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const finished = new Promise<number | null>((resolve) => drain.once("exit", resolve));
    let done = false;
    void finished.then(() => {
      done = true;
    });
    // Polled throughout: brain never has zero Ready pods.
    let polls = 0;
    while (!done) {
      expect(
        (await readyPods("brain")).length,
        `brain had no Ready pod during the drain (poll ${polls})`,
      ).toBeGreaterThan(0);
      polls++;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await finished, output).toBe(0);
    expect(polls).toBeGreaterThan(0);
    const after = await readyOn("brain", pc2);
    expect(condition(after, "Placed")?.reason).toBe("FallbackActive");

    await kubectl(["uncordon", mainpc]);
    await readyOn("brain", mainpc);
  }, 180_000);

  it("starts a required agent that displaced another only once the displaced agent's pod has stopped", async () => {
    await applyObjects([agent("filler", { class: "rtx-3060", vramMiB: 8000 })]);
    await readyOn("filler", pc2);
    // A finalizer keeps filler's pod in its grace period for as long as the test wants: a model
    // that takes its time to unload.
    const [fillerPod] = await readyPods("filler");
    const podName = fillerPod?.metadata?.name ?? "";
    const hold = { metadata: { finalizers: ["e2e.agentfleet.io/hold"] } };
    await kubectl(["patch", "pod", podName, "-n", ns.name, "--type=merge", "-p", JSON.stringify(hold)]);
    try {
      await applyObjects([agent("vital", { class: "rtx-3060", vramMiB: 6000 }, { required: true })]);
      await placedWhen("filler", "filler to be displaced", (c) => c.reason === "Preempted");
      const waits = await placedWhen("vital", "vital to wait for filler's pod", (c) => c.message.includes("leaving"));
      expect(waits).toMatchObject({
        status: "False",
        reason: "InsufficientVRAM",
        message: `placed on ${pc2} (rtx-3060), where pods leaving the node still hold 8000 MiB; it starts once they have stopped`,
      });
      const deployment = JSON.parse(await kubectl(["get", "deployment", "vital", "-n", ns.name, "-o", "json"])) as {
        spec: { replicas: number };
      };
      expect(deployment.spec.replicas).toBe(0);
      // Displaced still, while its pod stops: not told it is about to have its room back.
      expect(condition(await state("filler"), "Placed")).toMatchObject({
        reason: "Preempted",
        message: expect.stringContaining(`by the required agent ${ns.name}/vital`),
      });
      // Still there, stopping.
      const stopping = await core.readNamespacedPod({ name: podName, namespace: ns.name });
      expect(stopping.metadata?.deletionTimestamp).toBeDefined();
      expect(await readyPods("vital")).toEqual([]);
    } finally {
      await kubectl([
        "patch",
        "pod",
        podName,
        "-n",
        ns.name,
        "--type=json",
        "-p",
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ]);
    }
    const stoppedAt = Date.now();
    await readyOn("vital", pc2);
    expect((Date.now() - stoppedAt) / 1000).toBeLessThan(15);
    // Its pod gone, filler still says what keeps it out.
    // (eyes, required and on pc2 since the test before, may be named beside vital.)
    await placedWhen(
      "filler",
      "filler to name the required agent that holds its room",
      (c) => /\(required agents hold \d+ MiB there: [^)]*\)/.test(c.message) && c.message.includes(`${ns.name}/vital`),
    );
    await removeAgents("vital", "filler");
  });
});
