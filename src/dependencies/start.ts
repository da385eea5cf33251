// Whether an agent may start: the gate that makes a fleet start in dependency order. Pure.
//
// An agent with startPolicy AfterDependencies runs no pod until each agent it depends on is Ready.
// Agents in a dependency cycle cannot wait for each other, so the members of a cycle start together
// (each still waits for what it needs outside the cycle). Once an agent has started, it is never
// held again: a dependency that goes unready later is reported, not acted on.

export type StartPolicy = "AfterDependencies" | "Immediately";

export interface StartInput {
  policy: StartPolicy;
  /** Its pods were allowed to run before (its Deployment says so). */
  started: boolean;
  /** Each dependency by name: undefined when no such agent exists, else whether it is Ready. */
  dependencies: ReadonlyMap<string, { ready: boolean } | undefined>;
  /** The other members of its dependency cycle, if it is in one. */
  cycleMembers: ReadonlySet<string>;
}

export type StartDecision =
  | { start: true; because: "Immediately" | "AlreadyStarted" | "DependenciesReady" }
  | {
      start: false;
      /** Dependencies no agent is named after. */
      missing: string[];
      /** Dependencies that exist and are not Ready yet. */
      notReady: string[];
    };

export function decideStart(input: StartInput): StartDecision {
  if (input.policy === "Immediately") return { start: true, because: "Immediately" };
  if (input.started) return { start: true, because: "AlreadyStarted" };
  const gating = [...input.dependencies].filter(([name]) => !input.cycleMembers.has(name));
  const missing = gating.filter(([, dep]) => dep === undefined).map(([name]) => name);
  const notReady = gating.filter(([, dep]) => dep !== undefined && !dep.ready).map(([name]) => name);
  if (missing.length === 0 && notReady.length === 0) return { start: true, because: "DependenciesReady" };
  return { start: false, missing, notReady };
}
