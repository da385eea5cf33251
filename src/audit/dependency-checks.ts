// Dependencies, across the fleet: missing ones, cycles, required agents that need optional ones,
// and dependencies that cross PCs (each crossing is network latency between the machines). Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { cyclicComponents } from "../dependencies/graph.ts";
import type { Decision } from "../placement/plan.ts";
import { agentRef, type Finding, finding } from "./findings.ts";
import { keyOf } from "./plan.ts";

export function dependencyFindings(
  agents: readonly AgentDeployment[],
  decisions: ReadonlyMap<string, Decision>,
): Finding[] {
  const findings: Finding[] = [];
  const byKey = new Map(agents.map((a) => [keyOf(a), a]));
  const dep = (a: AgentDeployment, name: string) => byKey.get(`${a.metadata.namespace ?? "default"}/${name}`);
  const crossings: string[] = [];
  for (const a of agents) {
    const deps = a.spec.dependencies ?? [];
    const missing = deps.filter((d) => !dep(a, d));
    if (missing.length) {
      findings.push(
        finding(
          "missing-dependency",
          agentRef(a),
          `depends on ${missing.join(", ")}, which no AgentDeployment in namespace ${a.metadata.namespace} is named`,
          "it never starts: the operator holds it until its dependencies exist and are Ready",
          "create them, fix the names in spec.dependencies, or remove the dependency",
        ),
      );
    }
    const optional = deps.filter((d) => dep(a, d) && !dep(a, d)?.spec.required);
    if (a.spec.required && optional.length) {
      findings.push(
        finding(
          "required-depends-on-optional",
          agentRef(a),
          `required, but depends on ${optional.join(", ")}, which ${optional.length > 1 ? "are" : "is"} not`,
          "an optional agent may be stopped to make room or by a drain, and takes the required one's dependency with it",
          `mark ${optional.join(", ")} required too (spec.required: true)`,
        ),
      );
    }
    const here = decisions.get(keyOf(a));
    for (const d of deps) {
      const other = dep(a, d);
      const there = other ? decisions.get(keyOf(other)) : undefined;
      if (here?.kind === "placed" && there?.kind === "placed" && here.node !== there.node) {
        crossings.push(`${a.metadata.name} (${here.node}) → ${d} (${there.node})`);
      }
    }
  }
  const namespaces = [...new Set(agents.map((a) => a.metadata.namespace ?? "default"))];
  for (const ns of namespaces) {
    const inNs = agents.filter((a) => (a.metadata.namespace ?? "default") === ns);
    const edges = new Map(inNs.map((a) => [a.metadata.name, [...(a.spec.dependencies ?? [])]]));
    for (const cycle of cyclicComponents([...edges.keys()], edges)) {
      findings.push(
        finding(
          "dependency-cycle",
          `namespace ${ns}`,
          `${[...cycle, cycle[0]].join(" → ")} depend on each other`,
          "none can wait for the others: the operator starts them together, so each must retry until the others answer",
          "break the cycle if one of them can start without the other, or make sure each retries its connections",
        ),
      );
    }
  }
  if (crossings.length) {
    findings.push(
      finding(
        "cross-node-dependency",
        "fleet",
        `${crossings.length} dependenc${crossings.length > 1 ? "ies cross" : "y crosses"} PCs: ${crossings.join("; ")}`,
        "each crossing is a network hop between the machines, slower than localhost was",
        "where latency matters, give both the same GPU class, or accept the hop",
      ),
    );
  }
  return findings;
}
