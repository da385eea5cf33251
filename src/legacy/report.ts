// The report a person reads in a minute: what was imported where, then what to fix, worst first.

import { counted } from "../lib/words.ts";
import type { ImportReport } from "./import.ts";
import type { Severity } from "./model.ts";

const headings: Record<Severity, string> = { blocker: "BLOCKERS", warning: "WARNINGS", info: "INFO" };

export function textReport(report: ImportReport, outcome: string): string {
  const lines: string[] = [];
  const machines = [...new Set(report.agents.map((a) => a.machine))];
  const infrastructure = report.infrastructure.filter((i) => i.definedAt).length;
  lines.push(
    `Imported ${report.agents.length} AgentDeployments${infrastructure ? ` (${infrastructure} of them shared infrastructure)` : ""}`,
  );
  for (const m of machines) {
    const agents = report.agents.filter((a) => a.machine === m);
    const gpu = agents.filter((a) => a.gpuClass);
    const vram = gpu.reduce((s, a) => s + (a.vramMiB ?? 0), 0);
    const classes = [...new Set(gpu.map((a) => a.gpuClass))];
    const cls = classes.length ? classes.join(",") : "-";
    lines.push(
      `  ${(m || "(none)").padEnd(10)} ${cls.padEnd(10)} ${String(agents.length).padStart(4)} ${agents.length === 1 ? "agent: " : "agents:"} ${gpu.length} on the GPU (${vram} MiB VRAM requested), ${agents.length - gpu.length} on CPU`,
    );
  }
  const { addresses } = report;
  lines.push(
    `Addresses: ${addresses.rewritten} rewritten to Service names, ${counted(addresses.dropped, "variable")} with a PC's address dropped, ${addresses.left} left as they were (see the warnings)`,
  );
  if (report.infrastructure.length) {
    lines.push("Infrastructure the fleet needs:");
    for (const i of report.infrastructure) {
      lines.push(
        `  ${i.name.padEnd(16)} ${i.kind.padEnd(12)} ${
          i.definedAt ? `imported from ${i.definedAt}` : "DEFINED NOWHERE: run it under this name"
        }; ${counted(i.neededBy.length, "agent points", "agents point")} at it`,
      );
    }
  }
  const counts = (["blocker", "warning", "info"] as const).map(
    (s) => `${report.findings.filter((f) => f.severity === s).length} ${s === "info" ? "notes" : `${s}s`}`,
  );
  lines.push("", `Findings: ${counts.join(", ")}`);
  for (const severity of ["blocker", "warning", "info"] as const) {
    const list = report.findings.filter((f) => f.severity === severity);
    if (!list.length) continue;
    lines.push("", `${headings[severity]} (${list.length})`);
    const width = Math.max(...list.map((f) => f.kind.length));
    for (const f of list) lines.push(`  ${f.kind.padEnd(width)}  ${f.source}  ${f.message}`);
  }
  if (addresses.rewrites.length) {
    lines.push("", `REWRITTEN ADDRESSES (${addresses.rewrites.length})`);
    // The same line of a file rewritten for many agents (a global environment) is listed once.
    const same = Map.groupBy(addresses.rewrites, (r) => [r.source, r.path, r.from, r.to, r.listen].join("\0"));
    for (const group of same.values()) {
      const r = group[0] as (typeof group)[number];
      const why = r.listen ? " (where it listens)" : "";
      const who = group.length === 1 ? r.agent : `${counted(group.length, "agent")} (${r.agent}, …)`;
      lines.push(`  ${r.source}  ${who} ${r.path}: ${r.from} → ${r.to ?? "(dropped)"}${why}`);
    }
  }
  if (report.secrets.length) {
    const { secret } = report.secrets[0] as (typeof report.secrets)[number];
    lines.push(
      "",
      `SECRETS TO CREATE (${counted(report.secrets.length, "key")} of the Secret ${secret} in ${report.namespace}, with the values the files above held; never commit them)`,
    );
    for (const s of report.secrets) lines.push(`  ${s.source}  ${s.key}  (${s.env ?? s.file} of ${s.agent})`);
    lines.push(
      `  kubectl create secret generic ${secret} -n ${report.namespace} \\`,
      ...report.secrets.map(
        (s, i) =>
          `    ${s.fromFile ? `--from-file=${s.key}=${s.fromFile}` : `--from-literal=${s.key}='…'`}${i < report.secrets.length - 1 ? " \\" : ""}`,
      ),
    );
  }
  lines.push("", outcome);
  return `${lines.join("\n")}\n`;
}
