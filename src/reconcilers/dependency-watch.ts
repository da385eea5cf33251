// Which agents to look at again when an agent changes, by the dependency graph: its dependents (and
// theirs, for a cycle may have formed or broken through it) when its readiness, ports, required flag
// or its existence changed, and the agents it depends on now or did before, whose NetworkPolicy
// names their dependents. Changes that none of them read (its own status otherwise) map to nothing.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, conditionTrue } from "../api/conditions.ts";
import type { CacheEvent, ObjectCache } from "../controller/cache.ts";
import { changeFilter } from "../controller/change-filter.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { cacheIndex } from "./fleet-caches.ts";

/** What other agents read of an agent. */
const seenByOthers = (a: AgentDeployment) =>
  JSON.stringify([
    conditionTrue(a, AgentCondition.Ready),
    a.spec.required ?? false,
    a.spec.ports ?? [],
    a.spec.dependencies ?? [],
  ]);

/** The agents of a namespace that depend on `name`, directly or through others (by the cache's index). */
function transitiveDependents(agents: ObjectCache<AgentDeployment>, name: string, namespace?: string): string[] {
  const found = new Set<string>();
  const queue = [name];
  while (queue.length) {
    const next = queue.shift() as string;
    for (const d of agents.byIndex(cacheIndex.dependsOn, objectKey({ name: next, namespace }))) {
      if (!found.has(d.metadata.name)) {
        found.add(d.metadata.name);
        queue.push(d.metadata.name);
      }
    }
  }
  found.delete(name);
  return [...found];
}

export function dependencyGraphChange(agents: ObjectCache<AgentDeployment>) {
  const changed = changeFilter<AgentDeployment>(seenByOthers);
  const lastDependencies = new Map<string, readonly string[]>();
  return (obj: KubeObject, event: CacheEvent): string[] => {
    const agent = obj as AgentDeployment;
    if (!changed(agent, event)) return [];
    const { namespace, name } = agent.metadata;
    const key = objectKey(agent.metadata);
    const before = lastDependencies.get(key) ?? [];
    const now = event === "delete" ? [] : (agent.spec.dependencies ?? []);
    if (event === "delete") lastDependencies.delete(key);
    else lastDependencies.set(key, now);
    const names = new Set([...transitiveDependents(agents, name, namespace), ...before, ...now]);
    names.delete(name);
    return [...names].map((n) => objectKey({ name: n, namespace }));
  };
}
