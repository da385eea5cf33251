// Conditions as metav1.Condition: set one, keeping its lastTransitionTime while its status holds.
import type { Condition } from "../api/common.ts";

export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return {
      ...c,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      lastTransitionTime:
        before && before.status === c.status ? before.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, "Z"),
    };
  });
}
