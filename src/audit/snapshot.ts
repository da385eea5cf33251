// What the audit reads: a fleet, its GPU classes and nodes, and what else the cluster says, when one
// was read. Built by the CLI from the live cluster or from manifests; the checks take it as data.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import type { Supply } from "../placement/plan.ts";

export interface ClaimOnNode {
  namespace: string;
  name: string;
  /** The node its volume is bound to (a node-local volume, as k3s's local-path makes), if it is. */
  node?: string;
}

export interface OperatorState {
  /** Agents whose status reflects their latest spec, and agents in all. */
  observedAgents: number;
  agents: number;
  /** The holder of the leader-election Lease, when there is one. */
  leader?: string;
}

export interface FleetSnapshot {
  /** Where it was read from, in words: the report says it. */
  source: string;
  agents: AgentDeployment[];
  classes: GPUClass[];
  nodes: Supply[];
  /** Where each GPU agent runs now (namespace/name → class and node); empty before anything runs. */
  current: Map<string, { gpuClass: string; node: string }>;
  /** What only a live cluster tells; undefined when it was not read (then those checks are skipped). */
  cluster?: {
    runtimeClasses: Set<string>;
    /** namespace/name of every Secret (names only: the audit never reads a Secret's data). */
    secrets: Set<string> | undefined;
    /** Labels of each namespace the agents live in. */
    namespaces: Map<string, Record<string, string>>;
    claims: ClaimOnNode[];
    operator: OperatorState;
    serviceMonitor: boolean;
    prometheusRule: boolean;
  };
}
