// One finding per place a file wrote something, naming every agent it reached: a global
// environment's line reaches every agent of the file, and one warning per agent would bury the rest.
import { type Location, where } from "../model.ts";

export interface Place<T> {
  /** The first item of the place, for what they share (its path, its value, its line). */
  first: T;
  /** Every item of the place. */
  items: T[];
  /** Every agent the place reached, once each, in order. */
  agents: string[];
  /** The machine, when all of them are on one: spread into the finding. */
  on: { machine?: string };
}

/** The items by place: the same line of the same file and the same `what` (a key, a value). */
export function byPlace<T extends { agent: string; machine: string; source: Location }>(
  items: readonly T[],
  what: (item: T) => string,
): Place<T>[] {
  return byKey(items, (i) => `${where(i.source)}\0${what(i)}`);
}

/** The items by any key (a name many files reach), each group with its agents and machine. */
export function byKey<T extends { agent: string; machine: string }>(
  items: readonly T[],
  key: (item: T) => string,
): Place<T>[] {
  return [...Map.groupBy(items, key).values()].map((group) => {
    const first = group[0] as T;
    const machines = new Set(group.map((g) => g.machine));
    return {
      first,
      items: group,
      agents: [...new Set(group.map((g) => g.agent))],
      on: machines.size === 1 ? { machine: first.machine } : {},
    };
  });
}
