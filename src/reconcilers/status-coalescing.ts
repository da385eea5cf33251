// When a status change may wait to be written together with the next one. While a new agent's pods
// start, its Deployment reports several times before the agent is Ready (created, pods scheduled,
// pods started); each would be a status write the API server fans out to every watcher, and at a
// fleet's rollout they were a quarter of the operator's status writes. A change that only reports
// such progress waits at most a second, and whatever is current then is written; anything a person
// acts on (Ready, a warning, a recovery) is written at once. So every condition is correct within a
// second of the change it reports (issue 18).
//
// A GPU class's status carries its VRAM ledger (each node's room and agents), which moves with every
// agent placed: at a rollout it was written about once a second, a large object at 3,000 agents. Its
// figures wait up to five seconds to be written together; its conditions never wait.

import type { Condition } from "../api/common.ts";
import { AgentCondition, AgentReason } from "../api/conditions.ts";
import { sameStatus } from "../controller/status.ts";
import { isWarning } from "./condition-events.ts";

/** The longest a progress-only change of the status waits before it is written. */
export const progressWindowMs = 1000;

const progressReasons: ReadonlySet<string> = new Set([AgentReason.Creating, AgentReason.Starting]);

/**
 * True when going from `before` to `after` only reports the progress of an agent that has not been
 * Ready: its Ready condition says Creating or Starting, it was not Ready before, and no condition
 * that changed asks a person to act.
 */
export function isProgressOnly(before: readonly Condition[] | undefined, after: readonly Condition[]): boolean {
  const ready = after.find((c) => c.type === AgentCondition.Ready);
  if (ready?.status !== "False" || !progressReasons.has(ready.reason)) return false;
  if (before?.some((c) => c.type === AgentCondition.Ready && c.status === "True")) return false;
  return after.every((c) => {
    const was = before?.find((p) => p.type === c.type);
    const changed = !was || was.status !== c.status || was.reason !== c.reason;
    return !changed || !isWarning(c);
  });
}

/** Milliseconds a status change first seen at `firstSeenAt` may still wait; 0 to write it now. */
export function statusWriteDelay(progressOnly: boolean, firstSeenAt: number, now: number): number {
  return progressOnly ? Math.max(0, firstSeenAt + progressWindowMs - now) : 0;
}

/** The longest a GPU class's ledger figures wait before they are written, while its conditions stay. */
export const ledgerWindowMs = 5000;

/**
 * Milliseconds a GPU class's new status may still wait, written last at `lastWrittenAt` (undefined:
 * not by this process); 0 to write it now: a change of any condition is never held.
 */
export function ledgerWriteDelay(
  before: readonly Condition[] | undefined,
  after: readonly Condition[],
  lastWrittenAt: number | undefined,
  now: number,
): number {
  // `after` comes from mergeConditions, which keeps an unchanged condition as it was: equal text.
  if (lastWrittenAt === undefined || !sameStatus(before, after)) return 0;
  return Math.max(0, lastWrittenAt + ledgerWindowMs - now);
}
