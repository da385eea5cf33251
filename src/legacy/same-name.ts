// One name, several definitions: an agent given in two files of one machine is imported once,
// stacks' containers of one service name stay apart, and no two agents are given one name (one
// manifest file would be written over the other).
import { counted, inWords } from "../lib/words.ts";
import { machineLabel } from "./machine.ts";
import { agentFinding, type Finding, type FleetAgent, type LegacyAgent, where } from "./model.ts";
import { toAgentName, toDnsLabel } from "./names.ts";

/**
 * The agents with one definition per machine and name, and a duplicate-agent warning for
 * each one dropped. One file defining a name twice keeps the later, as a dict-based loader did;
 * two files of one machine (its startup config and another list of its services) keep the one
 * that runs something (a script, a command, an image), else the later.
 */
export function oncePerMachine(agents: readonly LegacyAgent[]): { kept: LegacyAgent[]; findings: Finding[] } {
  const runs = (a: LegacyAgent) => Boolean(a.scriptPath || a.command || a.image || a.buildDirectory);
  const findings: Finding[] = [];
  const kept: LegacyAgent[] = [];
  for (const definitions of Map.groupBy(agents, (a) => `${a.machine}/${toDnsLabel(a.legacyName)}`).values()) {
    // In order: the later wins, but not over one of another file that alone has something to run.
    const chosen = definitions.reduce((earlier, a) =>
      earlier.source.file !== a.source.file && runs(earlier) && !runs(a) ? earlier : a,
    );
    kept.push(chosen);
    if (definitions.length === 1) continue;
    const a = definitions.at(-1) as LegacyAgent;
    const files = new Set(definitions.map((d) => d.source.file));
    const why = runs(chosen) && definitions.some((d) => !runs(d)) ? "it has something to run" : "the later one";
    findings.push(
      agentFinding(a, {
        kind: "duplicate-agent",
        severity: "warning",
        message:
          files.size === 1
            ? `${a.legacyName} is defined ${definitions.length === 2 ? "twice" : `${definitions.length} times`} in ${a.source.file} (lines ${inWords(definitions.map((d) => String(d.source.line)))}); the later definition is imported`
            : `${a.legacyName} is defined for ${machineLabel(a.machine)} in ${files.size === 2 ? "two files" : counted(files.size, "file")} (${inWords(definitions.map((d) => where(d.source)))}); the one at ${where(chosen.source)} is imported (${why})`,
        source: a.source,
      }),
    );
  }
  return { kept, findings };
}

/**
 * Compose services of one machine that share a name but not a container_name ran as different
 * containers side by side (stacks that each ran a redis of their own, redis_translation and
 * redis_emotion), not as one service defined twice. Each with a container name of its own takes
 * it as its name, and keeps the service's name for the addresses of its own file; their data and
 * messages stay apart, as they were. A container name shared is one container, which
 * oncePerMachine keeps once.
 */
export function apartByContainerName(services: readonly LegacyAgent[]): {
  services: LegacyAgent[];
  findings: Finding[];
} {
  const renamed = new Map<LegacyAgent, LegacyAgent>();
  const findings: Finding[] = [];
  for (const group of Map.groupBy(services, (s) => `${s.machine}/${toDnsLabel(s.legacyName)}`).values()) {
    // Only container names written out tell containers apart: a service without one may be an
    // override of the same service (docker-compose.override.yml), which compose merges into it.
    const containers = new Set(group.flatMap((s) => (s.containerName ? [toDnsLabel(s.containerName)] : [])));
    if (containers.size < 2) continue;
    for (const s of group) {
      if (s.containerName === undefined || toDnsLabel(s.containerName) === toDnsLabel(s.legacyName)) continue;
      const hostnames = [s.legacyName, ...(s.hostnames ?? []).filter((h) => h !== s.containerName)];
      renamed.set(s, { ...s, legacyName: s.containerName, hostnames });
    }
    const first = group[0] as LegacyAgent;
    const names = [...new Set(group.map((s) => (renamed.get(s) ?? s).legacyName))];
    findings.push({
      kind: "duplicate-agent",
      severity: "info",
      machine: first.machine,
      agents: names,
      message: `${first.legacyName} is defined for ${machineLabel(first.machine)} in ${counted(new Set(group.map((s) => s.source.file)).size, "file")} as ${counted(names.length, "container")} of their own (${inWords(group.map((s) => `${(renamed.get(s) ?? s).legacyName} at ${where(s.source)}`))}): each is imported under its container's name, which other files reach it by, and its own file's addresses of ${first.legacyName} reach it. If one is enough, delete the others and point their addresses at it`,
      source: where(first.source),
    });
  }
  return { services: services.map((s) => renamed.get(s) ?? s), findings };
}

