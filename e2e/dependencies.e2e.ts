// Agents that work together, on the real control plane: a fleet applied at once starts in dependency
// order, a cycle does not deadlock it, a missing dependency holds its dependents until it appears,
// each agent gets its dependencies' addresses, and each accepts traffic only from its dependents.
import type { V1NetworkPolicy, V1Pod } from "@kubernetes/client-node";
import { NetworkingV1Api, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../hack/lib/cluster.ts";
import { installCrds } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { kubeconfigPath } from "../hack/lib/paths.ts";
import type { AgentDeployment } from "../src/api/agentdeployment.ts";
import { loadConnection } from "../src/controller/connection.ts";
import { Informer } from "../src/controller/informer.ts";
import { KubeClient } from "../src/controller/rest.ts";
import { silentLogger } from "../src/observability/logger.ts";
import { agentDeploymentResource } from "../src/reconcilers/kinds.ts";
import { applyObjects } from "./support/fleet.ts";
import { type Condition, clients, eventsWithReason, eventually, httpStatus, withNamespace } from "./support/kube.ts";

const { kc, core, apps } = clients();
const networking = kc.makeApiClient(NetworkingV1Api);
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;

interface Agent {
  metadata: { name: string };
  status?: { conditions?: Condition[] };
}

const agent = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec: { image: `cascade/${name}:1.0`, ports: [{ name: "zmq", port: 7000 }], ...spec },
});

async function agentsNow(): Promise<Map<string, Agent>> {
  const list = JSON.parse(await kubectl(["get", "agd", "-n", ns.name, "-o", "json"])) as { items: Agent[] };
  return new Map(list.items.map((a) => [a.metadata.name, a]));
}
const condition = (a: Agent | undefined, type: string) => a?.status?.conditions?.find((c) => c.type === type);
const isReady = (a: Agent | undefined) => condition(a, "Ready")?.status === "True";

/** The names of the agents that have a pod now (any phase), from their pods' labels. */
async function agentsWithPods(): Promise<Set<string>> {
  const pods = await core.listNamespacedPod({ namespace: ns.name });
  return new Set(pods.items.map((p) => p.metadata?.labels?.["app.kubernetes.io/name"] ?? ""));
}

const allReady = (names: string[]) =>
  eventually(
    `${names.join(", ")} to be Ready`,
    async () => {
      const agents = await agentsNow();
      return names.every((n) => isReady(agents.get(n))) ? agents : undefined;
    },
    { timeoutMs: 60_000 },
  );

const deploymentOf = (name: string) => apps.readNamespacedDeployment({ name, namespace: ns.name });
const configHash = (d: Awaited<ReturnType<typeof deploymentOf>>) =>
  d.spec?.template.metadata?.annotations?.["agentfleet.io/config-hash"];

const policyOf = (name: string) =>
  networking.readNamespacedNetworkPolicy({ name, namespace: ns.name }).catch((err: unknown) => {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  });
const peersOf = (p: V1NetworkPolicy | undefined) =>
  (p?.spec?.ingress ?? []).flatMap((rule) => rule._from ?? []).map((peer) => JSON.stringify(peer));
const podsOf = (name: string) =>
  JSON.stringify({
    podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "agentfleet", "app.kubernetes.io/name": name } },
  });

beforeAll(async () => {
  await installCrds();
  ns = await withNamespace(core, "e2e-deps");
  operator = await startOperator("dependencies");
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
});

