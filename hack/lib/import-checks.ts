// What an import's manifests would not reach, read from the manifests as a person would apply
// them: an address by an agent's name on a port its Service does not have, a host name that
// Kubernetes cannot resolve ('_'), an address its target's NetworkPolicy would refuse (the caller is
// not among its dependents), and a dependency on an agent the import does not hold (the agent would
// wait for it for ever). The importer's findings should have said so; a run over real
// files (hack/import-history.ts) lists each, to tell the ones it said from the ones it missed.
import { parseAllDocuments } from "yaml";

export interface Unreachable {
  agent: string;
  address: string;
  why: string;
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    ports?: { port: number }[];
    env?: unknown;
    config?: unknown;
    args?: unknown;
    command?: unknown;
    dependencies?: string[];
    network?: { isolation?: string; allowFrom?: unknown[] };
  };
}

/**
 * name:port, as a URL's host or alone: redis://redis_language:6379, memory-hub:7140. Alone, an '_'
 * name is a setting as often as a host (max_split_size_mb:128): only an agent's name counts then.
 */
const address = /(?<![\w.-])([a-z][a-z0-9+.-]*:\/\/)?([a-z][\w-]*):(\d{2,5})(?![\w.])/gi;

/** An import's AgentDeployments, name → spec: read once, for every check below. */
export type AgentSpecs = ReadonlyMap<string, Manifest["spec"]>;

/** The AgentDeployments of an import's files. */
export function agentSpecs(files: ReadonlyMap<string, string>): AgentSpecs {
  const agents = new Map<string, Manifest["spec"]>();
  for (const [name, text] of files) {
    if (!name.endsWith(".yaml")) continue;
    for (const doc of parseAllDocuments(text)) {
      const m = doc.toJS() as Manifest | null;
      if (m?.kind === "AgentDeployment" && m.metadata?.name) agents.set(m.metadata.name, m.spec);
    }
  }
  return agents;
}

/**
 * Whether an agent's NetworkPolicy lets a caller in: it has none (isolation None), or the caller
 * depends on it. An allowFrom is taken to let it in: the importer writes none, a person may.
 */
function letsIn(target: string, targetSpec: Manifest["spec"], callerSpec: Manifest["spec"]): boolean {
  if (targetSpec?.network?.isolation === "None" || (targetSpec?.network?.allowFrom ?? []).length > 0) return true;
  return (callerSpec?.dependencies ?? []).includes(target);
}

/** The addresses in an import's manifests that no Service of the import answers. */
export function unreachableAddresses(agents: AgentSpecs): Unreachable[] {
  const found: Unreachable[] = [];
  for (const [agent, spec] of agents) {
    // With the default startPolicy, an agent waits for each dependency to exist and be Ready.
    for (const dependency of spec?.dependencies ?? []) {
      if (!agents.has(dependency))
        found.push({
          agent,
          address: `dependency ${dependency}`,
          why: "no AgentDeployment of the import has that name",
        });
    }
    const values = JSON.stringify([spec?.env, spec?.config, spec?.args, spec?.command]);
    for (const [text, scheme, host = "", port = ""] of values.matchAll(address)) {
      const target = agents.get(host);
      if (scheme && host.includes("_"))
        found.push({ agent, address: text, why: "no Service may have an '_' in its name" });
      else if (target && !(target.ports ?? []).some((p) => p.port === Number(port)))
        found.push({ agent, address: text, why: `${host}'s Service has no port ${port}` });
      else if (target && host !== agent && !letsIn(host, target, spec))
        found.push({ agent, address: text, why: `${host}'s NetworkPolicy lets only its dependents in` });
    }
  }
  return found;
}

/**
 * The agents of an import's report that no manifest defines: two agents given one name, whose
 * manifest file was written over by the other's.
 */
export function agentsWithoutManifest(agents: readonly string[], written: AgentSpecs): string[] {
  // Each name once per agent that carries it: the second of two with one name has no file of its own.
  const seen = new Set<string>();
  return agents.filter((a) => {
    const lost = !written.has(a) || seen.has(a);
    seen.add(a);
    return lost;
  });
}
