// `agentfleet audit` on the real control plane, as a user runs it: READY for the sample fleet when
// all is well, NOT READY without the nvidia RuntimeClass, PARTIALLY READY with an agent that does
// not fit; the GPU classes' conditions follow. Its HTML report, opened in a real browser, draws
// every card, every agent and every finding.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../hack/lib/browser.ts";
import { kubectl } from "../hack/lib/cluster.ts";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { kubeconfigPath, repoRoot } from "../hack/lib/paths.ts";
import { run } from "../hack/lib/run.ts";
import { nvidiaRuntimeClass } from "../hack/lib/topology.ts";
import type { AuditReport } from "../src/audit/audit.ts";
import { scratchDirectory } from "../src/testing/scratch.ts";
import { applyObjects, createSecret, sampleAgents } from "./support/fleet.ts";
import { clients, eventually, withNamespace } from "./support/kube.ts";

const { core } = clients();
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator;
let browser: Browser | undefined;

/** Runs the CLI as a user does; resolves with its exit status and output, whatever the status. */
async function audit(...args: string[]): Promise<{ status: number; stdout: string }> {
  const cli = path.join(repoRoot, "src/cli/main.ts");
  return run(process.execPath, [cli, "audit", "--kubeconfig", kubeconfigPath, ...args]).then(
    (stdout) => ({ status: 0, stdout }),
    (err: { exitCode: number | null; stderr: string }) => ({ status: err.exitCode ?? -1, stdout: err.stderr }),
  );
}

async function jsonAudit(): Promise<{ status: number; report: AuditReport }> {
  const dir = await scratchDirectory("audit");
  const out = path.join(dir, "report.json");
  const { status } = await audit("--format", "json", "--out", out);
  return { status, report: JSON.parse(await readFile(out, "utf8")) as AuditReport };
}

const classCondition = async (name: string, type: string) => {
  const c = JSON.parse(await kubectl(["get", "gpuclass", name, "-o", "json"])) as {
    status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
  };
  return c.status?.conditions?.find((x) => x.type === type);
};

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-audit");
  await kubectl(["label", "namespace", ns.name, "pod-security.kubernetes.io/enforce=restricted"]);
  await createSecret(ns.name, "cloud-keys", "openai");
  operator = await startOperator("audit");
  await applyObjects(await sampleAgents(ns.name));
  await eventually(
    "the sample fleet to be Ready",
    async () => {
      const out = await kubectl([
        "get",
        "agd",
        "-n",
        ns.name,
        "-o",
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      const lines = out.trim().split("\n");
      return lines.length === 12 && lines.every((l) => l === "True") ? true : undefined;
    },
    { timeoutMs: 120_000 },
  );
});

afterAll(async () => {
  await browser?.close();
  await kubectl(["apply", "-f", "-"], JSON.stringify(nvidiaRuntimeClass)).catch(() => undefined);
  await operator?.stop();
  await ns?.remove();
});

