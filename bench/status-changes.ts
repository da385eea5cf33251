// What each status write of a rollout changed, told from the versions of the AgentDeployments the
// bench's ready watch receives. The operator's counters say how many status writes there were; this
// says why: the first status, a condition that changed (Ready, DependenciesReady…), or only its
// words. A regression in the writes per agent then names the condition behind it.
import type { Condition } from "../src/api/common.ts";
import type { KubeObject } from "../src/controller/objects.ts";

/**
 * What changed from one status to the next: "first" for an agent's first status; else each condition
 * whose status or reason changed, came or went; else "words" when only messages changed, "other"
 * when only fields beside the conditions did.
 */
export function statusChangeKinds(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): string[] {
  if (!before?.length) return after?.length ? ["first"] : [];
  const now = after ?? [];
  const types = [...new Set([...before, ...now].map((c) => c.type))];
  const changed = types.filter((type) => {
    const was = before.find((c) => c.type === type);
    const is = now.find((c) => c.type === type);
    return !was || !is || was.status !== is.status || was.reason !== is.reason;
  });
  if (changed.length) return changed;
  return before.some((c) => now.find((n) => n.type === c.type)?.message !== c.message) ? ["words"] : ["other"];
}

interface WithStatus {
  status?: { conditions?: Condition[] };
}

export interface StatusChanges {
  /** Feeds one version of an AgentDeployment, as a watch or a list delivers it. */
  observe(obj: KubeObject): void;
  /** Status writes seen in these namespaces, and how many changed each thing (a write may change several). */
  tally(namespaces: Iterable<string>): { writes: number; byKind: Map<string, number> };
}

export function statusChanges(): StatusChanges {
  const last = new Map<string, { text: string; conditions: Condition[] | undefined }>();
  const seen = new Map<string, { writes: number; byKind: Map<string, number> }>();
  return {
    observe(obj) {
      const status = (obj as WithStatus).status;
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      const text = JSON.stringify(status ?? null);
      const before = last.get(key);
      // A relist delivers the same status again: no write.
      if (before?.text === text) return;
      last.set(key, { text, conditions: status?.conditions });
      const kinds = statusChangeKinds(before?.conditions, status?.conditions);
      if (!kinds.length) return;
      const ns = obj.metadata.namespace ?? "";
      const entry = seen.get(ns) ?? { writes: 0, byKind: new Map<string, number>() };
      entry.writes++;
      for (const k of kinds) entry.byKind.set(k, (entry.byKind.get(k) ?? 0) + 1);
      seen.set(ns, entry);
    },
    tally(namespaces) {
      const byKind = new Map<string, number>();
      let writes = 0;
      for (const ns of namespaces) {
        const entry = seen.get(ns);
        if (!entry) continue;
        writes += entry.writes;
        for (const [k, n] of entry.byKind) byKind.set(k, (byKind.get(k) ?? 0) + n);
      }
      return { writes, byKind };
    },
  };
}
