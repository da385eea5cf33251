// The audit as a person reads it in a terminal, within a minute: the verdict first, then VRAM per
// card as bars, what each PC's loss would do, and every finding worst first with why and the fix.

import { counted } from "../lib/words.ts";
import type { AuditReport } from "./audit.ts";
import { agentsThat, checks, type FindingGroup, groupFindings } from "./findings.ts";
import type { CardUsage } from "./plan.ts";

const barWidth = 40;

/** One card as a bar: █ required agents, ▓ other agents, ░ free, · the reserve (driver, display). */
export function vramBar(card: CardUsage, width = barWidth): string {
  const cells = (mib: number) => Math.round((mib / Math.max(card.totalMiB, 1)) * width);
  const required = card.segments.filter((s) => s.required).reduce((s, x) => s + x.vramMiB, 0);
  const others = card.requestedMiB - required;
  const used = Math.min(width, cells(required) + cells(others));
  const reserve = Math.min(width - used, cells(card.reservedMiB));
  const requiredCells = Math.min(used, cells(required));
  return `${"█".repeat(requiredCells)}${"▓".repeat(used - requiredCells)}${"░".repeat(width - used - reserve)}${"·".repeat(reserve)}`;
}

function cardLine(card: CardUsage, pad: { node: number; gpuClass: number }): string {
  const over = card.requestedMiB > card.capacityMiB ? "  OVERCOMMITTED" : "";
  const down = card.ready ? "" : "  (not Ready)";
  return `  ${card.node.padEnd(pad.node)}  ${card.gpuClass.padEnd(pad.gpuClass)}  ${vramBar(card)}  ${card.requestedMiB}/${card.capacityMiB} MiB, ${card.replicasTaken}/${card.replicas} GPU replicas${over}${down}`;
}

const mark = { blocker: "✗", warning: "!", note: "·" } as const;

/** How many objects of one group the terminal lists before it says "and N more" (--format json has all). */
const listed = 5;

function groupLines(g: FindingGroup): string[] {
  const [first] = g.items;
  const head =
    g.items.length === 1 && first
      ? [`  ${mark[g.severity]} ${first.object}: ${first.problem}`]
      : [
          `  ${mark[g.severity]} ${checks[g.check].about}: ${g.items.length} times`,
          ...g.items.slice(0, listed).map((i) => `      - ${i.object}: ${i.problem}`),
          ...(g.items.length > listed ? [`      - and ${g.items.length - listed} more (--format json lists all)`] : []),
        ];
  return [...head, `      why: ${g.why}`, `      fix: ${g.fix}`];
}

export function textReport(report: AuditReport): string {
  const { counts } = report;
  const lines = [
    `AgentFleet audit: ${report.verdict}`,
    `  ${counted(counts.blockers, "blocker")}, ${counted(counts.warnings, "warning")}, ${counted(counts.notes, "note")}; ${counted(counts.agents, "agent")}, ${counts.gpuAgents} on GPUs`,
    `  read from ${report.source}`,
    ...(report.operator
      ? [
          `  operator: ${report.operator.observedAgents} of ${report.operator.agents} agents reconciled at their latest spec${report.operator.leader ? `; ${report.operator.leader} leads` : ""}`,
        ]
      : []),
    "",
  ];
  if (report.cards.length) {
    const pad = {
      node: Math.max(...report.cards.map((c) => c.node.length)),
      gpuClass: Math.max(...report.cards.map((c) => c.gpuClass.length)),
    };
    lines.push("VRAM per card  (█ required agents, ▓ other agents, ░ free, · reserve)");
    for (const card of report.cards) lines.push(cardLine(card, pad));
    lines.push("");
    if (report.scenarios.length) {
      lines.push("If a PC goes down (or is drained)");
      for (const s of report.scenarios) {
        const moves = s.moves.map((m) => `${m.agent.split("/")[1]} → ${m.to}${m.fallback ? ` (${m.gpuClass})` : ""}`);
        const stopped = s.stopped.map((x) => `${x.agent.split("/")[1]}${x.required ? " (required)" : ""}`);
        lines.push(
          `  ${s.node}: ${moves.length ? `${agentsThat(moves.length, "move")}: ${moves.join(", ")}` : "nothing moves"}; ${stopped.length ? `${agentsThat(stopped.length, "stop")}: ${stopped.join(", ")}` : "nothing stops"}`,
        );
        for (const card of s.cards) lines.push(`  ${" ".repeat(s.node.length)}  then${cardLine(card, pad).slice(1)}`);
      }
      lines.push("");
    }
  }
  for (const [severity, title] of [
    ["blocker", "BLOCKERS"],
    ["warning", "WARNINGS"],
    ["note", "NOTES"],
  ] as const) {
    const of = report.findings.filter((f) => f.severity === severity);
    if (!of.length) continue;
    lines.push(`${title} (${of.length})`);
    for (const g of groupFindings(of)) lines.push(...groupLines(g));
    lines.push("");
  }
  if (!report.findings.length) lines.push("Nothing to fix: every check passed.", "");
  return lines.join("\n");
}
