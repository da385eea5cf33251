// The Helm chart on the real control plane: it lints and renders, installs into a namespace that
// enforces the restricted Pod Security Standard, upgrades, and uninstalls without touching the
// users' agents. Its RBAC is enough for the operator to run the fleet, and reads no Secret.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { kubectl } from "../hack/lib/cluster.ts";
import { installCrds } from "../hack/lib/install.ts";
import { installManifestPath, renderInstallManifest } from "../hack/lib/install-manifest.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { kubeconfigPath, repoRoot, stateDir, tool } from "../hack/lib/paths.ts";
import { CommandError, run } from "../hack/lib/run.ts";
import { clients, eventually, removeNamespace } from "./support/kube.ts";

const { core, apps } = clients();
const chart = path.join(repoRoot, "charts/agentfleet");
const release = "agentfleet";
const system = "agentfleet-e2e-system";
const agents = "agents-restricted";
const helm = (...args: string[]) => run(tool("helm"), ["--kubeconfig", kubeconfigPath, ...args]);
/** helm install or upgrade of the release, with the test's own GPU class, waiting for it to be ready. */
const helmRelease = (verb: "install" | "upgrade", ...extra: string[]) =>
  helm(
    verb,
    release,
    chart,
    "-n",
    system,
    "--set-json",
    `gpuClasses=${gpuClassesJson}`,
    ...extra,
    "--wait",
    "--timeout",
    "2m",
  );
// A class of its own (the defaults nulled, as a user leaves them out), so that classes other tests
// created outside Helm never collide with the release.
const gpuClassesJson = JSON.stringify({
  "rtx-4090": null,
  "rtx-3060": null,
  "e2e-4090": { products: ["NVIDIA-GeForce-RTX-4090"], vramMiB: 24564, replicas: 8 },
});
let operator: RunningOperator | undefined;

async function restrictedNamespace(name: string): Promise<void> {
  await kubectl(["create", "namespace", name]);
  await kubectl(["label", "namespace", name, "pod-security.kubernetes.io/enforce=restricted"]);
}

beforeAll(async () => {
  await installCrds();
  await restrictedNamespace(system);
  await restrictedNamespace(agents);
});

afterAll(async () => {
  await operator?.stop();
  await helm("uninstall", release, "-n", system).catch(() => undefined);
  await removeNamespace(core, agents);
  await removeNamespace(core, system);
});

