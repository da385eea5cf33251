// Which condition changes are worth a Kubernetes event. Events are for what a person wants to read
// in `kubectl describe`: where an agent was placed, that it became available, what went wrong and
// when it came right again. Progress (Creating, Starting, RollingOut) and the first report of a
// healthy condition (AsExpected, OnOwnClass) are in the status already; as events they would be
// several POSTs per agent that tell nobody anything, and at a fleet's rollout they were most of the
// operator's writes.

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

/** A milestone a person wants to see even when nothing was wrong before. */
function isMilestone(c: Condition): boolean {
  return (
    (c.type === AgentCondition.Placed && c.status === "True" && c.reason !== AgentReason.CPUOnly) ||
    (c.type === AgentCondition.Ready && c.status === "True")
  );
}

/** The events for going from one set of conditions to the next. */
export function conditionEvents(previous: readonly Condition[] | undefined, next: readonly Condition[]): EventSpec[] {
  const events: EventSpec[] = [];
  for (const c of next) {
    const before = previous?.find((p) => p.type === c.type);
    const changed = !before || before.status !== c.status || before.reason !== c.reason;
    // A new placement is news even under the same reason: the agent moved to another node.
    const moved =
      c.type === AgentCondition.Placed && before !== undefined && before.message !== c.message && c.status === "True";
    if (!changed && !moved) continue;
    const warning = isWarning(c);
    const recovered = before !== undefined && isWarning(before) && !warning;
    if (warning || recovered || isMilestone(c)) {
      events.push({ type: warning ? "Warning" : "Normal", reason: c.reason, action: c.type, message: c.message });
    }
  }
  return events;
}
