// The conditions that speak of an agent's dependencies: whether they are Ready (and why it waits, or
// that it is in a cycle), and whether a required agent leans on optional ones. Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, AgentReason } from "../api/conditions.ts";
import { missingDependencyGraceMs, type StartDecision } from "../dependencies/start.ts";
import type { AgentDependencies } from "./agent-dependencies.ts";
import type { ConditionInput } from "./conditions.ts";

const list = (names: readonly string[]) => names.join(", ");

/** How an agent that starts Immediately waits for a missing dependency, in words that stay the same while it waits. */
const graceWords = `at most ${missingDependencyGraceMs / 1000} s after it was created`;

/** What an agent held by the start gate waits for, in words. */
export function waitingFor(start: Extract<StartDecision, { start: false }>): string {
  return [
    ...(start.notReady.length ? [`${list(start.notReady)} to be Ready`] : []),
    ...(start.missing.length ? [`${list(start.missing)} to exist`] : []),
  ]
    .join(" and ")
    .concat(start.graceLeftMs !== undefined ? ` (${graceWords})` : "");
}

/** What ends the wait of an agent held for its dependencies, in words. */
const holdEnds = (start: Extract<StartDecision, { start: false }>) =>
  start.graceLeftMs !== undefined
    ? `; it starts once they exist, or without them ${graceWords}`
    : "; it starts once they exist and are Ready";

export function dependenciesReady(deps: AgentDependencies, start: StartDecision): ConditionInput {
  const type = AgentCondition.DependenciesReady;
  const named = [...deps.states.keys()];
  const missing = named.filter((n) => deps.states.get(n) === undefined);
  const notReady = named.filter((n) => deps.states.get(n)?.ready === false);
  const held = !start.start;
  if (deps.cycle) {
    const outside = held ? `; it still waits for ${waitingFor(start)}` : "";
    // Admission refuses it since the CRD says so; an agent stored before then may still.
    if (deps.cycle.length === 2 && deps.cycle[0] === deps.cycle[1])
      return {
        type,
        status: "False",
        reason: AgentReason.DependencyCycle,
        message: `${deps.cycle[0]} depends on itself, so it starts without waiting for itself: remove its own name from spec.dependencies${outside}`,
      };
    return {
      type,
      status: "False",
      reason: AgentReason.DependencyCycle,
      message: `${deps.cycle.join(" → ")}: these agents depend on each other, so they start together without waiting for each other; each must retry until the others answer${outside}`,
    };
  }
  if (missing.length) {
    return {
      type,
      status: "False",
      reason: AgentReason.MissingDependency,
      message: `no AgentDeployment named ${list(missing)} in this namespace${notReady.length ? `; not Ready yet: ${list(notReady)}` : ""}${held ? holdEnds(start) : ""}`,
    };
  }
  if (notReady.length) {
    // The dependencies held up rather than on their way, and why: the root of a held chain.
    const blocked = notReady.flatMap((n) => {
      const why = deps.states.get(n)?.blockedBy;
      return why ? [`${n} (${why})`] : [];
    });
    const stopped = blocked.length ? `; held up: ${list(blocked)}` : "";
    return {
      type,
      status: "False",
      reason: AgentReason.DependenciesNotReady,
      message: held
        ? `waiting for ${list(notReady)} to be Ready before it starts${stopped}`
        : `${list(notReady)} not Ready; it keeps running (an agent that has started is never stopped for a dependency)${stopped}`,
    };
  }
  // Ready as asked, and yet nothing answers there: the agent is not held for it (a dependency paused on
  // purpose would hold its dependents for ever), and says so.
  const paused = named.filter((n) => deps.states.get(n)?.scaledToZero);
  if (paused.length) {
    const one = paused.length === 1;
    return {
      type,
      status: "False",
      reason: AgentReason.DependencyScaledToZero,
      message: `${list(paused)} ${one ? "is" : "are"} scaled to zero: nothing answers at ${one ? "its address" : "their addresses"} until ${one ? "it is" : "they are"} scaled up (spec.replicas); this agent runs without ${one ? "it" : "them"}`,
    };
  }
  return {
    type,
    status: "True",
    reason: named.length ? AgentReason.AllReady : AgentReason.NoDependencies,
    message: named.length ? `${list(named)} Ready` : "depends on no other agent",
  };
}

/** Only for a required agent with dependencies: a required agent can be held by an optional one. */
export function dependenciesRequired(agent: AgentDeployment, deps: AgentDependencies): ConditionInput[] {
  const existing = [...deps.states].filter(([, s]) => s !== undefined);
  if (!agent.spec.required || existing.length === 0) return [];
  const optional = existing.filter(([, s]) => s?.required === false).map(([n]) => n);
  return [
    optional.length
      ? {
          type: AgentCondition.DependenciesRequired,
          status: "False",
          reason: AgentReason.OptionalDependency,
          message: `required, but depends on ${list(optional)}, which ${optional.length > 1 ? "are" : "is"} not: a drain or a lack of VRAM may stop ${optional.length > 1 ? "them" : "it"} and leave this agent without ${optional.length > 1 ? "them" : "it"}; make ${optional.length > 1 ? "them" : "it"} required too`,
        }
      : {
          type: AgentCondition.DependenciesRequired,
          status: "True",
          reason: AgentReason.AllRequired,
          message: "every dependency is required too",
        },
  ];
}