/** The agent of a group that keeps its plain name: the first machine's in the class mapping's order. */
const firstOn = (group: readonly LegacyAgent[], order: (machine: string) => number): LegacyAgent =>
  group.reduce((first, a) => (order(a.machine) < order(first.machine) ? a : first));

/** Two agents that one name would have been given: the later is numbered, and this says so. */
function nameTakenFinding(a: LegacyAgent, wanted: string, holder: LegacyAgent, name: string): Finding {
  return {
    kind: "duplicate-agent",
    severity: "warning",
    machine: a.machine,
    agents: [holder.legacyName, a.legacyName],
    message: `${a.legacyName} on ${machineLabel(a.machine)} would be named ${wanted}, which ${holder.legacyName} (${where(holder.source)}) is named: it is imported as ${name}. If they are one agent, delete one; if not, rename one in its file`,
    source: where(a.source),
  };
}

/**
 * Each agent's AgentDeployment name: its legacy name as a DNS label, one per machine; the first
 * machine (in the order of the class mapping) keeps the plain name, the others take theirs as a
 * suffix. In that order of machines, then by name.
 */
export function nameAgents(
  merged: readonly LegacyAgent[],
  machines: readonly string[],
): { agents: FleetAgent[]; findings: Finding[] } {
  const findings: Finding[] = [];
  // A machine of the class mapping before one of no machine, which is named for none of them.
  const order = (m: string) => (machines.includes(m) ? machines.indexOf(m) : machines.length);
  const byLabel = new Map<string, LegacyAgent[]>();
  for (const a of merged)
    byLabel.set(toAgentName(a.legacyName), [...(byLabel.get(toAgentName(a.legacyName)) ?? []), a]);
  const agents: FleetAgent[] = [];
  // A machine's suffix can make a name another agent has (ObservabilityHub on pc2 beside
  // ObservabilityHub_PC2): one manifest file would be written over the other. A plain name is
  // kept by its agent; a suffixed one that is taken gets a number too.
  const holders = new Map<string, LegacyAgent>([...byLabel].map(([label, group]) => [label, firstOn(group, order)]));
  for (const [label, group] of byLabel) {
    const sorted = [...group].sort((x, y) => order(x.machine) - order(y.machine));
    sorted.forEach((a, i) => {
      const suffix = toDnsLabel(a.machine || "unassigned");
      const wanted = i === 0 ? label : `${label.slice(0, 62 - suffix.length)}-${suffix}`;
      let name = wanted;
      for (let n = 2; holders.has(name) && holders.get(name) !== a; n++)
        name = `${wanted.slice(0, 62 - String(n).length)}-${n}`;
      if (name !== wanted) findings.push(nameTakenFinding(a, wanted, holders.get(wanted) as LegacyAgent, name));
      holders.set(name, a);
      const { composeService, composeFile } = a as FleetAgent;
      agents.push({ ...a, name, ...(composeService ? { composeService, composeFile } : {}) });
    });
  }
  agents.sort((x, y) => order(x.machine) - order(y.machine) || (x.name < y.name ? -1 : 1));
  return { agents, findings };
}
