// Two operator replicas against one cluster: exactly one reconciles; kill it in the middle of a
// rollout, and the other takes over within the lease duration plus a few seconds, finishes the
// rollout, and does not rewrite what the first one finished. The standby writes nothing until it leads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { applyObjects } from "./support/fleet.ts";
import { clients, eventually, withNamespace } from "./support/kube.ts";

const { core, apps } = clients();
let ns: { name: string; remove: () => Promise<void> };
let replicas: RunningOperator[] = [];

const agent = (name: string) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec: { image: "cascade/worker:1.0", ports: [{ name: "http", port: 8080 }], config: { name } },
});

async function versions(): Promise<Record<string, string>> {
  const deployments = await apps.listNamespacedDeployment({ namespace: ns.name });
  const agents = JSON.parse(await kubectl(["get", "agd", "-n", ns.name, "-o", "json"])) as {
    items: { metadata: { name: string; resourceVersion: string } }[];
  };
  return Object.fromEntries([
    // A Deployment's spec (its generation) and the labels and annotations the operator sets: what an
    // operator's write would change. Not its resourceVersion, which the controller manager's status
    // updates move after the agent is Ready.
    ...deployments.items.map((d) => [
      `Deployment/${d.metadata?.name}`,
      JSON.stringify([d.metadata?.generation, d.metadata?.labels, d.metadata?.annotations]),
    ]),
    ...agents.items.map((a) => [`AgentDeployment/${a.metadata.name}`, a.metadata.resourceVersion]),
  ]);
}

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-leader");
  const flags = ["--leader-elect", "--leader-election-namespace", ns.name, "--leader-election-id", "agentfleet-e2e"];
  replicas = [await startOperator("replica-a", flags), await startOperator("replica-b", flags)];
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await ns?.remove();
});

describe("leader election", () => {
  it("lets exactly one replica reconcile, and hands over when it dies", async () => {
    const leader = await eventually("one replica to lead", async () => {
      const states = await Promise.all(replicas.map((r) => r.leading()));
      return states.filter(Boolean).length === 1 ? replicas[states.indexOf(true)] : undefined;
    });
    const standby = replicas.find((r) => r !== leader) as RunningOperator;

    // Under load: the leader is killed in the middle of a rollout of forty agents.
    const fleet = Array.from({ length: 40 }, (_, i) => agent(`worker-${i}`));
    await applyObjects(fleet);
    const readyNames = async () =>
      (
        await kubectl([
          "get",
          "agd",
          "-n",
          ns.name,
          "-o",
          'jsonpath={range .items[?(@.status.conditions[0].status=="True")]}{.metadata.name}{"\\n"}{end}',
        ])
      )
        .split("\n")
        .filter(Boolean);
    await eventually("part of the fleet to be Ready", async () =>
      (await readyNames()).length >= 5 ? true : undefined,
    );
    // Until it leads, the standby writes nothing, not even while the leader is busy: never both at once.
    expect(await leader?.writes()).toBeGreaterThan(0);
    expect(await standby.writes()).toBe(0);
    expect(await standby.leading()).toBe(false);

    const before = await versions();
    const settled = new Set(await readyNames());
    await leader?.kill(); // a crash: the lease is not released
    const killedAt = Date.now();
    await eventually("the standby to take over", async () => ((await standby.leading()) ? true : undefined), {
      timeoutMs: 30_000,
    });
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    expect(takeoverSeconds).toBeLessThan(15 + 2 + 5); // lease duration + retry period + a few seconds
    // The rollout completes under the new leader.
    await kubectl(["wait", "--for=condition=Ready", "agd", "--all", "-n", ns.name, "--timeout=120s"]);
    await applyObjects([agent("third")]);
    await kubectl(["wait", "--for=condition=Ready", "agd/third", "-n", ns.name, "--timeout=60s"]);
    // What the first leader had finished, the second does not write again.
    const after = await versions();
    for (const name of settled) expect(after[`Deployment/${name}`], name).toBe(before[`Deployment/${name}`]);
  }, 240_000);

  it("releases the lease on a clean shutdown, so the next replica leads at once", async () => {
    const current = replicas.find(
      (r) => r.process.exitCode === null && r.process.signalCode === null,
    ) as RunningOperator;
    const next = await startOperator("replica-c", [
      "--leader-elect",
      "--leader-election-namespace",
      ns.name,
      "--leader-election-id",
      "agentfleet-e2e",
    ]);
    replicas.push(next);
    expect(await next.leading()).toBe(false);
    expect(await current.stop()).toBe(0);
    const stoppedAt = Date.now();
    await eventually("the next replica to lead", async () => ((await next.leading()) ? true : undefined), {
      timeoutMs: 15_000,
    });
    expect((Date.now() - stoppedAt) / 1000).toBeLessThan(8);
  });
});
