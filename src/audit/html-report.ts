// The audit as one self-contained HTML page (no script, no network): the verdict, VRAM per card as
// bars with each agent a segment, the same cards after each PC's loss, the dependency graph coloured
// by node with required agents marked, and every finding with why and the fix. Pure.

import { counted } from "../lib/words.ts";
import type { AuditReport, GraphNode } from "./audit.ts";
import { agentsThat, checks, groupFindings } from "./findings.ts";
import type { CardUsage } from "./plan.ts";

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const palette = ["#2f6fb5", "#d9822b", "#3a9e5c", "#8e5bb5", "#c4473d", "#4aa3a3"];
const cpuColour = "#8a8f98";

function colours(report: AuditReport): Map<string, string> {
  const nodes = [...new Set(report.cards.map((c) => c.node))];
  return new Map(nodes.map((n, i) => [n, palette[i % palette.length] as string]));
}

function cardHtml(card: CardUsage, colour: string): string {
  const pct = (mib: number) => ((100 * mib) / Math.max(card.totalMiB, 1)).toFixed(2);
  const segments = card.segments
    .map(
      (s) =>
        `<div class="segment${s.required ? " required" : ""}" data-agent="${escapeHtml(s.agent)}" style="width:${pct(s.vramMiB)}%;background:${colour}" title="${escapeHtml(`${s.agent}: ${s.vramMiB} MiB${s.required ? " (required)" : ""}`)}"><span>${escapeHtml(s.agent.split("/")[1] ?? s.agent)}</span></div>`,
    )
    .join("");
  const free = Math.max(0, card.capacityMiB - card.requestedMiB);
  return `<div class="card${card.ready ? "" : " down"}" data-node="${escapeHtml(card.node)}" data-class="${escapeHtml(card.gpuClass)}" data-requested="${card.requestedMiB}" data-capacity="${card.capacityMiB}">
  <div class="card-title"><b>${escapeHtml(card.node)}</b> ${escapeHtml(card.gpuClass)} <span class="numbers">${card.requestedMiB} / ${card.capacityMiB} MiB · ${card.replicasTaken}/${card.replicas} GPU replicas${card.requestedMiB > card.capacityMiB ? " · <b>overcommitted</b>" : ""}</span></div>
  <div class="bar">${segments}<div class="free" style="width:${pct(free)}%" title="free: ${free} MiB"></div><div class="reserve" style="width:${pct(card.reservedMiB)}%" title="reserve: ${card.reservedMiB} MiB"></div></div>
</div>`;
}

