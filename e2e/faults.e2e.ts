// Faults a user meets, on the real control plane, with the operator running: children deleted or
// edited by hand are put back; a GPU class deleted under running agents stops nothing and comes back;
// a spec the API server refuses in a child says so in the agent's status instead of looping in the
// log; a namespace being deleted is left to empty; and the whole control plane going away and
// coming back loses nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addNodes,
  type ControlPlaneComponent,
  kubectl,
  nodeNameOf,
  restartComponent,
  restartControlPlane,
} from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator, sumOf } from "../hack/lib/operator-process.ts";
import { simulatedNodes } from "../hack/lib/topology.ts";
import { applyObjects } from "./support/fleet.ts";
import {
  type Condition,
  clients,
  eventsWithReason,
  eventually,
  removeNamespace,
  withNamespace,
} from "./support/kube.ts";

const { core, apps } = clients();
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;

const agent = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec: {
    image: `cascade/${name}:1.0`,
    ports: [{ name: "http", port: 8000 }],
    config: { mode: "test" },
    ...spec,
  },
});

async function conditionOf(name: string, type: string): Promise<Condition | undefined> {
  const a = JSON.parse(await kubectl(["get", "agd", name, "-n", ns.name, "-o", "json"])) as {
    status?: { conditions?: Condition[] };
  };
  return a.status?.conditions?.find((c) => c.type === type);
}

const readyIs = (name: string, status: "True" | "False", reason?: string) =>
  eventually(
    `${name} to be Ready=${status}${reason ? ` (${reason})` : ""}`,
    async () => {
      const c = await conditionOf(name, "Ready");
      return c?.status === status && (!reason || c.reason === reason) ? c : undefined;
    },
    { timeoutMs: 60_000 },
  );

/** The agent is Ready with its pods on this node. */
const readyOnNode = (name: string, node: string) =>
  eventually(
    `${name} to be Ready on ${node}`,
    async () => {
      const a = JSON.parse(await kubectl(["get", "agd", name, "-n", ns.name, "-o", "json"])) as {
        status?: { node?: string; conditions?: Condition[] };
      };
      const ready = a.status?.conditions?.find((c) => c.type === "Ready");
      return a.status?.node === node && ready?.status === "True" ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-faults");
  // At debug level, so that each write it makes is logged with its path (loggedWrites).
  operator = await startOperator("faults", { logLevel: "debug" });
  await applyObjects([agent("edited"), agent("on-gpu", { gpu: { class: "rtx-3060", vramMiB: 1000 } })]);
  await readyIs("edited", "True");
  await readyIs("on-gpu", "True");
});

afterAll(async () => {
  await applyManifests(sampleGpuClasses).catch(() => undefined);
  await operator?.stop();
  await ns?.remove();
});

