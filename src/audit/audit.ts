// The audit: is this fleet ready for production? Every check over one snapshot, a verdict, and what
// the reports draw (VRAM per card now and after each PC's loss, the dependency graph). Pure: the
// same answer before anything is applied (manifests) and on the live cluster.
import { capacityFindings } from "./capacity.ts";
import { dependencyFindings } from "./dependency-checks.ts";
import { checks, type Finding, type Verdict, verdictOf, worstFirst } from "./findings.ts";
import { type NodeLossScenario, nodeLoss } from "./node-loss.ts";
import { operationsFindings } from "./operations.ts";
import { type CardUsage, cardUsage, keyOf, planFleet } from "./plan.ts";
import { preflightClass } from "./preflight.ts";
import { securityFindings } from "./security.ts";
import type { FleetSnapshot } from "./snapshot.ts";

export interface GraphNode {
  id: string; // namespace/name
  name: string;
  node: string | undefined;
  required: boolean;
  gpuClass: string | undefined;
}

export interface AuditReport {
  verdict: Verdict;
  source: string;
  /** On a live cluster: how many agents the operator has reconciled at their latest spec, and which replica leads. */
  operator?: { observedAgents: number; agents: number; leader?: string };
  counts: { blockers: number; warnings: number; notes: number; agents: number; gpuAgents: number };
  findings: Finding[];
  cards: CardUsage[];
  scenarios: NodeLossScenario[];
  graph: { nodes: GraphNode[]; edges: { from: string; to: string }[] };
  /** Every check there is, with its severity: what was looked at, found or not. */
  checks: typeof checks;
}

export function runAudit(snapshot: FleetSnapshot): AuditReport {
  const { agents, nodes, cluster } = snapshot;
  const classes = new Map(snapshot.classes.map((c) => [c.metadata.name, c]));
  const decisions = planFleet(agents, classes, nodes, snapshot.current);
  const used = new Set(
    agents.flatMap((a) => (a.spec.gpu ? [a.spec.gpu.class, ...(a.spec.gpu.fallbackClasses ?? [])] : [])),
  );
  const cards = cardUsage(agents, classes, nodes, decisions);
  const loss = nodeLoss(agents, classes, nodes, decisions, cluster?.claims ?? []);
  const findings = worstFirst([
    ...snapshot.classes.flatMap(
      (c) => preflightClass(c, nodes, cluster?.runtimeClasses, used.has(c.metadata.name)).findings,
    ),
    ...capacityFindings(agents, decisions, cards),
    ...loss.findings,
    ...dependencyFindings(agents, decisions),
    ...securityFindings(agents, cluster),
    ...operationsFindings(agents, cluster),
  ]);
  const byKey = new Set(agents.map(keyOf));
  const graphNodes = agents.map((a) => {
    const d = decisions.get(keyOf(a));
    return {
      id: keyOf(a),
      name: a.metadata.name,
      node: d?.kind === "placed" ? d.node : undefined,
      required: a.spec.required,
      gpuClass: d?.kind === "placed" ? d.gpuClass : undefined,
    };
  });
  const edges = agents.flatMap((a) =>
    (a.spec.dependencies ?? [])
      .map((d) => ({ from: keyOf(a), to: `${a.metadata.namespace ?? "default"}/${d}` }))
      .filter((e) => byKey.has(e.to)),
  );
  const count = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  return {
    verdict: verdictOf(findings),
    source: snapshot.source,
    ...(cluster ? { operator: cluster.operator } : {}),
    counts: {
      blockers: count("blocker"),
      warnings: count("warning"),
      notes: count("note"),
      agents: agents.length,
      gpuAgents: agents.filter((a) => a.spec.gpu).length,
    },
    findings,
    cards,
    scenarios: loss.scenarios,
    graph: { nodes: graphNodes, edges },
    checks,
  };
}
