// What an agent's dependencies are, read from the cache of its namespace's agents: whether each
// exists and is Ready, whether it is required, how it is reached, whether the agent is in a cycle,
// and who depends on it. Pure over a lookup: the reconciler passes the cache's.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, AgentReason, conditionTrue, containerWaitingReasons } from "../api/conditions.ts";
import { componentOf, cycleThrough, inCycle } from "../dependencies/graph.ts";
import type { DependencyEndpoint } from "../render/input.ts";

export interface DependencyState {
  ready: boolean;
  required: boolean;
  /** Why it is not Ready, when that holds it until something changes (InsufficientVRAM, CrashLoopBackOff). */
  blockedBy?: string;
  /** Its spec.replicas is 0: Ready as asked, and nothing answers at its address. */
  scaledToZero?: true;
}

/**
 * Reasons of Ready=False that hold an agent until something changes (a fix, room on a card), not on
 * its way: the operator's own placement and spec decisions, and containers kubelet cannot run.
 * Unschedulable is left out: the scheduler says it while a rollout's pods race for room, and it
 * passes by itself within seconds; said by every dependent, it was a status write each way.
 */
const holdingReasons: ReadonlySet<string> = new Set([
  AgentReason.InvalidSpec,
  AgentReason.ChildRejected,
  AgentReason.InsufficientVRAM,
  AgentReason.NoFreeGPU,
  AgentReason.NodeNotReady,
  AgentReason.UnknownGPUClass,
  AgentReason.Preempted,
  ...containerWaitingReasons,
]);

/** What holds an agent up, as its dependents say it: its Ready reason, when that is one of those. */
export function blockedBy(agent: AgentDeployment): string | undefined {
  const ready = agent.status?.conditions?.find((c) => c.type === AgentCondition.Ready);
  return ready?.status === "False" && holdingReasons.has(ready.reason ?? "") ? ready.reason : undefined;
}

export interface AgentDependencies {
  /** Each dependency by name: undefined when no agent of that name exists in the namespace. */
  states: Map<string, DependencyState | undefined>;
  /** The existing dependencies, as their Services reach them. */
  endpoints: DependencyEndpoint[];
  /** Its cycle, closed and in dependency order (a → b → a), when it is in one. */
  cycle: string[] | undefined;
  /** The members of that cycle, itself included; empty when it is in none. */
  cycleMembers: Set<string>;
  /** The agents that list this one in their dependencies. */
  dependents: string[];
}

export interface NamespaceAgents {
  get(name: string): AgentDeployment | undefined;
  /** At least the agents of the namespace that list `name` among their dependencies (others are ignored). */
  dependents(name: string): readonly AgentDeployment[];
}

const dependenciesOf = (agents: NamespaceAgents) => (name: string) => agents.get(name)?.spec.dependencies ?? [];

export function agentDependencies(agent: AgentDeployment, agents: NamespaceAgents): AgentDependencies {
  const name = agent.metadata.name;
  const states = new Map<string, DependencyState | undefined>();
  const endpoints: DependencyEndpoint[] = [];
  for (const dep of agent.spec.dependencies ?? []) {
    const other = agents.get(dep);
    const held = other && blockedBy(other);
    states.set(
      dep,
      other
        ? {
            ready: conditionTrue(other, AgentCondition.Ready),
            required: other.spec.required === true,
            ...(held ? { blockedBy: held } : {}),
            ...(other.spec.replicas === 0 ? { scaledToZero: true as const } : {}),
          }
        : undefined,
    );
    if (other) endpoints.push({ name: dep, ports: other.spec.ports ?? [] });
  }
  const edges = dependenciesOf(agents);
  const component = agent.spec.dependencies?.length ? componentOf(name, edges) : [name];
  const cyclic = agent.spec.dependencies?.length ? inCycle(name, component, edges) : false;
  const dependents = agents
    .dependents(name)
    .filter((a) => a.metadata.name !== name && a.spec.dependencies?.includes(name))
    .map((a) => a.metadata.name)
    .sort();
  return {
    states,
    endpoints,
    cycle: cyclic ? cycleThrough(name, component, edges) : undefined,
    cycleMembers: cyclic ? new Set(component) : new Set(),
    dependents,
  };
}