describe("faults", () => {
  it("recreates children deleted by hand", async () => {
    for (const [kind, name] of [
      ["service", "edited"],
      ["configmap", "edited-config"],
      ["networkpolicy", "edited"],
      // Deleted to let a drain through: the agent would be unprotected until the next one.
      ["poddisruptionbudget", "edited"],
      ["deployment", "edited"],
    ] as const) {
      const before = JSON.parse(await kubectl(["get", kind, name, "-n", ns.name, "-o", "json"])) as {
        metadata: { uid: string };
      };
      await kubectl(["delete", kind, name, "-n", ns.name, "--wait=true"]);
      await eventually(`${kind} ${name} to be recreated`, async () => {
        const now = await kubectl(["get", kind, name, "-n", ns.name, "-o", "json"]).catch(() => undefined);
        return now && (JSON.parse(now) as { metadata: { uid: string } }).metadata.uid !== before.metadata.uid
          ? true
          : undefined;
      });
    }
    await readyIs("edited", "True");
  });

  it("puts back a Deployment scaled, re-imaged or relabelled by hand", async () => {
    await kubectl(["scale", "deployment", "edited", "-n", ns.name, "--replicas=3"]);
    await kubectl(["set", "image", "deployment/edited", "-n", ns.name, "agent=evil/image:1"]);
    await kubectl([
      "label",
      "deployment",
      "edited",
      "-n",
      ns.name,
      "app.kubernetes.io/managed-by=someone",
      "--overwrite",
    ]);
    const back = await eventually("the Deployment to be put back", async () => {
      const d = await apps.readNamespacedDeployment({ name: "edited", namespace: ns.name });
      const image = d.spec?.template.spec?.containers[0]?.image;
      const managedBy = d.metadata?.labels?.["app.kubernetes.io/managed-by"];
      return d.spec?.replicas === 1 && image === "cascade/edited:1.0" && managedBy === "agentfleet" ? d : undefined;
    });
    expect(back.spec?.replicas).toBe(1);
  });

  // The operator skips the watch events that echo its own applies of these kinds: a hand edit, made
  // right after such an apply, has another version and must still be put back.
  it("puts back a Service, ConfigMap, NetworkPolicy and PodDisruptionBudget edited by hand", async () => {
    type Live = { spec?: { ports?: unknown[] }; data?: Record<string, string> };
    const read = async (kind: string, name: string) =>
      JSON.parse(await kubectl(["get", kind, name, "-n", ns.name, "-o", "json"])) as Live;
    // Each edit changes a value the operator set (a field someone else adds stays theirs under
    // server-side apply).
    const edits: [string, string, (live: Live) => unknown][] = [
      ["service", "edited", () => [{ op: "replace", path: "/spec/ports/0/targetPort", value: 9999 }]],
      [
        "configmap",
        "edited-config",
        (live) => [{ op: "replace", path: `/data/${Object.keys(live.data ?? {})[0]}`, value: "tampered: true\n" }],
      ],
      ["networkpolicy", "edited", () => [{ op: "replace", path: "/spec/ingress", value: [{}] }]],
      // Loosened to let a drain take every pod at once.
      ["poddisruptionbudget", "edited", () => [{ op: "replace", path: "/spec/maxUnavailable", value: "100%" }]],
    ];
    const shape = (live: Live) => JSON.stringify([live.spec, live.data]);
    for (const [kind, name, patch] of edits) {
      const before = await read(kind, name);
      await kubectl(["patch", kind, name, "-n", ns.name, "--type=json", "-p", JSON.stringify(patch(before))]);
      await eventually(`${kind} ${name} to be put back`, async () =>
        shape(await read(kind, name)) === shape(before) ? true : undefined,
      );
    }
  });

  it("keeps running agents when their GPU class is deleted, says UnknownGPUClass, and recovers when it returns", async () => {
    const before = await apps.readNamespacedDeployment({ name: "on-gpu", namespace: ns.name });
    expect(before.spec?.replicas).toBe(1);
    await kubectl(["delete", "gpuclass", "rtx-3060"]);
    const placed = await eventually("on-gpu to say UnknownGPUClass", async () => {
      const c = await conditionOf("on-gpu", "Placed");
      return c?.reason === "UnknownGPUClass" ? c : undefined;
    });
    expect(placed.status).toBe("False");
    // The operator leaves its Deployment as it was: not scaled down, not rolled.
    const during = await apps.readNamespacedDeployment({ name: "on-gpu", namespace: ns.name });
    expect(during.metadata?.generation).toBe(before.metadata?.generation);
    expect(during.spec?.replicas).toBe(1);
    const running = (
      await core.listNamespacedPod({ namespace: ns.name, labelSelector: "app.kubernetes.io/name=on-gpu" })
    ).items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === "Running");
    expect(running, await kubectl(["get", "events", "-n", ns.name, "--sort-by=.lastTimestamp"])).toHaveLength(1);
    await applyManifests(sampleGpuClasses);
    await readyIs("on-gpu", "True");
  });

  it("handles a node deleted and added again like a PC switched off and on", async () => {
    const pc2 = await nodeNameOf("pc2");
    const mainpc = await nodeNameOf("mainpc");
    await applyObjects([
      agent("movable", { gpu: { class: "rtx-3060", vramMiB: 1000, fallbackClasses: ["rtx-4090"] } }),
    ]);
    await readyIs("movable", "True");
    await kubectl(["delete", "node", pc2, "--wait=true"]);
    try {
      // Its agent with a fallback moves to mainpc; the one without waits, saying why.
      await readyOnNode("movable", mainpc);
      const waiting = await eventually("on-gpu to wait for its node", async () => {
        const c = await conditionOf("on-gpu", "Placed");
        return c?.status === "False" ? c : undefined;
      });
      expect(waiting.reason).toBe("NodeNotReady");
    } finally {
      await addNodes(simulatedNodes.filter((n) => n.name === "pc2"));
    }
    await readyIs("on-gpu", "True");
    // And the moved agent comes back to its own class.
    await readyOnNode("movable", pc2);
  }, 240_000);

  it("says ChildRejected, with the API server's words and a Warning event, for a spec a child cannot take; and recovers", async () => {
    // Five annotations of 60 KB each pass the agent's admission, but a pod template may carry 256 KB.
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`example.com/blob-${i}`, "x".repeat(60_000)]));
    await applyObjects([agent("oversized", { podAnnotations: big })]);
    const rejected = await readyIs("oversized", "False", "ChildRejected");
    expect(rejected.message).toMatch(/^the API server refused its Deployment oversized: .*annotations.*/);
    expect(await conditionOf("oversized", "Degraded")).toMatchObject({ status: "True", reason: "ChildRejected" });
    await eventually("a ChildRejected Warning event", async () =>
      (await eventsWithReason(ns.name, "ChildRejected")).some((e) => e.type === "Warning") ? true : undefined,
    );
    // The operator neither crashed nor stopped: a fix is taken up.
    await applyObjects([agent("oversized")]);
    await readyIs("oversized", "True");
    expect(operator.process.exitCode).toBeNull();
  });

  // `kubectl delete namespace` on a fleet: the namespace controller deletes the agents' pods and
  // children while the agents still exist, and the API server refuses anything new in the namespace.
  // The operator must neither fight it (recreating, retrying an error per child) nor write statuses
  // and events for agents about to go; and a namespace made again under the same name is a new one.
  it("leaves the agents of a namespace being deleted alone, and runs those of a namespace made again with its name", async () => {
    const doomed = await withNamespace(core, "e2e-doomed");
    const fleet = () =>
      ["base", "middle", "top"].map((name, i, all) => ({
        ...agent(name, i > 0 ? { dependencies: [all[i - 1]] } : {}),
        metadata: { name, namespace: doomed.name },
      }));
    const allReady = () =>
      eventually(
        `the three agents of ${doomed.name} to be Ready`,
        async () => {
          const list = JSON.parse(await kubectl(["get", "agd", "-n", doomed.name, "-o", "json"])) as {
            items: { status?: { conditions?: Condition[] } }[];
          };
          const ready = list.items.filter((a) =>
            a.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
          );
          return ready.length === 3 ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
    await applyObjects(fleet());
    await allReady();
    await operator.idle();
    const before = await operator.metrics();
    const writesBefore = operator.loggedWrites.length;
    await removeNamespace(core, doomed.name);
    await operator.idle();
    const after = await operator.metrics();
    const errors = (m: typeof before) => sumOf(m, "controller_runtime_reconcile_errors_total");
    expect(errors(after) - errors(before), "reconciles failed while the namespace was deleted").toBe(0);
    // Nothing written into it: no child recreated, no status, no event (a GPU class's ledger elsewhere
    // may be written at any time, so only the namespace's own paths are counted).
    const intoDoomed = operator.loggedWrites
      .slice(writesBefore)
      .filter((w) => w.includes(`/namespaces/${doomed.name}/`));
    expect(intoDoomed, "writes while the namespace was deleted").toEqual([]);

    // The same name again: nothing of the deleted namespace is remembered against it.
    await core.createNamespace({ body: { metadata: { name: doomed.name } } });
    try {
      await applyObjects(fleet());
      await allReady();
    } finally {
      await removeNamespace(core, doomed.name);
    }
    expect(operator.process.exitCode).toBeNull();
  }, 240_000);

  // kube-apiserver and etcd restart on their own (an upgrade, an OOM kill, a restart of a k3s
  // server's datastore), each in the middle of a rollout. Two clocks run from its return. The
  // operator's: every agent's Deployment written within 10 s, and every agent Ready within 10 s of its
  // pods. Kubernetes' own: the controller-manager's reflectors back off up to 30 s (with jitter) while
  // the API server is away, so its pods may take that long to follow; that is given 90 s, and is not
  // the operator's to shorten.
  const rolloutThrough = async (component: ControlPlaneComponent, prefix: string) => {
    const names = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
    await applyObjects(names.map((n) => agent(n)));
    const readyz = async () => (await fetch(`${operator.url}/readyz`)).status;
    const seen = new Set<number>();
    await restartComponent(component, 5_000, async () => {
      // Sampled for the whole time it is down: what /readyz said, for reliability.md and the assertion below.
      const until = Date.now() + 4_500;
      while (Date.now() < until) {
        seen.add(await readyz());
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    const returnedAt = Date.now();
    const since = (t: number) => `${((t - returnedAt) / 1000).toFixed(1)} s`;
    const ours = <T extends { metadata: { name: string } }>(list: { items: T[] }) =>
      list.items.filter((o) => names.includes(o.metadata.name));
    const deployments = async () =>
      ours(
        JSON.parse(await kubectl(["get", "deploy", "-n", ns.name, "-o", "json"])) as {
          items: { metadata: { name: string }; spec: { replicas?: number }; status?: { readyReplicas?: number } }[];
        },
      );
    const readyCount = async () =>
      ours(
        JSON.parse(await kubectl(["get", "agd", "-n", ns.name, "-o", "json"])) as {
          items: { metadata: { name: string }; status?: { conditions?: Condition[] } }[];
        },
      ).filter((a) => a.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    await eventually(
      `the operator to have written the 30 agents' Deployments within 10 s of ${component}'s return`,
      async () => ((await deployments()).length === names.length ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    const writtenAt = Date.now();
    await eventually(
      `Kubernetes to have made the 30 Deployments' pods Ready within 90 s of ${component}'s return`,
      async () =>
        (await deployments()).every((d) => (d.status?.readyReplicas ?? 0) >= (d.spec.replicas ?? 1)) ? true : undefined,
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const podsReadyAt = Date.now();
    await eventually(
      "the 30 agents to be Ready within 10 s of their pods",
      async () => ((await readyCount()) === names.length ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    process.stderr.write(
      `${component} restarted mid-rollout: /readyz said ${[...seen].join(",")} while it was down; after it ` +
        `returned, Deployments written at ${since(writtenAt)}, their pods Ready at ${since(podsReadyAt)}, ` +
        `30 agents Ready at ${since(Date.now())}\n`,
    );
    expect(operator.process.exitCode).toBeNull();
    await eventually("/readyz to be ok again", async () => ((await readyz()) === 200 ? true : undefined));
    return seen;
  };

  it("rides out kube-apiserver restarting alone in the middle of a rollout, and says so on /readyz", async () => {
    const seen = await rolloutThrough("kube-apiserver", "apiserver-restart");
    // Its watches broke with the server: not ready while they stayed broken.
    expect(seen).toContain(503);
  }, 180_000);

  it("rides out etcd restarting alone in the middle of a rollout", async () => {
    // The API server stays up and keeps its watches open from its cache; what fails is every write,
    // which the operator retries with backoff until etcd is back.
    await rolloutThrough("etcd", "etcd-restart");
  }, 180_000);

  it("rides out the whole control plane going away and coming back, and takes up changes made after", async () => {
    const readyz = async () => (await fetch(`${operator.url}/readyz`)).status;
    expect(await readyz()).toBe(200);
    let readyWhileDown: number | undefined;
    await restartControlPlane(10_000, async () => {
      // Not ready while its watches fail: /readyz says so once they have failed for a few seconds.
      readyWhileDown = await eventually("/readyz to report the lost watches", async () =>
        (await readyz()) === 503 ? 503 : undefined,
      );
    });
    expect(readyWhileDown).toBe(503);
    // The operator did not exit; its watches come back and a change made now is acted on.
    expect(operator.process.exitCode).toBeNull();
    await applyObjects([agent("after-restart")]);
    await readyIs("after-restart", "True");
    await readyIs("edited", "True");
    await eventually("/readyz to be ok again", async () => ((await readyz()) === 200 ? true : undefined));
    const m = await operator.metrics();
    expect([...m.keys()].some((k) => k.startsWith("agentfleet_watch_errors_total"))).toBe(true);
  }, 180_000);
});
