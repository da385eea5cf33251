// Which condition changes are worth a Kubernetes event. Events are for what a person acts on, as
// `kubectl describe` and `kubectl get events` show them: what went wrong, when it came right again,
// and an agent that moved to another node (a card went away, or room was made). Progress (Creating,
// Starting, RollingOut), a new agent's first placement and its first readiness are in the status
// and in `kubectl get agd`; as events they were writes the API server fans out to every watcher for
// what nobody acts on, about one per agent at a fleet's rollout (issue 18).

import type { Condition } from "../api/common.ts";
import { AgentCondition, AgentReason } from "../api/conditions.ts";
import type { EventSpec } from "../controller/events.ts";

/** True for a condition state that asks a person to act. */
export function isWarning(c: Pick<Condition, "type" | "status" | "reason">): boolean {
  switch (c.type) {
    case AgentCondition.Ready:
      return (
        c.status === "False" &&
        c.reason !== AgentReason.Creating &&
        c.reason !== AgentReason.Starting &&
        c.reason !== AgentReason.WaitingForDependencies
      );
    case AgentCondition.Placed:
      return c.status === "False";
    // A dependency still starting is progress (the fleet starts in dependency order); one that does
    // not exist, or a cycle, asks for a fix.
    case AgentCondition.DependenciesReady:
      return c.status === "False" && c.reason !== AgentReason.DependenciesNotReady;
    case AgentCondition.DependenciesRequired:
      return c.status === "False";
    case AgentCondition.Degraded:
    case AgentCondition.FallbackActive:
      return c.status === "True";
    case AgentCondition.DisruptionProtected:
      return c.status === "False" && c.reason === AgentReason.NoFallback;
    default:
      return false;
  }
}

/** The events for going from one set of conditions to the next. */
export function conditionEvents(previous: readonly Condition[] | undefined, next: readonly Condition[]): EventSpec[] {
  const events: EventSpec[] = [];
  for (const c of next) {
    const before = previous?.find((p) => p.type === c.type);
    const changed = !before || before.status !== c.status || before.reason !== c.reason;
    // A placement that changed is news even under the same reason: the agent moved to another node.
    const moved =
      c.type === AgentCondition.Placed &&
      before?.status === "True" &&
      c.status === "True" &&
      before.message !== c.message &&
      c.reason !== AgentReason.CPUOnly;
    if (!changed && !moved) continue;
    const warning = isWarning(c);
    const recovered = before !== undefined && isWarning(before) && !warning;
    if (warning || recovered || moved) {
      events.push({ type: warning ? "Warning" : "Normal", reason: c.reason, action: c.type, message: c.message });
    }
  }
  return events;
}
