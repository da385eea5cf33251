// A compose override: a service given again in a later file, with settings and no image or build
// of its own (docker-compose.override.yml, docker-compose.mainpc.override.yaml). `docker compose -f
// base.yml -f override.yml` merges it into the base's service by compose's rules: single values
// replace, environment and volumes merge by name and target, ports and dependencies add up.
import { firstFew, inWords } from "../lib/words.ts";
import { machineLabel } from "./machine.ts";
import { agentFinding, type Finding, type LegacyAgent, where } from "./model.ts";
import { toDnsLabel } from "./names.ts";

/** `base`'s items whose key `over` does not give, then `over`'s: the later file wins per key. */
function byKey<T>(base: readonly T[], over: readonly T[], key: (item: T) => string): T[] {
  const given = new Set(over.map(key));
  return [...base.filter((item) => !given.has(key(item))), ...over];
}

/** Each name once, in the order first met. */
const union = (base: readonly string[] | undefined, over: readonly string[] | undefined) => [
  ...new Set([...(base ?? []), ...(over ?? [])]),
];

/** The base's service with an override's settings merged in, as compose merges the files. */
export function withOverride(base: LegacyAgent, over: LegacyAgent): LegacyAgent {
  // A key the override tags !reset or !override takes its value alone: the base's is dropped.
  const replaced = new Set(over.replacedKeys ?? []);
  const merge = <T>(keys: readonly string[], merged: T, own: T): T =>
    keys.some((k) => replaced.has(k)) ? own : merged;
  const volumes = merge(
    ["volumes"],
    byKey(base.volumes ?? [], over.volumes ?? [], (v) => v.target),
    over.volumes ?? [],
  );
  const containerPorts = merge(
    ["ports", "expose"],
    [...new Set([...(base.containerPorts ?? []), ...(over.containerPorts ?? [])])],
    over.containerPorts ?? [],
  );
  const udpPorts = merge(
    ["ports", "expose"],
    [...new Set([...(base.udpPorts ?? []), ...(over.udpPorts ?? [])])],
    over.udpPorts ?? [],
  );
  const hostnames = union(base.hostnames, over.hostnames);
  const envFiles = merge(["env_file"], [...(base.envFiles ?? []), ...(over.envFiles ?? [])], over.envFiles ?? []);
  const hostAccess = [...(base.hostAccess ?? []), ...(over.hostAccess ?? [])];
  const secretFiles = merge(
    ["secrets"],
    byKey(base.secretFiles ?? [], over.secretFiles ?? [], (f) => f.target),
    over.secretFiles ?? [],
  );
  const composeModels = merge(
    ["models"],
    byKey(base.composeModels ?? [], over.composeModels ?? [], (m) => m.name),
    over.composeModels ?? [],
  );
  const configFiles = merge(
    ["configs"],
    byKey(base.configFiles ?? [], over.configFiles ?? [], (f) => f.target),
    over.configFiles ?? [],
  );
  const resources = base.resources || over.resources ? { ...base.resources, ...over.resources } : undefined;
  const healthCheck = merge(["healthcheck"], over.healthCheck ?? base.healthCheck, over.healthCheck);
  const command = merge(["entrypoint"], over.command ?? base.command, over.command);
  const args = merge(["command"], over.args ?? base.args, over.args);
  const vram = over.vram ?? base.vram;
  const gpuDevices = over.gpuDevices ?? base.gpuDevices;
  const replicas = over.replicas ?? base.replicas;
  const serviceName = over.serviceName ?? base.serviceName;
  const containerName = over.containerName ?? base.containerName;
  const workingDir = over.workingDir ?? base.workingDir;
  const stopGracePeriod = over.stopGracePeriod ?? base.stopGracePeriod;
  const stopSignal = over.stopSignal ?? base.stopSignal;
  const runtimeSettings = [
    ...(base.runtimeSettings ?? []).filter((r) => !over.runtimeSettings?.some((o) => o.key === r.key)),
    ...(over.runtimeSettings ?? []),
  ];
  // The fields set below only when they hold something: none is kept from the base by the spread.
  const {
    command: _command,
    args: _args,
    healthCheck: _healthCheck,
    containerPorts: _containerPorts,
    udpPorts: _udpPorts,
    volumes: _volumes,
    envFiles: _envFiles,
    secretFiles: _secretFiles,
    configFiles: _configFiles,
    composeModels: _composeModels,
    ...rest
  } = base;
  return {
    ...rest,
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    ...(workingDir ? { workingDir } : {}),
    ...(stopGracePeriod ? { stopGracePeriod } : {}),
    ...(stopSignal ? { stopSignal } : {}),
    ...(runtimeSettings.length ? { runtimeSettings } : {}),
    ports: merge(
      ["ports"],
      byKey(base.ports, over.ports, (p) => `${p.role} ${p.port}`),
      over.ports,
    ),
    ...(containerPorts.length ? { containerPorts } : {}),
    ...(udpPorts.length ? { udpPorts } : {}),
    ...(volumes.length ? { volumes } : {}),
    ...(envFiles.length ? { envFiles } : {}),
    dependencies: merge(
      ["depends_on"],
      byKey(base.dependencies, over.dependencies, (d) => d.name),
      over.dependencies,
    ),
    env: merge(
      ["environment"],
      byKey(base.env, over.env, (e) => e.name),
      over.env,
    ),
    mounts: merge(
      ["volumes"],
      byKey(base.mounts, over.mounts, (m) => m.target),
      over.mounts,
    ),
    gpu: [...base.gpu, ...over.gpu],
    ...(vram ? { vram } : {}),
    ...(gpuDevices ? { gpuDevices } : {}),
    ...(replicas ? { replicas } : {}),
    ...(resources ? { resources } : {}),
    ...(healthCheck ? { healthCheck } : {}),
    ...(serviceName ? { serviceName } : {}),
    ...(hostnames.length ? { hostnames } : {}),
    ...(containerName ? { containerName } : {}),
    ...(hostAccess.length ? { hostAccess } : {}),
    ...((over.sharesNetworkOf ?? base.sharesNetworkOf)
      ? { sharesNetworkOf: over.sharesNetworkOf ?? base.sharesNetworkOf }
      : {}),
    ...(secretFiles.length ? { secretFiles } : {}),
    ...(configFiles.length ? { configFiles } : {}),
    ...(composeModels.length ? { composeModels } : {}),
    scalars: [...base.scalars, ...over.scalars],
  };
}