describe("charts/agentfleet", () => {
  it("lints, renders with every option, and matches manifests/install.yaml", async () => {
    await helm("lint", chart, "--strict");
    const all = await helm(
      "template",
      release,
      chart,
      "--set",
      "metrics.serviceMonitor.enabled=true",
      "--set",
      "metrics.prometheusRule.enabled=true",
      "--set",
      "metrics.grafanaDashboard.enabled=true",
    );
    expect(all).toContain("kind: PrometheusRule");
    await helm(
      "lint",
      chart,
      "--strict",
      "--set",
      "metrics.prometheusRule.enabled=true",
      "--set",
      "metrics.grafanaDashboard.enabled=true",
    );
    // The dashboard reaches Grafana's sidecar: a ConfigMap it selects, holding the JSON whole.
    const dashboard = parse(all.split(/^---$/m).find((doc) => doc.includes("grafana_dashboard")) ?? "") as {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(dashboard.metadata.labels.grafana_dashboard).toBe("1");
    expect((JSON.parse(dashboard.data["agentfleet.json"] ?? "") as { uid: string }).uid).toBe("agentfleet");
    expect(all).toContain("kind: ServiceMonitor");
    // The operator's own pods: ingress only to the metrics port, from the monitoring namespace.
    const policy = parse(all.split(/^---$/m).find((doc) => doc.includes("kind: NetworkPolicy")) ?? "") as {
      spec: { ingress: { from: unknown[]; ports: unknown[] }[] };
    };
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
    expect(await helm("template", release, chart, "--set", "networkPolicy.enabled=false")).not.toContain(
      "kind: NetworkPolicy",
    );
    const refused = await helm("template", release, chart, "--set", "replicaCount=-1").then(
      () => "",
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/replicaCount.*minimum/);
    const checkedIn = await readFile(path.join(repoRoot, installManifestPath), "utf8");
    expect(checkedIn, "run npm run generate after changing the chart").toBe(await renderInstallManifest());
  });

  it("installs into a restricted namespace: the operator's pods are admitted and become Ready", async () => {
    await helmRelease("install");
    const deployment = await apps.readNamespacedDeployment({ name: release, namespace: system });
    expect(deployment.status?.readyReplicas).toBe(2);
    // The namespace does enforce the standard: a pod that breaks it is refused.
    const privileged = await kubectl(
      ["apply", "-n", system, "-f", "-"],
      stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "privileged" },
        spec: { containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] },
      }),
    ).then(
      () => "admitted",
      (err: Error) => err.message,
    );
    expect(privileged).toMatch(/violates PodSecurity "restricted/);
    const gpuClass = parse(await kubectl(["get", "gpuclass", "e2e-4090", "-o", "yaml"])) as {
      spec: { nodeSelectorTerms: unknown };
    };
    expect(JSON.stringify(gpuClass.spec.nodeSelectorTerms)).toContain("NVIDIA-GeForce-RTX-4090-SHARED");
  });

  it("lets whoever may edit a namespace manage and scale its agents, and whoever may view it read them", async () => {
    for (const [person, role] of [
      ["editor", "edit"],
      ["viewer", "view"],
    ] as const) {
      await kubectl(["create", "serviceaccount", person, "-n", agents]);
      await kubectl([
        "create",
        "rolebinding",
        person,
        "-n",
        agents,
        `--clusterrole=${role}`,
        `--serviceaccount=${agents}:${person}`,
      ]);
    }
    const can = (person: string, verb: string, what: string, ...more: string[]) =>
      kubectl([
        "auth",
        "can-i",
        verb,
        what,
        "-n",
        agents,
        `--as=system:serviceaccount:${agents}:${person}`,
        ...more,
      ]).then(
        (out) => out.trim(),
        // kubectl auth can-i prints "no" and exits 1.
        (err: Error) => (err instanceof CommandError && err.exitCode === 1 ? "no" : err.message),
      );
    // Kubernetes folds the chart's roles into its own a moment after they are created.
    await eventually("the edit role to take in AgentDeployments", async () =>
      (await can("editor", "create", "agentdeployments.agentfleet.io")) === "yes" ? true : undefined,
    );
    expect(await can("editor", "update", "agentdeployments.agentfleet.io", "--subresource=scale")).toBe("yes");
    expect(await can("editor", "delete", "agentdeployments.agentfleet.io")).toBe("yes");
    expect(await can("viewer", "list", "agentdeployments.agentfleet.io")).toBe("yes");
    expect(await can("viewer", "create", "agentdeployments.agentfleet.io")).toBe("no");
    expect(await can("editor", "update", "agentdeployments.agentfleet.io", "--subresource=status")).toBe("no");
  });

  it("gives the operator enough RBAC to run a fleet in a restricted namespace, and no Secret", async () => {
    const token = (await kubectl(["create", "token", release, "-n", system, "--duration", "1h"])).trim();
    const admin = parse(await kubectl(["config", "view", "--raw", "--minify"])) as {
      clusters: { name: string; cluster: Record<string, unknown> }[];
    };
    const saKubeconfig = path.join(stateDir, "e2e-serviceaccount.kubeconfig");
    await writeFile(
      saKubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: admin.clusters,
        users: [{ name: "operator", user: { token } }],
        contexts: [{ name: "operator", context: { cluster: admin.clusters[0]?.name, user: "operator" } }],
        "current-context": "operator",
      }),
      { mode: 0o600 },
    );
    const as = (args: string[]) => run(tool("kubectl"), ["--kubeconfig", saKubeconfig, ...args]);
    const secrets = await as(["get", "secrets", "-n", agents]).then(
      () => "allowed",
      (err: Error) => err.message,
    );
    expect(secrets).toMatch(/forbidden/i);

    operator = await startOperator("serviceaccount", [
      "--kubeconfig",
      saKubeconfig,
      "--leader-elect",
      "--leader-election-namespace",
      system,
      "--leader-election-id",
      "e2e-serviceaccount",
    ]);
    const agent = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: "agentfleet.io/v1alpha1",
      kind: "AgentDeployment",
      metadata: { name, namespace: agents },
      spec: { image: "cascade/agent:1.0", ports: [{ name: "http", port: 8080 }], config: { a: 1 }, ...spec },
    });
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      [agent("gpu-agent", { gpu: { class: "e2e-4090", vramMiB: 1000 }, required: true }), agent("cpu-agent", {})]
        .map((o) => stringify(o))
        .join("---\n"),
    );
    await kubectl(["wait", "--for=condition=Ready", "agd", "--all", "-n", agents, "--timeout=90s"]);
    const pods = await core.listNamespacedPod({ namespace: agents });
    expect(pods.items.length).toBe(2);
    const events = await kubectl(["get", "events", "-n", agents, "--field-selector", "reason=FailedCreate"]);
    expect(events).not.toMatch(/violates PodSecurity/);
    await eventually("the operator to report Ready status", async () => {
      const status = await kubectl(["get", "agd", "gpu-agent", "-n", agents, "-o", "jsonpath={.status.node}"]);
      return status ? true : undefined;
    });
  });

  it("upgrades, and uninstalls without touching the users' agents", async () => {
    await helmRelease("upgrade", "--set", "operator.workers=8");
    const deployment = await apps.readNamespacedDeployment({ name: release, namespace: system });
    expect(deployment.spec?.template.spec?.containers[0]?.args).toContain("--workers=8");
    await helm("uninstall", release, "-n", system, "--wait");
    const left = await kubectl(["get", "agd", "-n", agents, "-o", "name"]);
    expect(left.trim().split("\n").sort()).toEqual([
      "agentdeployment.agentfleet.io/cpu-agent",
      "agentdeployment.agentfleet.io/gpu-agent",
    ]);
    await kubectl(["get", "crd", "agentdeployments.agentfleet.io"]);
  });
});
