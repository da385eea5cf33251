// What the files disagree on: compose services the startup config does not define (or decommissioned),
// agents defined on both machines, agents that live only in comments.

import { counted } from "../../lib/words.ts";
import type { Fleet } from "../fleet.ts";
import { machineLabel } from "../machine.ts";
import {
  agentFinding,
  type Decommissioned,
  type Finding,
  type FleetAgent,
  type LegacyAgent,
  putOutOfUse,
  where,
} from "../model.ts";
import { sameName } from "../names.ts";

/**
 * What a compose service the startup config does not name runs: a second instance of an imported
 * agent (a standby that builds or runs the same), or an image that may be infrastructure or an agent.
 */
function whatItRuns(s: LegacyAgent, agents: readonly FleetAgent[]): string {
  const twin = agents.find(
    (a) =>
      a.machine === s.machine &&
      a.composeService !== undefined &&
      ((s.buildDirectory !== undefined && a.buildDirectory === s.buildDirectory) ||
        (s.image !== undefined && a.image === s.image)),
  );
  if (twin)
    return `: it runs what ${twin.composeService} runs, imported as ${twin.legacyName} (${twin.name}); for a second instance, set that agent's spec.replicas to 2`;
  if (!s.image || s.serviceName) return "";
  return ` (image ${s.image}: if it is infrastructure, run it with its own chart; if it runs an agent of the startup config, set SERVICE_NAME to that agent's name in its environment and import again)`;
}

export function driftFindings(fleet: Fleet): Finding[] {
  const findings: Finding[] = [];
  const { agents, composeOnly, decommissioned } = fleet;

  for (const s of composeOnly) {
    const runs = s.serviceName ?? s.legacyName;
    const gone = decommissioned.find(
      (d) => d.machine === s.machine && (sameName(d.legacyName, runs) || sameName(d.legacyName, s.legacyName)),
    );
    findings.push(
      agentFinding(s, {
        kind: "compose-drift",
        severity: gone ? "warning" : "info",
        message: gone
          ? `compose service ${s.legacyName} still runs ${runs}, which the startup config ${putOutOfUse(gone)} at ${where(gone.source)} (${gone.reason}); not imported`
          : `compose service ${s.legacyName}${s.serviceName ? ` (${s.serviceName})` : ""} is not an agent of ${machineLabel(s.machine)}'s startup config; not imported${whatItRuns(s, agents)}`,
        source: s.source,
      }),
    );
  }

  // Startup agents no compose file runs, per machine that has a compose file: one finding, not dozens.
  for (const machine of fleet.machines) {
    const hasCompose =
      agents.some((a) => a.machine === machine && a.composeService) || composeOnly.some((s) => s.machine === machine);
    if (!hasCompose) continue;
    const missing = agents.filter((a) => a.machine === machine && a.from === "startup" && !a.composeService);
    if (missing.length === 0) continue;
    findings.push({
      kind: "compose-drift",
      severity: "info",
      machine,
      agents: missing.map((a) => a.legacyName),
      message: `${counted(missing.length, "agent")} of ${machine}'s startup config ${missing.length === 1 ? "has" : "have"} no compose service: ${missing.map((a) => a.legacyName).join(", ")}; their images are guessed`,
      source: where(missing[0]?.source ?? { file: "", line: 0, column: 0 }),
    });
  }

  // One agent on two machines.
  const byLabel = new Map<string, typeof agents>();
  for (const a of agents) {
    const key = a.legacyName.toLowerCase().replace(/[^a-z0-9]/g, "");
    byLabel.set(key, [...(byLabel.get(key) ?? []), a]);
  }
  for (const group of byLabel.values()) {
    if (new Set(group.map((a) => a.machine)).size < 2) continue;
    const first = group[0] as FleetAgent;
    if (group.every((a) => where(a.source) === where(first.source))) {
      // One definition that the profiles run on several machines (its group on both PCs).
      findings.push({
        kind: "on-every-machine",
        severity: "warning",
        agents: [first.legacyName],
        message: `${first.legacyName}${first.group ? ` (group ${first.group})` : ""} runs on ${group
          .map((a) => machineLabel(a.machine))
          .join(" and on ")} by the machine profiles: it is imported once per machine, as ${group
          .map((a) => `${a.name} (${machineLabel(a.machine)})`)
          .join(
            " and ",
          )}, each with its machine's GPU class and its own Service; agents that depend on it reach ${first.name}. If one instance is enough, delete the other, or give one of them replicas: 2`,
        source: where(first.source),
      });
      continue;
    }
    findings.push({
      kind: "duplicate-agent",
      severity: "warning",
      machine: group[1]?.machine as string,
      agents: group.map((a) => a.legacyName),
      message: `${group[0]?.legacyName} is defined on ${group.map((a) => `${machineLabel(a.machine)} (${where(a.source)})`).join(" and on ")}. Imported as ${group
        .map((a) => a.name)
        .join(" and ")}; if one instance is enough, delete the other`,
      source: where((group[1] ?? (group[0] as FleetAgent)).source),
    });
  }
  // The same script under two names on two machines.
  for (const a of agents) {
    const twin = agents.find(
      (b) =>
        b !== a &&
        b.machine !== a.machine &&
        b.scriptPath &&
        b.scriptPath === a.scriptPath &&
        !sameName(a.legacyName, b.legacyName),
    );
    if (twin && a.machine < twin.machine) {
      findings.push({
        kind: "duplicate-agent",
        severity: "info",
        machine: twin.machine,
        agents: [a.legacyName, twin.legacyName],
        message: `${a.legacyName} (${machineLabel(a.machine)}) and ${twin.legacyName} (${machineLabel(twin.machine)}) run the same script, ${a.scriptPath}`,
        source: where(twin.source),
      });
    }
  }

  // Agents only comments define, switched off where they are defined, or named as another machine's.
  for (const d of decommissioned) {
    // Defined by another file after all: a comment's leftover, or where this file reaches it.
    // (One switched off on one machine may run on another, or come from the other file of its own.)
    const importedAnyway = agents.some(
      (a) => sameName(a.legacyName, d.legacyName) && (d.how !== "disabled" || a.machine === d.machine),
    );
    if (importedAnyway) continue;
    findings.push(agentFinding(d, { ...notImported(d), source: d.source }));
  }
  return findings;
}

/** Why an agent a file names is not imported, and how much that matters. */
function notImported(d: Decommissioned): Pick<Finding, "kind" | "severity" | "message"> {
  switch (d.how) {
    case "disabled":
      if (d.oneShot) {
        return {
          kind: "one-shot",
          severity: "warning",
          message:
            `${d.legacyName} is not imported: ${d.reason}. An AgentDeployment runs for ever, and would start it again each time it exits. ${d.switchOn ?? ""}`.trimEnd(),
        };
      }
      return {
        kind: "disabled-agent",
        severity: "info",
        message: `${d.legacyName} is switched off (${d.reason}); not imported, as its launcher skipped it. ${d.switchOn ?? "Switch it on and import again to run it"}`,
      };
    case "elsewhere":
      return {
        kind: "external-agent",
        severity: "warning",
        message: `${d.legacyName} is named as running elsewhere (${d.reason}), and no file given defines it: it is not imported. Import the startup config of the machine that runs it, or run it in the cluster under that name`,
      };
    default:
      return {
        kind: "decommissioned-agent",
        severity: "info",
        message: `${d.legacyName} exists only in a comment: ${d.reason}; not imported`,
      };
  }
}