describe("agents that work together", () => {
  it("starts a chain applied at once in dependency order: no pod before what it depends on is Ready", async () => {
    // The order the pods were created in, from one watch (the API server's order): the chain can be
    // Ready within a second, too fast for sampling to see eager's pod while chain-a waits.
    const created: string[] = [];
    const podWatch = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns.name}/pods`,
      {},
      (phase, pod: V1Pod) => {
        if (phase === "ADDED") created.push(pod.metadata?.labels?.["app.kubernetes.io/name"] ?? "");
      },
      () => undefined,
    );
    await applyObjects([
      agent("chain-a", { dependencies: ["chain-b"] }),
      agent("chain-b", { dependencies: ["chain-c"] }),
      agent("chain-c"),
      agent("eager", { dependencies: ["chain-a"], startPolicy: "Immediately" }),
    ]);
    const broken: string[] = [];
    for (;;) {
      // Pods first, then agents: a dependency seen Ready after the pod was seen was Ready when the pod was created.
      const withPods = await agentsWithPods();
      const agents = await agentsNow();
      if (withPods.has("chain-b") && !isReady(agents.get("chain-c")))
        broken.push("a pod of chain-b before chain-c was Ready");
      if (withPods.has("chain-a") && !isReady(agents.get("chain-b")))
        broken.push("a pod of chain-a before chain-b was Ready");
      if (["chain-a", "chain-b", "chain-c", "eager"].every((n) => isReady(agents.get(n)))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    podWatch.abort();
    expect(broken).toEqual([]);
    // startPolicy Immediately: its pod was created while chain-a was still waiting, before chain-a's.
    expect(created.filter((n) => n === "eager" || n === "chain-a")).toEqual(["eager", "chain-a"]);
  }, 90_000);

  it("gives each container its dependencies' addresses", async () => {
    const d = await apps.readNamespacedDeployment({ name: "chain-a", namespace: ns.name });
    const env = d.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env).toEqual(
      expect.arrayContaining([
        { name: "AGENTFLEET_DEP_CHAIN_B_HOST", value: "chain-b" },
        { name: "AGENTFLEET_DEP_CHAIN_B_PORT_ZMQ", value: "7000" },
      ]),
    );
  });

  it("lets into each agent only the pods of its dependents, on its ports, plus allowFrom", async () => {
    expect(peersOf(await policyOf("chain-c"))).toEqual([podsOf("chain-b")]);
    expect((await policyOf("chain-c"))?.spec?.ingress?.[0]?.ports).toEqual([{ port: 7000, protocol: "TCP" }]);
    expect(peersOf(await policyOf("chain-a"))).toEqual([podsOf("eager")]);
    // Nothing depends on eager: its policy exists and lets nothing in (the API server stores no empty list).
    const closed = await policyOf("eager");
    expect(closed?.spec?.policyTypes).toEqual(["Ingress"]);
    expect(closed?.spec?.ingress ?? []).toEqual([]);

    const prometheus = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };
    await applyObjects([agent("chain-c", { network: { allowFrom: [prometheus] } })]);
    await eventually("chain-c's policy to let Prometheus in", async () =>
      peersOf(await policyOf("chain-c")).includes(JSON.stringify(prometheus)) ? true : undefined,
    );
    expect(peersOf(await policyOf("chain-c"))).toEqual([podsOf("chain-b"), JSON.stringify(prometheus)]);

    // A dependency removed takes its peer with it; isolation None removes the policy.
    await applyObjects([agent("eager", { startPolicy: "Immediately" })]);
    await eventually("chain-a's policy to lose eager", async () =>
      peersOf(await policyOf("chain-a")).length === 0 ? true : undefined,
    );
    await applyObjects([agent("eager", { startPolicy: "Immediately", network: { isolation: "None" } })]);
    await eventually("eager's policy to be deleted", async () => ((await policyOf("eager")) ? undefined : true));
  });

  it("starts two agents that depend on each other, each naming the cycle", async () => {
    await applyObjects([agent("ping", { dependencies: ["pong"] }), agent("pong", { dependencies: ["ping"] })]);
    const agents = await allReady(["ping", "pong"]);
    expect(condition(agents.get("ping"), "DependenciesReady")).toMatchObject({
      status: "False",
      reason: "DependencyCycle",
    });
    expect(condition(agents.get("ping"), "DependenciesReady")?.message).toMatch(/^ping → pong → ping: /);
    expect(condition(agents.get("pong"), "DependenciesReady")?.message).toMatch(/^pong → ping → pong: /);
    const events = await eventually("a DependencyCycle Warning event", async () => {
      const items = await eventsWithReason(ns.name, "DependencyCycle");
      return items.length >= 2 ? items : undefined;
    });
    expect(events.every((e) => e.type === "Warning")).toBe(true);
  });

  it("starts an Immediately agent applied before its dependency once, with the address; without a dependency that never comes, after a moment", async () => {
    // As `kubectl apply -f fleet/` does: the dependent's file comes first.
    await applyObjects([
      agent("early-bird", { dependencies: ["late-riser"], startPolicy: "Immediately" }),
      agent("stood-up", { dependencies: ["never-comes"], startPolicy: "Immediately" }),
    ]);
    const held = await eventually("early-bird to say what it waits for", async () => {
      const a = (await agentsNow()).get("early-bird");
      return condition(a, "Ready")?.reason === "WaitingForDependencies" ? a : undefined;
    });
    expect(condition(held, "Ready")?.message).toBe(
      "not started: waiting for late-riser to exist (at most 15 s after it was created)",
    );
    await new Promise((r) => setTimeout(r, 1500));
    await applyObjects([agent("late-riser")]);

    // Every pod early-bird ever had, sampled until it is Ready: a pod started without the address
    // would be replaced by one with it, and live long enough beside it to be seen.
    // Readiness first, then pods: the pod of an agent seen Ready is in the list that follows.
    const seen = new Map<string, string[]>();
    for (;;) {
      const ready = isReady((await agentsNow()).get("early-bird"));
      const pods = await core.listNamespacedPod({
        namespace: ns.name,
        labelSelector: "app.kubernetes.io/name=early-bird",
      });
      for (const p of pods.items)
        seen.set(
          p.metadata?.uid ?? "",
          (p.spec?.containers[0]?.env ?? []).map((e) => e.name),
        );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen.values()]).toEqual([expect.arrayContaining(["AGENTFLEET_DEP_LATE_RISER_HOST"])]);

    // A dependency that never comes holds it no longer than the grace: it runs, and says what is missing.
    const agents = await allReady(["stood-up"]);
    expect(condition(agents.get("stood-up"), "DependenciesReady")).toMatchObject({
      status: "False",
      reason: "MissingDependency",
      message: "no AgentDeployment named never-comes in this namespace",
    });
  }, 90_000);

  it("holds an agent whose dependency does not exist, and starts it once the dependency is created and Ready", async () => {
    await applyObjects([agent("waiter", { dependencies: ["latecomer"] })]);
    const held = await eventually("waiter to say what it waits for", async () => {
      const w = (await agentsNow()).get("waiter");
      return condition(w, "DependenciesReady")?.reason === "MissingDependency" ? w : undefined;
    });
    expect(condition(held, "Ready")).toMatchObject({ status: "False", reason: "WaitingForDependencies" });
    expect(condition(held, "Progressing")).toMatchObject({ status: "True", reason: "WaitingForDependencies" });
    expect((await agentsWithPods()).has("waiter")).toBe(false);

    // Edited while it waits: its Deployment, at zero replicas, runs nothing and is not rewritten; it
    // is written once when the agent starts, with the edit.
    const before = await deploymentOf("waiter");
    await kubectl([
      "patch",
      "agd",
      "waiter",
      "-n",
      ns.name,
      "--type=merge",
      "-p",
      '{"spec":{"config":{"mode":"edited"}}}',
    ]);
    await eventually("waiter's edit to be reconciled", async () => {
      const w = JSON.parse(await kubectl(["get", "agd", "waiter", "-n", ns.name, "-o", "json"])) as {
        metadata: { generation: number };
        status?: { observedGeneration?: number };
      };
      return w.metadata.generation === 2 && w.status?.observedGeneration === 2 ? w : undefined;
    });
    const waiting = await deploymentOf("waiter");
    expect({ generation: waiting.metadata?.generation, replicas: waiting.spec?.replicas }).toEqual({
      generation: before.metadata?.generation,
      replicas: 0,
    });

    await applyObjects([agent("latecomer")]);
    const agents = await allReady(["waiter", "latecomer"]);
    expect(condition(agents.get("waiter"), "DependenciesReady")).toMatchObject({ status: "True", reason: "AllReady" });
    const started = await deploymentOf("waiter");
    expect(started.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    expect(started.spec?.replicas).toBe(1);
    expect(configHash(started)).not.toBe(configHash(before));
  });

  it("names a dependency held up, and why, until it is fixed", async () => {
    await applyObjects([
      agent("lost-base", { gpu: { class: "rtx-9999", vramMiB: 1000 } }),
      agent("lost-top", { dependencies: ["lost-base"] }),
    ]);
    // The base's own status comes after the top's first reconcile: the top hears of it by the watch.
    await eventually("lost-top to name why lost-base will not be Ready", async () => {
      const top = (await agentsNow()).get("lost-top");
      return condition(top, "DependenciesReady")?.message ===
        "waiting for lost-base to be Ready before it starts; held up: lost-base (UnknownGPUClass)"
        ? top
        : undefined;
    });
    await kubectl([
      "patch",
      "agd",
      "lost-base",
      "-n",
      ns.name,
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/spec/gpu"}]',
    ]);
    const agents = await allReady(["lost-base", "lost-top"]);
    expect(condition(agents.get("lost-top"), "DependenciesReady")).toMatchObject({
      status: "True",
      reason: "AllReady",
    });
  });

  it("says a dependency scaled to zero answers nothing, until it is scaled up again", async () => {
    await applyObjects([agent("paused-hub", {}), agent("hub-reader", { dependencies: ["paused-hub"] })]);
    await allReady(["paused-hub", "hub-reader"]);
    await kubectl(["scale", "agd", "paused-hub", "-n", ns.name, "--replicas=0"]);
    const paused = await eventually("hub-reader to say paused-hub is scaled to zero", async () => {
      const reader = (await agentsNow()).get("hub-reader");
      return condition(reader, "DependenciesReady")?.reason === "DependencyScaledToZero" ? reader : undefined;
    });
    expect(condition(paused, "DependenciesReady")?.message).toBe(
      "paused-hub is scaled to zero: nothing answers at its address until it is scaled up (spec.replicas); this agent runs without it",
    );
    // The reader keeps running: a dependency paused on purpose stops nothing.
    expect(condition(paused, "Ready")?.status).toBe("True");
    await kubectl(["scale", "agd", "paused-hub", "-n", ns.name, "--replicas=1"]);
    await eventually("hub-reader to say paused-hub is Ready again", async () => {
      const reader = (await agentsNow()).get("hub-reader");
      return condition(reader, "DependenciesReady")?.reason === "AllReady" ? reader : undefined;
    });
  });

  // A config change rolls a CPU agent's pod new pod first: the old one answers until the new one is
  // Ready. Ready says whether the agent serves, so it stays True through the roll, and so do its
  // dependents' DependenciesReady: no alert, no wave of status writes over the agents that use it.
  it("keeps an agent Ready through a roll that keeps its old pod, and its dependents' DependenciesReady too", async () => {
    await applyObjects([
      agent("rolled-hub", { config: { mode: "a" } }),
      agent("hub-user", { dependencies: ["rolled-hub"] }),
    ]);
    await allReady(["rolled-hub", "hub-user"]);
    const before = await deploymentOf("rolled-hub");
    // A watch sees every status the operator writes, which a poll could miss.
    const client = new KubeClient(await loadConnection(kubeconfigPath));
    const watched = new Informer<AgentDeployment>(client, agentDeploymentResource, silentLogger());
    const seen: string[] = [];
    watched.onChange((a) => {
      const c = (type: string) => a.status?.conditions?.find((x) => x.type === type);
      if (a.metadata.name === "rolled-hub") seen.push(`rolled-hub Ready=${c("Ready")?.status} (${c("Ready")?.reason})`);
      if (a.metadata.name === "hub-user") {
        seen.push(`hub-user DependenciesReady=${c("DependenciesReady")?.status} (${c("DependenciesReady")?.reason})`);
      }
    });
    try {
      await watched.start();
      await kubectl([
        "patch",
        "agd",
        "rolled-hub",
        "-n",
        ns.name,
        "--type=merge",
        "-p",
        '{"spec":{"config":{"mode":"b"}}}',
      ]);
      await eventually("rolled-hub's pod to roll and the agent to say its roll is complete", async () => {
        const d = await deploymentOf("rolled-hub");
        const hub = watched.get("rolled-hub", ns.name);
        const progressing = hub?.status?.conditions?.find((c) => c.type === "Progressing");
        const rolled =
          configHash(d) !== configHash(before) &&
          d.status?.updatedReplicas === 1 &&
          d.status.availableReplicas === 1 &&
          d.status.replicas === 1;
        return rolled &&
          hub?.status?.observedGeneration === hub?.metadata.generation &&
          progressing?.reason === "RolloutComplete"
          ? true
          : undefined;
      });
    } finally {
      watched.stop();
      await client.close();
    }
    expect(seen.filter((s) => s.includes("=False"))).toEqual([]);
    expect(seen.length, "the watch saw the agents").toBeGreaterThan(0);
  });
});
