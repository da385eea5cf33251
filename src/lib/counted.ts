// A count with its noun in the right number, for reports a person reads ("1 agent", "2 agents").

/** `n` and the noun: `one` for exactly one, else `many` (the noun with an "s" unless given). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