/** An override merged: the service it added to, and the definitions it came from. */
export interface OverrideMerged {
  base: LegacyAgent;
  overrides: LegacyAgent[];
}

/**
 * The services of one machine with each override merged into its base: the service of that name
 * in the override's own directory (compose pairs docker-compose.override.yml with the
 * docker-compose.yml beside it), else the last one given before it, else the last one. An override
 * with no base of its name is left as it is.
 */
export function mergeOverrides(services: readonly LegacyAgent[]): {
  services: LegacyAgent[];
  merged: OverrideMerged[];
  /** Overrides of a service no file given defines for their machine: kept as they are. */
  alone: LegacyAgent[];
} {
  const directory = (a: LegacyAgent) => a.source.file.replace(/[^/]*$/, "");
  const into = new Map<LegacyAgent, LegacyAgent[]>();
  const consumed = new Set<LegacyAgent>();
  // One name as the rest of the import reads one (memory_hub is memory-hub).
  for (const group of Map.groupBy(services, (s) => `${s.machine}/${toDnsLabel(s.legacyName)}`).values()) {
    const bases = group.filter((s) => !s.overrideOnly);
    if (bases.length === 0) continue;
    for (const over of group.filter((s) => s.overrideOnly)) {
      const before = bases.filter((b) => group.indexOf(b) < group.indexOf(over));
      const base =
        bases.find((b) => directory(b) === directory(over)) ?? before.at(-1) ?? (bases.at(-1) as LegacyAgent);
      into.set(base, [...(into.get(base) ?? []), over]);
      consumed.add(over);
    }
  }
  const merged = [...into].map(([base, overrides]) => ({ base, overrides }));
  return {
    alone: services.filter((s) => s.overrideOnly && !consumed.has(s)),
    services: services.flatMap((s) => {
      if (consumed.has(s)) return [];
      const overrides = into.get(s);
      return [overrides ? overrides.reduce(withOverride, s) : s];
    }),
    merged,
  };
}

/** An override file's service, merged into the service it adds to. */
export function overrideFinding({ base, overrides }: OverrideMerged): Finding {
  return agentFinding(base, {
    kind: "duplicate-agent",
    severity: "info",
    message: `${base.legacyName} at ${inWords(overrides.map((o) => where(o.source)))} has no image or build of its own: it adds to ${base.legacyName} at ${where(base.source)}, and is merged into it as compose merges an override file (its environment, ports, volumes and dependencies added, what it sets again replaced)`,
    source: overrides[0]?.source ?? base.source,
  });
}

/** Overrides whose base is not among the files given, one warning per file: compose never ran them alone. */
export function aloneOverrideFindings(alone: readonly LegacyAgent[]): Finding[] {
  return [...Map.groupBy(alone, (s) => s.source.file).values()].map((services) => {
    const first = services[0] as LegacyAgent;
    const names = services.map((s) => s.legacyName);
    return {
      kind: "image-guessed",
      severity: "warning",
      machine: first.machine,
      agents: names,
      message: `${firstFew(names)} in ${first.source.file} ${names.length === 1 ? "has" : "have"} neither an image nor a build: settings for services that another file defines, as an override file gives, and no file given defines ${names.length === 1 ? "it" : "them"} for ${machineLabel(first.machine)}. Import the file ${names.length === 1 ? "it overrides" : "they override"} with it, as compose read them together (MACHINE=FILE if that file names no machine)`,
      source: where(first.source),
    };
  });
}
