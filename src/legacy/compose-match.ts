// Which compose service runs which startup agent: by what the service says (SERVICE_NAME, its
// name, container_name, image, the directory it builds), and so which machine a compose file that
// names none belongs to.
import { posix } from "node:path";
import type { LegacyAgent } from "./model.ts";
import { sameName } from "./names.ts";

/** The last part of a path's directory: memory_fusion_hub for memory_fusion_hub/app.py. */
const directoryName = (path: string) => posix.basename(posix.dirname(posix.normalize(path)));

/** A compose image's own name: model-ops-coordinator for registry.lan/model-ops-coordinator:1.2. */
const imageName = (image: string) => posix.basename(image.replace(/[@:][^/]*$/, ""));

/** Finds the compose service of a startup agent among services, knowing every startup agent. */
export type ServiceMatcher = (agent: LegacyAgent, services: readonly LegacyAgent[]) => LegacyAgent | undefined;

/**
 * The compose service of a startup agent: by SERVICE_NAME or build arg, else by its name, its
 * container_name, its image's name, or (when no other agent of its machine has a script there)
 * the directory it builds from, where the agent's script is (memory_fusion_hub/ for
 * memory_fusion_hub/app.py).
 */
export function serviceMatcher(startup: readonly LegacyAgent[]): ServiceMatcher {
  const scripts = new Map<string, number>();
  for (const a of startup) {
    if (!a.scriptPath) continue;
    const key = `${a.machine}/${directoryName(a.scriptPath)}`;
    scripts.set(key, (scripts.get(key) ?? 0) + 1);
  }
  return (agent, services) => {
    const unnamed = services.filter((s) => !s.serviceName);
    const directory = agent.scriptPath ? directoryName(agent.scriptPath) : "";
    const ownDirectory = directory !== "" && directory !== "." && scripts.get(`${agent.machine}/${directory}`) === 1;
    return (
      services.find((s) => s.serviceName && sameName(s.serviceName, agent.legacyName)) ??
      unnamed.find((s) => sameName(s.legacyName, agent.legacyName)) ??
      unnamed.find((s) => s.hostnames?.some((h) => sameName(h, agent.legacyName))) ??
      unnamed.find((s) => s.image && !s.infrastructure && sameName(imageName(s.image), agent.legacyName)) ??
      (ownDirectory
        ? unnamed.find((s) => s.buildDirectory && posix.basename(s.buildDirectory) === directory)
        : undefined)
    );
  };
}

/** What a compose file that names no machine was found to run: one machine's agents, or several's. */
export type FileMachine =
  | { file: string; machine: string; service: string; agent: string }
  | { file: string; machines: string[]; service: string; agent: string };

/**
 * The machine of each compose file among `unassigned` (services of files that name none): the one
 * whose startup agents its services run (apc, container_name affective_processing_center, runs
 * mainpc's AffectiveProcessingCenter). A file whose services run agents of several machines (one
 * that both PCs run) has no answer but those machines; a file that runs no startup agent, none.
 */
export function composeFileMachines(
  startup: readonly LegacyAgent[],
  unassigned: readonly LegacyAgent[],
  matcher: ServiceMatcher,
): FileMachine[] {
  const out: FileMachine[] = [];
  for (const [file, services] of Map.groupBy(unassigned, (s) => s.source.file)) {
    const runs = startup.flatMap((agent) => {
      const service = matcher(agent, services);
      return service ? [{ agent, service }] : [];
    });
    const first = runs[0];
    if (!first) continue;
    const machines = [...new Set(runs.map((r) => r.agent.machine))];
    const named = { file, service: first.service.legacyName, agent: first.agent.legacyName };
    out.push(machines.length === 1 ? { ...named, machine: first.agent.machine } : { ...named, machines });
  }
  return out;
}
