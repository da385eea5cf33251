// Words for reports a person reads: a count with its noun in the right number ("1 agent", "2
// agents"), a list as a sentence says it ("a, b and c").

/** `n` and the noun: `one` for exactly one, else `many` (the noun with an "s" unless given). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A list as a sentence says it: "a", "a and b", "a, b and c". */
export function inWords(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : (items[0] ?? "");
}

/** The first few of a list, then "…": "A, B, C, D, E, …". */
export function firstFew(items: readonly string[], few = 5): string {
  return `${items.slice(0, few).join(", ")}${items.length > few ? ", …" : ""}`;
}

/** Agents as a report names them: "A" alone, else "3 agents (A, B, C)". */
export function agentsNamed(names: readonly string[]): string {
  return names.length === 1 ? (names[0] ?? "") : `${counted(names.length, "agent")} (${firstFew(names)})`;
}