/** Columns by dependency depth: what nothing depends on at the left, the deepest dependencies at the right. */
function layout(nodes: readonly GraphNode[], edges: readonly { from: string; to: string }[]) {
  const deps = new Map(nodes.map((n) => [n.id, edges.filter((e) => e.from === n.id).map((e) => e.to)]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: stop here
    visiting.add(id);
    const d = Math.max(0, ...(deps.get(id) ?? []).map((x) => depthOf(x) + 1));
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const n of nodes) depthOf(n.id);
  const maxDepth = Math.max(0, ...depth.values());
  const columns = new Map<number, GraphNode[]>();
  for (const n of [...nodes].sort((a, b) => a.id.localeCompare(b.id))) {
    const column = maxDepth - (depth.get(n.id) ?? 0);
    columns.set(column, [...(columns.get(column) ?? []), n]);
  }
  const position = new Map<string, { x: number; y: number }>();
  for (const [column, members] of columns) {
    members.forEach((n, row) => {
      position.set(n.id, { x: 20 + column * 220, y: 20 + row * 56 });
    });
  }
  const width = 20 + (maxDepth + 1) * 220;
  const height = 20 + Math.max(1, ...[...columns.values()].map((m) => m.length)) * 56;
  return { position, width, height };
}

function graphSvg(report: AuditReport, colourOf: Map<string, string>): string {
  const { nodes, edges } = report.graph;
  if (!nodes.length) return "<p>No agents.</p>";
  const { position, width, height } = layout(nodes, edges);
  const boxW = 180;
  const boxH = 36;
  // Each agent a number, for the classes that tie its arrows to it (its id may hold a '/').
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const lines = edges
    .map((e) => {
      const a = position.get(e.from);
      const b = position.get(e.to);
      if (!a || !b) return "";
      return `<line class="edge f${index.get(e.from)} t${index.get(e.to)}" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}" x1="${a.x + boxW}" y1="${a.y + boxH / 2}" x2="${b.x}" y2="${b.y + boxH / 2}" marker-end="url(#arrow)"/>`;
    })
    .join("");
  const boxes = nodes
    .map((n, i) => {
      const p = position.get(n.id) as { x: number; y: number };
      const colour = n.node ? (colourOf.get(n.node) ?? cpuColour) : cpuColour;
      return `<g id="a${i}" class="agent${n.required ? " required" : ""}" data-agent="${escapeHtml(n.id)}" data-node="${escapeHtml(n.node ?? "")}"><title>${escapeHtml(`${n.id}${n.node ? ` on ${n.node} (${n.gpuClass})` : " (CPU)"}${n.required ? ", required" : ""}`)}</title><rect x="${p.x}" y="${p.y}" width="${boxW}" height="${boxH}" rx="6" fill="${colour}" stroke="#111" stroke-width="${n.required ? 3 : 0.5}"/><text x="${p.x + 8}" y="${p.y + 23}">${n.required ? "★ " : ""}${escapeHtml(n.name.length > 22 ? `${n.name.slice(0, 21)}…` : n.name)}</text></g>`;
    })
    .join("");
  return `<div class="graph-wrap"><style>${hoverRules(nodes.length)}</style><svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="graph-title"><title id="graph-title">The agents' dependencies</title><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>${lines}${boxes}</svg></div>`;
}

/**
 * With the pointer on an agent, its arrows stand out from the rest: red to what it depends on, blue
 * from what depends on it. CSS alone (the page runs no script): one selector per agent, by number.
 */
function hoverRules(agents: number): string {
  const each = (edge: "f" | "t") =>
    Array.from({ length: agents }, (_, i) => `.graph:has(#a${i}:hover) .${edge}${i}`).join(",");
  return [
    ".graph:has(g.agent:hover) .edge{opacity:.12}",
    `${each("f")}{stroke:#c62828;stroke-width:2.5;opacity:1}`,
    `${each("t")}{stroke:#1565c0;stroke-width:2.5;opacity:1}`,
  ].join("\n");
}

const verdictColour = { READY: "#2e7d32", "PARTIALLY READY": "#b26a00", "NOT READY": "#c62828" } as const;

export function htmlReport(report: AuditReport): string {
  const colourOf = colours(report);
  const legend = [...colourOf]
    .map(([node, c]) => `<span class="key" style="background:${c}"></span>${escapeHtml(node)}`)
    .join(" ");
  const scenarios = report.scenarios
    .map(
      (s) => `<div class="scenario" data-lost="${escapeHtml(s.node)}"><h3>Without ${escapeHtml(s.node)}</h3>
<p>${s.moves.length ? `${agentsThat(s.moves.length, "move")}: ${s.moves.map((m) => `${escapeHtml(m.agent.split("/")[1] ?? m.agent)} → ${escapeHtml(m.to)}`).join(", ")}` : "Nothing moves"}.
${s.stopped.length ? `${agentsThat(s.stopped.length, "stop")}: ${s.stopped.map((x) => `<span class="${x.required ? "stopped-required" : ""}">${escapeHtml(x.agent.split("/")[1] ?? x.agent)}</span>`).join(", ")}` : "Nothing stops"}.</p>
${s.cards.map((c) => cardHtml(c, colourOf.get(c.node) ?? cpuColour)).join("\n")}</div>`,
    )
    .join("\n");
  // Grouped as in the terminal: one entry per check and fix, each object a line of it.
  const findings = groupFindings(report.findings)
    .map(
      (
        g,
      ) => `<li class="group ${g.severity}" data-severity="${g.severity}" data-check="${g.check}"><b>${g.severity}: ${escapeHtml(checks[g.check].about)}</b>
<ul>${g.items.map((i) => `<li class="finding"><b>${escapeHtml(i.object)}</b>: ${escapeHtml(i.problem)}</li>`).join("")}</ul>
<div class="why">Why: ${escapeHtml(g.why)}</div><div class="fix">Fix: ${escapeHtml(g.fix)}</div></li>`,
    )
    .join("\n");
  const { counts } = report;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AgentFleet audit: ${report.verdict}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d1f23;max-width:1200px}
h1{margin:0 0 4px}.verdict{display:inline-block;padding:4px 12px;border-radius:6px;color:#fff;font-weight:700}
.card{margin:8px 0}.card-title{margin-bottom:3px}.numbers{color:#555;margin-left:8px}
.bar{display:flex;height:28px;border:1px solid #999;border-radius:4px;overflow:hidden;background:#fff}
.segment{height:100%;border-right:1px solid #fff;opacity:.7;overflow:hidden;white-space:nowrap;color:#fff;font-size:11px;padding-left:3px;box-sizing:border-box}
.segment.required{opacity:1}.free{height:100%;background:#e8eaed}
.reserve{height:100%;background:repeating-linear-gradient(45deg,#bbb,#bbb 3px,#ddd 3px,#ddd 6px)}
.card.down .bar{opacity:.4}.scenarios{display:flex;gap:24px;flex-wrap:wrap}.scenario{flex:1;min-width:320px}
.stopped-required{color:#c62828;font-weight:700}.key{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;border-radius:2px}
.graph-wrap{overflow-x:auto}.graph text{font-size:12px;fill:#fff}.edge{stroke:#555;stroke-width:1.2}.agent{cursor:default}
.group{margin:10px 0}.group.blocker>b{color:#c62828}.group.warning>b{color:#b26a00}.finding{margin:2px 0}.why,.fix{color:#444;margin-left:12px}
</style></head><body>
<h1>AgentFleet audit <span class="verdict" data-verdict="${report.verdict}" style="background:${verdictColour[report.verdict]}">${report.verdict}</span></h1>
<p>${counted(counts.blockers, "blocker")}, ${counted(counts.warnings, "warning")}, ${counted(counts.notes, "note")} · ${counted(counts.agents, "agent")}, ${counts.gpuAgents} on GPUs · read from ${escapeHtml(report.source)}${report.operator ? ` · operator: ${report.operator.observedAgents} of ${report.operator.agents} agents reconciled${report.operator.leader ? `, ${escapeHtml(report.operator.leader)} leads` : ""}` : ""}</p>
<h2>VRAM per card</h2>
<p>Each agent is a segment (solid: required); grey is free, hatched is the reserve kept for the driver and display. Nodes: ${legend}</p>
<div class="cards">${report.cards.map((c) => cardHtml(c, colourOf.get(c.node) ?? cpuColour)).join("\n")}</div>
<h2>If a PC goes down (or is drained)</h2>
<div class="scenarios">${scenarios || "<p>No GPU node to lose.</p>"}</div>
<h2>Dependencies</h2>
<p>An arrow points from an agent to what it depends on; colour is the node it runs on (grey: CPU, anywhere); ★ and a thick border mark required agents. Point at an agent: the arrows to what it depends on turn red, those from its dependents blue.</p>
${graphSvg(report, colourOf)}
<h2>Findings</h2>
<ul class="findings">${findings || "<li>Nothing to fix: every check passed.</li>"}</ul>
</body></html>
`;
}
