// Which agents to look at again when an agent changes, by the dependency graph. Its direct dependents
// read its readiness (and what stops it, not its progress), ports, required flag and whether it is
// scaled to zero: a change of those wakes them alone (each one's own
// status change then wakes its dependents, if it changed anything they read). Its existence and its
// dependencies shape the graph: a cycle may have formed or broken through it, so those wake every
// agent that reaches it, and the agents it depends on now or did before, whose NetworkPolicy names
// their dependents. Changes that none of them read (its own status otherwise) map to nothing.
//
// Waking only the direct dependents on readiness matters at scale: a fleet whose deep graph turns
// Ready together would otherwise reconcile each agent once per agent below it.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, conditionTrue } from "../api/conditions.ts";
import type { CacheEvent, ObjectCache } from "../controller/cache.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { blockedBy } from "./agent-dependencies.ts";
import { cacheIndex } from "./fleet-caches.ts";

/** What an agent's direct dependents read of it. */
const readByDependents = (a: AgentDeployment) =>
  JSON.stringify([
    conditionTrue(a, AgentCondition.Ready),
    blockedBy(a),
    a.spec.required ?? false,
    a.spec.replicas === 0,
    a.spec.ports ?? [],
  ]);

interface Seen {
  read: string;
  dependencies: readonly string[];
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The agents of a namespace that list `name` among their dependencies (by the cache's index). */
function directDependents(agents: ObjectCache<AgentDeployment>, name: string, namespace?: string): string[] {
  return agents.byIndex(cacheIndex.dependsOn, objectKey({ name, namespace })).map((d) => d.metadata.name);
}

/** The agents of a namespace that depend on `name`, directly or through others. */
function transitiveDependents(agents: ObjectCache<AgentDeployment>, name: string, namespace?: string): string[] {
  const found = new Set<string>();
  const queue = [name];
  while (queue.length) {
    for (const d of directDependents(agents, queue.shift() as string, namespace)) {
      if (!found.has(d)) {
        found.add(d);
        queue.push(d);
      }
    }
  }
  return [...found];
}

export function dependencyGraphChange(agents: ObjectCache<AgentDeployment>) {
  const seen = new Map<string, Seen>();
  return (obj: KubeObject, event: CacheEvent): string[] => {
    const agent = obj as AgentDeployment;
    const { namespace, name } = agent.metadata;
    const key = objectKey(agent.metadata);
    const before = seen.get(key);
    const now: Seen | undefined =
      event === "delete" ? undefined : { read: readByDependents(agent), dependencies: agent.spec.dependencies ?? [] };
    if (now) seen.set(key, now);
    else seen.delete(key);

    const shapeChanged = !before || !now || !sameList(before.dependencies, now.dependencies);
    let names: string[];
    if (shapeChanged) {
      names = [
        ...transitiveDependents(agents, name, namespace),
        ...(before?.dependencies ?? []),
        ...(now?.dependencies ?? []),
      ];
    } else if (before.read !== now.read) {
      names = directDependents(agents, name, namespace);
    } else {
      return [];
    }
    return [...new Set(names)].filter((n) => n !== name).map((n) => objectKey({ name: n, namespace }));
  };
}
