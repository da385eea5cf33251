// Dependencies: resolved on the agent's own machine first (as localhost was), else on another
// machine (it worked only across the network), else missing; and cycles among them.

import { cyclicComponents } from "../../dependencies/graph.ts";
import { inWords } from "../../lib/words.ts";
import { machineLabel } from "../machine.ts";
import { type Decommissioned, definingFiles, type Finding, type FleetAgent, putOutOfUse, where } from "../model.ts";
import { sameName } from "../names.ts";

export interface ResolvedDependencies {
  /** Agent name → the names of the AgentDeployments it depends on. */
  edges: Map<string, string[]>;
  findings: Finding[];
}

export function resolveDependencies(
  agents: readonly FleetAgent[],
  decommissioned: readonly Decommissioned[],
): ResolvedDependencies {
  const edges = new Map<string, string[]>();
  const findings: Finding[] = [];
  for (const a of agents) {
    const targets: string[] = [];
    for (const dep of a.dependencies) {
      // compose's depends_on names a service of its own file first, by the name it has there (a
      // stack's redis, imported under its container's name when another stack ran one too).
      const inFile = agents.find(
        (b) =>
          b.machine === a.machine &&
          definingFiles(b).includes(dep.source.file) &&
          [b.legacyName, ...(b.hostnames ?? [])].some((n) => sameName(n, dep.name)),
      );
      const local = inFile ?? agents.find((b) => b.machine === a.machine && sameName(b.legacyName, dep.name));
      const remote = local ? undefined : agents.find((b) => sameName(b.legacyName, dep.name));
      const target = local ?? remote;
      if (target) {
        if (target !== a) targets.push(target.name);
        if (remote) {
          findings.push({
            kind: "cross-machine-dependency",
            severity: "warning",
            machine: a.machine,
            agents: [a.legacyName, remote.legacyName],
            message: `${a.legacyName} on ${machineLabel(a.machine)} depends on ${remote.legacyName}, which only ${machineLabel(remote.machine)} runs. In Kubernetes it reaches it by its Service (${remote.name}); check that nothing in its config still expects it on localhost`,
            source: where(dep.source),
          });
        }
        continue;
      }
      const gone = decommissioned.find((d) => sameName(d.legacyName, dep.name));
      findings.push({
        kind: "missing-dependency",
        // compose's depends_on with required: false started the service without it.
        severity: dep.optional ? "warning" : "blocker",
        machine: a.machine,
        agents: [a.legacyName, dep.name],
        message: gone
          ? `${a.legacyName} depends on ${dep.name}, which ${where(gone.source)} ${putOutOfUse(gone)} (${gone.reason}): ${
              gone.how === "disabled"
                ? "switch it on, or remove the dependency"
                : gone.how === "elsewhere"
                  ? "import the startup config of the machine that runs it"
                  : "point it at the replacement"
            }`
          : dep.optional
            ? `${a.legacyName} depends on ${dep.name} (required: false in compose), which no file defines; the manifest leaves it out`
            : `${a.legacyName} depends on ${dep.name}, which no file defines: add it, or remove the dependency`,
        source: where(dep.source),
      });
    }
    edges.set(a.name, [...new Set(targets)]);
  }
  return { edges, findings };
}

/**
 * Cycles of more than one agent, one finding each, among the dependencies the manifests carry: the
 * declared ones and those an agent's rewritten addresses add (it reaches what it depends on).
 */
export function cycleFindings(
  agents: readonly FleetAgent[],
  edges: ReadonlyMap<string, string[]>,
  declared: ReadonlyMap<string, string[]>,
): Finding[] {
  const found = cyclicComponents(
    agents.map((a) => a.name),
    edges,
  );
  const byName = new Map(agents.map((a) => [a.name, a]));
  return found.map((component) => {
    const members = component.map((n) => byName.get(n) as FleetAgent);
    const inside = new Set(component);
    // Edges of the cycle that only an address made: a person looks for them in the config, not in dependencies.
    const reached = component.flatMap((from) => {
      const to = (edges.get(from) ?? [])
        .filter((t) => inside.has(t) && !(declared.get(from) ?? []).includes(t))
        .map((t) => byName.get(t)?.legacyName ?? t);
      return to.length
        ? [
            `${byName.get(from)?.legacyName} depends on ${inWords(to)} because it reaches ${to.length > 1 ? "their addresses" : "its address"}`,
          ]
        : [];
    });
    return {
      kind: "dependency-cycle" as const,
      severity: "warning" as const,
      machine: members[0]?.machine as string,
      agents: members.map((m) => m.legacyName),
      message: `${members.map((m) => m.legacyName).join(" → ")} → ${members[0]?.legacyName} depend on each other${
        reached.length ? ` (${reached.join("; ")})` : ""
      }: none can wait for the others to start. Kubernetes starts them all; make sure each retries`,
      source: where(members[0]?.source ?? { file: "", line: 0, column: 0 }),
    };
  });
}
