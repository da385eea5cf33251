// The dependency graph of a set of agents: who depends on whom, who depends on an agent, and the
// cycles in it. Pure. The operator reads it to start agents in order, the importer to report cycles.

/** Name → the names it depends on. */
export type DependencyEdges = ReadonlyMap<string, readonly string[]>;

/**
 * Strongly connected components with more than one member, or a single member that depends on itself
 * (Tarjan's algorithm). Each lists its members in the order a walk from the first one meets them.
 */
export function cyclicComponents(nodes: readonly string[], edges: DependencyEdges): string[][] {
  const known = new Set(nodes);
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        if (!known.has(w)) continue; // a dependency that does not exist
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && (edges.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) found.push(component.reverse());
    }
  };
  for (const n of nodes) if (!indices.has(n)) visit(n);
  return found;
}

/**
 * The agents that `start` depends on, directly or not, and that depend on it in turn: the members of
 * its cycle, `start` included; just [start] when it is in none. Walks only what `start` reaches, so a
 * reconcile of one agent costs what its dependencies cost, not the whole namespace.
 */
export function componentOf(start: string, dependenciesOf: (name: string) => readonly string[]): string[] {
  const reached = new Map<string, readonly string[]>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift() as string;
    if (reached.has(v)) continue;
    const deps = dependenciesOf(v);
    reached.set(v, deps);
    for (const w of deps) if (!reached.has(w)) queue.push(w);
  }
  // Back from start over the reversed edges, among what start reaches: those are in its cycle.
  const inCycle = new Set([start]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [v, deps] of reached) {
      if (!inCycle.has(v) && deps.some((w) => inCycle.has(w))) {
        inCycle.add(v);
        grew = true;
      }
    }
  }
  return [start, ...[...inCycle].filter((v) => v !== start).sort()];
}

/** True when `start` is in a cycle: its component has other members, or it depends on itself. */
export const inCycle = (
  start: string,
  component: readonly string[],
  dependenciesOf: (name: string) => readonly string[],
) => component.length > 1 || dependenciesOf(start).includes(start);

/**
 * One cycle through `start` within its component, in dependency order and closed (a → b → a): what a
 * person reads to see why these agents cannot wait for each other.
 */
export function cycleThrough(
  start: string,
  component: readonly string[],
  dependenciesOf: (name: string) => readonly string[],
): string[] {
  const members = new Set(component);
  // Breadth-first from start's dependencies back to start: the shortest cycle, so the message is short.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift() as string;
    for (const w of dependenciesOf(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at) as string) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * How many waves a dependency-ordered start takes: 1 for agents with no dependencies, 1 + the
 * deepest of its dependencies' otherwise. A back edge (into a cycle, whose members start together)
 * adds nothing, nor does a dependency that is not a node (missing). An upper bound for a cycle.
 */
export function startDepth(nodes: readonly string[], edges: DependencyEdges): number {
  const known = new Set(nodes);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (n: string): number => {
    const done = depth.get(n);
    if (done !== undefined) return done;
    if (visiting.has(n)) return 0;
    visiting.add(n);
    const deepest = Math.max(0, ...(edges.get(n) ?? []).filter((d) => known.has(d)).map(visit));
    visiting.delete(n);
    depth.set(n, deepest + 1);
    return deepest + 1;
  };
  return Math.max(0, ...nodes.map(visit));
}