describe("agentfleet audit", () => {
  it("says READY for the sample fleet when all is well, and exits 0", async () => {
    const { status, stdout } = await audit();
    expect(stdout.split("\n")[0], stdout).toBe("AgentFleet audit: READY");
    expect(status).toBe(0);
    expect(stdout).toMatch(/mainpc +rtx-4090 +█+/);
    expect(await classCondition("rtx-4090", "RuntimeClassFound")).toMatchObject({ status: "True" });
    expect(await classCondition("rtx-3060", "SharingConsistent")).toMatchObject({ status: "True" });
  });

  it("says NOT READY without the nvidia RuntimeClass, with the fix, and the GPU classes say so too", async () => {
    await kubectl(["delete", "runtimeclass", "nvidia"]);
    try {
      const { status, report } = await jsonAudit();
      expect(report.verdict).toBe("NOT READY");
      expect(status).toBe(2);
      expect(report.findings.filter((f) => f.check === "runtimeclass-missing").map((f) => f.object)).toEqual([
        "gpuclass rtx-3060",
        "gpuclass rtx-4090",
      ]);
      await eventually("rtx-4090's RuntimeClassFound to turn False", async () => {
        const c = await classCondition("rtx-4090", "RuntimeClassFound");
        return c?.status === "False" ? c : undefined;
      });
    } finally {
      await kubectl(["apply", "-f", "-"], JSON.stringify(nvidiaRuntimeClass));
    }
    await eventually("rtx-4090's RuntimeClassFound to turn True again", async () => {
      const c = await classCondition("rtx-4090", "RuntimeClassFound");
      return c?.status === "True" ? c : undefined;
    });
  });

  it("says PARTIALLY READY with an agent that does not fit, and names it", async () => {
    const tooBig = {
      apiVersion: "agentfleet.io/v1alpha1",
      kind: "AgentDeployment",
      metadata: { name: "too-big", namespace: ns.name },
      spec: {
        image: "cascade/too-big:1.0",
        ports: [{ name: "health", port: 8000 }],
        healthCheck: { port: "health", path: "/health" },
        resources: { requests: { cpu: "100m", memory: "1Gi" } },
        gpu: { class: "rtx-3060", vramMiB: 30000 },
      },
    };
    await applyObjects([tooBig]);
    try {
      const { status, report } = await jsonAudit();
      expect(report.verdict).toBe("PARTIALLY READY");
      expect(status).toBe(1);
      expect(report.findings.find((f) => f.check === "agent-unplaceable")).toMatchObject({
        object: `agentdeployment ${ns.name}/too-big`,
        problem: expect.stringContaining("needs 30000 MiB"),
      });
    } finally {
      await kubectl(["delete", "agd", "too-big", "-n", ns.name]);
    }
  });

  it("draws its HTML report in a real browser: the verdict, every card and agent, every finding", async () => {
    const dir = await scratchDirectory("audit-html");
    const file = path.join(dir, "audit.html");
    const { report } = await jsonAudit();
    await audit("--format", "html", "--out", file);
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    expect(await page.locator("[data-verdict]").getAttribute("data-verdict")).toBe(report.verdict);
    expect(await page.locator(".cards .card").count()).toBe(report.cards.length);
    // Each GPU agent of the fleet is a segment of a card's bar, as wide as its VRAM.
    const placed = report.cards.flatMap((c) => c.segments.map((s) => s.agent)).sort();
    const drawn = await page
      .locator(".cards .segment")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-agent") ?? ""));
    expect(drawn.sort()).toEqual(placed);
    const widths = await page
      .locator(".cards .card[data-node] .segment")
      .evaluateAll((els) =>
        els.map((e) => (e as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width),
      );
    expect(widths.every((w) => w > 0)).toBe(true);
    // The dependency graph has every agent and every dependency.
    expect(await page.locator("svg.graph g.agent").count()).toBe(report.graph.nodes.length);
    expect(await page.locator("svg.graph line.edge").count()).toBe(report.graph.edges.length);
    expect(await page.locator("svg.graph g.agent.required").count()).toBe(
      report.graph.nodes.filter((n) => n.required).length,
    );
    // Pointing at an agent marks its arrows: red to what it depends on, blue from its dependents; the
    // rest fade.
    const edge = report.graph.edges[0] as { from: string; to: string };
    await page.locator(`svg.graph g.agent[data-agent="${edge.from}"]`).hover();
    const style = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((e) => {
          // In the page: the browser's own getComputedStyle (this project's types have no DOM).
          const page = globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string; opacity: string } };
          const s = page.getComputedStyle(e);
          return { stroke: s.stroke, opacity: s.opacity };
        });
    expect(await style(`svg.graph line.edge[data-from="${edge.from}"]`)).toEqual({
      stroke: "rgb(198, 40, 40)",
      opacity: "1",
    });
    await page.locator(`svg.graph g.agent[data-agent="${edge.to}"]`).hover();
    expect((await style(`svg.graph line.edge[data-to="${edge.to}"]`)).stroke).toBe("rgb(21, 101, 192)");
    const apart = report.graph.edges.find((e) => e.from !== edge.to && e.to !== edge.to);
    if (apart) {
      expect((await style(`svg.graph line.edge[data-from="${apart.from}"][data-to="${apart.to}"]`)).opacity).toBe(
        "0.12",
      );
    }
    expect(await page.locator(".scenario").count()).toBe(report.scenarios.length);
    expect(await page.locator("li.finding").count()).toBe(report.findings.length);
  });
});
