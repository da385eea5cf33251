// Whether an agent may start: the gate that makes a fleet start in dependency order. Pure.
//
// An agent with startPolicy AfterDependencies runs no pod until each agent it depends on is Ready.
// Agents in a dependency cycle cannot wait for each other, so the members of a cycle start together
// (each still waits for what it needs outside the cycle). Once an agent has started, it is never
// held again: a dependency that goes unready later is reported, not acted on.
//
// An agent with startPolicy Immediately does not wait for its dependencies to be Ready, but it waits a
// moment for one that does not exist yet: a fleet applied at once (`kubectl apply -f fleet/`, in the
// files' order) creates many agents before the agents they depend on, and an agent started without
// a dependency's address is restarted as soon as the dependency appears and its address is added: a
// second start, a model loaded into VRAM twice. A dependency still missing after the grace is
// reported, and the agent starts without it.

export type StartPolicy = "AfterDependencies" | "Immediately";

/** How long after its creation an agent that starts Immediately waits for a dependency that does not exist. */
export const missingDependencyGraceMs = 15_000;

export interface StartInput {
  policy: StartPolicy;
  /** Its pods were allowed to run before (its Deployment says so). */
  started: boolean;
  /** Each dependency by name: undefined when no such agent exists, else whether it is Ready. */
  dependencies: ReadonlyMap<string, { ready: boolean } | undefined>;
  /** The other members of its dependency cycle, if it is in one. */
  cycleMembers: ReadonlySet<string>;
  /** How long ago the agent was created (Infinity when unknown). */
  ageMs: number;
}

export type StartDecision =
  | { start: true; because: "Immediately" | "AlreadyStarted" | "DependenciesReady" }
  | {
      start: false;
      /** Dependencies no agent is named after. */
      missing: string[];
      /** Dependencies that exist and are not Ready yet. */
      notReady: string[];
      /** startPolicy Immediately: it starts without the missing dependencies after this long. */
      graceLeftMs?: number;
    };

export function decideStart(input: StartInput): StartDecision {
  const missingOf = (deps: [string, unknown][]) => deps.filter(([, dep]) => dep === undefined).map(([name]) => name);
  if (input.policy === "Immediately") {
    const missing = input.started ? [] : missingOf([...input.dependencies]);
    const graceLeftMs = missingDependencyGraceMs - input.ageMs;
    if (missing.length === 0 || graceLeftMs <= 0) return { start: true, because: "Immediately" };
    return { start: false, missing, notReady: [], graceLeftMs };
  }
  if (input.started) return { start: true, because: "AlreadyStarted" };
  const gating = [...input.dependencies].filter(([name]) => !input.cycleMembers.has(name));
  const missing = missingOf(gating);
  const notReady = gating.filter(([, dep]) => dep !== undefined && !dep.ready).map(([name]) => name);
  if (missing.length === 0 && notReady.length === 0) return { start: true, because: "DependenciesReady" };
  return { start: false, missing, notReady };
}

/**
 * Whether the agent's Deployment is left as it was written while the agent waits: held, with a
 * Deployment at zero replicas (`liveReplicas`; undefined when it has none yet, which is written). No
 * pod runs from its template meanwhile, and the plan moves a GPU agent that runs nowhere as others
 * start around it (up to thirteen times in a 3,000-agent rollout in dependency order), each move a
 * Deployment write and a ReplicaSet of its own. It is written once, as it is then, when it starts.
 */
export function holdsDeploymentAsWritten(decision: StartDecision, liveReplicas: number | undefined): boolean {
  return !decision.start && liveReplicas === 0;
}
