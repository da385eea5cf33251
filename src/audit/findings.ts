// What the audit can find, in one table: each check's id, its severity, and what it is about. A
// blocker makes the fleet NOT READY, a warning PARTIALLY READY; a note informs. docs and the JSON
// report name checks by these ids.

export type Severity = "blocker" | "warning" | "note";

export const checks = {
  "class-matches-no-node": {
    severity: "blocker",
    about: "a GPU class agents use that no node carries",
    area: "The GPU stack (preflight)",
  },
  "unused-class-matches-no-node": {
    severity: "note",
    about: "a GPU class no agent uses and no node carries",
    area: "The GPU stack (preflight)",
  },
  "gpu-resource-missing": {
    severity: "blocker",
    about: "a GPU node that does not advertise its class's resource",
    area: "The GPU stack (preflight)",
  },
  "runtimeclass-missing": {
    severity: "blocker",
    about: "a GPU class whose RuntimeClass does not exist",
    area: "The GPU stack (preflight)",
  },
  "product-label-form": {
    severity: "warning",
    about: "a class that matches the product label in one form only",
    area: "The GPU stack (preflight)",
  },
  "gfd-labels-missing": {
    severity: "warning",
    about: "a GPU node without GPU Feature Discovery's labels",
    area: "The GPU stack (preflight)",
  },
  "sharing-mismatch": {
    severity: "warning",
    about: "time-slicing replicas that differ between node and class",
    area: "The GPU stack (preflight)",
  },
  "memory-mismatch": {
    severity: "warning",
    about: "a class that counts more VRAM than the card reports",
    area: "The GPU stack (preflight)",
  },
  "required-agent-unplaceable": {
    severity: "blocker",
    about: "a required agent that cannot be placed",
    area: "Capacity",
  },
  "agent-unplaceable": { severity: "warning", about: "an agent that cannot be placed", area: "Capacity" },
  "vram-headroom": { severity: "note", about: "a card with little VRAM left", area: "Capacity" },
  "node-loss-stops-required": {
    severity: "blocker",
    about: "a required agent that one PC's loss stops",
    area: "Losing a PC",
  },
  "node-loss-local-storage": {
    severity: "blocker",
    about: "a required agent held to one PC by its storage",
    area: "Losing a PC",
  },
  "node-loss-stops-optional": {
    severity: "note",
    about: "optional agents one PC's loss (or drain) would stop",
    area: "Losing a PC",
  },
  "missing-dependency": {
    severity: "blocker",
    about: "a dependency on an agent that does not exist",
    area: "Dependencies",
  },
  "dependency-cycle": { severity: "warning", about: "agents that depend on each other", area: "Dependencies" },
  "required-depends-on-optional": {
    severity: "warning",
    about: "a required agent that needs an optional one",
    area: "Dependencies",
  },
  "cross-node-dependency": { severity: "note", about: "dependencies that cross PCs", area: "Dependencies" },
  "literal-credential": { severity: "blocker", about: "a credential written in env as a literal", area: "Security" },
  "missing-secret": {
    severity: "blocker",
    about: "a Secret an agent references that does not exist",
    area: "Security",
  },
  "host-path": { severity: "warning", about: "a hostPath volume", area: "Security" },
  "unpinned-image": { severity: "warning", about: "an image without a tag, or :latest", area: "Security" },
  "no-network-policy": { severity: "warning", about: "an agent any pod may connect to", area: "Security" },
  "namespace-without-pss": {
    severity: "warning",
    about: "a namespace that enforces no Pod Security Standard",
    area: "Security",
  },
  "operator-not-running": { severity: "blocker", about: "agents no operator reconciles", area: "Operations" },
  "crash-looping": { severity: "blocker", about: "an agent whose container cannot start", area: "Operations" },
  "no-health-check": { severity: "warning", about: "an agent without a health check", area: "Operations" },
  "no-resource-requests": { severity: "note", about: "an agent without CPU or memory requests", area: "Operations" },
  "memory-volume-unbounded": {
    severity: "warning",
    about: "a volume in RAM with no size and no memory limit",
    area: "Operations",
  },
  "metrics-not-scraped": { severity: "note", about: "no ServiceMonitor scrapes the operator", area: "Operations" },
  "alerts-not-installed": {
    severity: "note",
    about: "no PrometheusRule carries the fleet's alerts",
    area: "Operations",
  },
} as const satisfies Record<string, { severity: Severity; about: string; area: string }>;

export type CheckId = keyof typeof checks;

export interface Finding {
  check: CheckId;
  severity: Severity;
  /** The object it is about, as kubectl names it: `agentdeployment agents/stt-service`, `gpuclass rtx-3060`, `node pc2`. */
  object: string;
  /** What is wrong, with the numbers. */
  problem: string;
  /** Why it matters. */
  why: string;
  /** What to do. */
  fix: string;
}

/** A finding of a check, with the severity the table gives it. */
export function finding(check: CheckId, object: string, problem: string, why: string, fix: string): Finding {
  return { check, severity: checks[check].severity, object, problem, why, fix };
}

export type Verdict = "READY" | "PARTIALLY READY" | "NOT READY";

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === "blocker")) return "NOT READY";
  if (findings.some((f) => f.severity === "warning")) return "PARTIALLY READY";
  return "READY";
}

const rank: Record<Severity, number> = { blocker: 0, warning: 1, note: 2 };

/** Worst first, then by check and object, so that two runs over the same fleet read the same. */
export function worstFirst(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      a.check.localeCompare(b.check) ||
      a.object.localeCompare(b.object) ||
      a.problem.localeCompare(b.problem),
  );
}

export const agentRef = (a: { metadata: { name: string; namespace?: string | undefined } }) =>
  `agentdeployment ${a.metadata.namespace ?? "default"}/${a.metadata.name}`;

/** Findings of one check that share their why and fix: one entry of a report, however many objects. */
export interface FindingGroup {
  check: CheckId;
  severity: Severity;
  why: string;
  fix: string;
  items: { object: string; problem: string }[];
}

/** Groups the findings (already worst first) so that seventy unpinned images read as one entry. */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = `${f.check}|${f.why}|${f.fix}`;
    const group = groups.get(key);
    if (group) group.items.push({ object: f.object, problem: f.problem });
    else
      groups.set(key, {
        check: f.check,
        severity: f.severity,
        why: f.why,
        fix: f.fix,
        items: [{ object: f.object, problem: f.problem }],
      });
  }
  return [...groups.values()];
}

/** "1 agent moves", "3 agents move": a count with its noun and verb agreeing. */
export const agentsThat = (n: number, verb: string) => `${n} agent${n === 1 ? ` ${verb}s` : `s ${verb}`}`;
