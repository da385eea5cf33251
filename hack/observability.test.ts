// The chart's alerts and Grafana dashboard against the code: every metric they read is one the
// operator exports, every alert links to its runbook section, and every condition reason the
// operator can set has a runbook section. A metric renamed, an alert added or a reason added without
// its runbook fails here.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AgentReason, containerWaitingReasons, GPUClassReason, rolloutFailureReasons } from "../src/api/conditions.ts";
import { registerFleetGauges } from "../src/observability/fleet-metrics.ts";
import { OperatorMetrics } from "../src/observability/metrics.ts";
import { repoRoot } from "./lib/paths.ts";

const read = (file: string) => readFile(path.join(repoRoot, file), "utf8");

/** Every series name the operator's /metrics can show, histograms with their _bucket, _sum and _count. */
async function exportedMetrics(): Promise<Set<string>> {
  const metrics = new OperatorMetrics(true);
  registerFleetGauges(metrics.registry, { reporting: () => false, agents: () => [], classes: () => [] });
  const names = new Set<string>(["up"]); // Prometheus adds up for every target it scrapes
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${m.name}${s}`);
  }
  return names;
}

const promqlWords = new Set(
  "sum max min avg count rate irate increase absent histogram_quantile by without on ignoring group_left group_right and or unless bool topk bottomk label_values offset".split(
    " ",
  ),
);

/** The metric names a PromQL expression reads (label matchers, groupings and Helm's own braces removed). */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/\{\{[^}]*\}\}/g, "0") // Helm template actions
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, "") // groupings
    .replace(/"[^"]*"/g, "");
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !promqlWords.has(w));
}

/** GitHub's anchor of a Markdown heading. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");

async function runbookAnchors(): Promise<Set<string>> {
  const doc = await read("docs/guides/runbooks.md");
  return new Set([...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => anchor(m[1] as string)));
}

async function alerts(): Promise<{ name: string; expr: string; runbook: string }[]> {
  const template = await read("charts/agentfleet/templates/prometheusrule.yaml");
  return [...template.matchAll(/- alert: (\w+)\n\s+expr: (.+)\n[\s\S]*?runbook_url: "[^"#]*#([^"]+)"/g)].map((m) => ({
    name: m[1] as string,
    expr: m[2] as string,
    runbook: m[3] as string,
  }));
}

describe("the chart's alerts", () => {
  it("cover what an operator of the fleet must hear of", async () => {
    expect((await alerts()).map((a) => a.name)).toEqual(
      expect.arrayContaining([
        "AgentFleetOperatorDown",
        "AgentFleetNoLeader",
        "AgentFleetReconcileErrors",
        "AgentFleetWatchErrors",
        "AgentFleetAgentsNotReady",
        "AgentFleetRequiredAgentNotReady",
        "AgentFleetFallbackActive",
        "AgentFleetVRAMNearCapacity",
        "AgentFleetAgentsWaitingForVRAM",
      ]),
    );
  });

  it("read only metrics the operator exports, and each links to its own runbook section", async () => {
    const exported = await exportedMetrics();
    const sections = await runbookAnchors();
    const template = await read("charts/agentfleet/templates/prometheusrule.yaml");
    const all = await alerts();
    expect(all.length).toBe([...template.matchAll(/- alert: /g)].length);
    for (const alert of all) {
      expect(
        metricsIn(alert.expr).filter((m) => !exported.has(m)),
        alert.name,
      ).toEqual([]);
      expect(alert.runbook, alert.name).toBe(anchor(alert.name));
      expect(sections.has(alert.runbook), `docs/guides/runbooks.md has no section ${alert.name}`).toBe(true);
    }
  });
});

describe("the Grafana dashboard", () => {
  it("queries only metrics the operator exports", async () => {
    const exported = await exportedMetrics();
    const dashboard = JSON.parse(await read("charts/agentfleet/dashboards/agentfleet.json")) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries)
      expect(
        metricsIn(q.expr).filter((m) => !exported.has(m)),
        q.panel,
      ).toEqual([]);
  });

  it("finds a metric that is not exported (the check can fail)", () => {
    expect(metricsIn('sum by (node) (rate(agentfleet_no_such_total{job=~"$job"}[5m]))')).toEqual([
      "agentfleet_no_such_total",
    ]);
  });
});

describe("docs/guides/runbooks.md", () => {
  it("has a section for every reason the operator can give on a condition", async () => {
    const sections = await runbookAnchors();
    const reasons = [
      ...Object.values(AgentReason),
      ...Object.values(GPUClassReason),
      ...containerWaitingReasons,
      ...rolloutFailureReasons,
    ];
    expect(reasons.filter((r) => !sections.has(anchor(r)))).toEqual([]);
  });
});
