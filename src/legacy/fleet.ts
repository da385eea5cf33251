// From legacy files to one fleet: read each file, assign machines, merge each machine's compose
// services into its startup-config agents, and keep everything the analysis needs to explain.
import { counted, firstFew, inWords } from "../lib/words.ts";
import { decommissionedInComments } from "./comments.ts";
import { fileLevelScalars, isCompose, readCompose } from "./compose.ts";
import {
  composeFragmentKinds,
  fragmentAloneMessage,
  fragmentFinding,
  type InternalNetwork,
  internalNetworkFindings,
  internalNetworks,
  serviceNetworks,
  withSecretsDefinedElsewhere,
} from "./compose-definitions.ts";
import { composeDocuments } from "./compose-documents.ts";
import { extendedFileLoader, resolveExtends } from "./compose-extends.ts";
import { composeFileMachines, type FileMachine, serviceMatcher } from "./compose-match.ts";
import { aloneOverrideFindings, mergeOverrides, overrideFinding } from "./compose-override.ts";
import { dotEnvFinding, dotEnvOf, fillFromDotEnv } from "./dotenv.ts";
import { includedPaths, includeFinding } from "./included-files.ts";
import { inferMachine, unassignedMachine } from "./machine.ts";
import {
  type BesideFileReader,
  type Decommissioned,
  type Finding,
  type FleetAgent,
  InputError,
  type LegacyAgent,
  type LegacyFile,
  type Location,
  oneError,
  where,
} from "./model.ts";
import { sameName } from "./names.ts";
import { otherKindOfFile } from "./other-files.ts";
import { readConfigYaml } from "./other-formats.ts";
import { apartByContainerName, nameAgents, oncePerMachine } from "./same-name.ts";
import {
  type Elsewhere,
  type InfrastructureSettings,
  isStartupConfig,
  readStartupConfig,
  type StartupAgentDraft,
  type StartupReading,
  sameMachine,
} from "./startup-config.ts";
import { child, scalar, scalarsOf, type YNode } from "./yaml-source.ts";

export interface Fleet {
  agents: FleetAgent[];
  /** Compose services that are not agents of the startup config (infrastructure, or drift). */
  composeOnly: LegacyAgent[];
  decommissioned: Decommissioned[];
  /** Definitions switched off: not imported, but their files still hold their secrets. */
  switchedOff: LegacyAgent[];
  findings: Finding[];
  /** File-level scalars (networks, subnets) per file, for the address scan. */
  fileScalars: LegacyAgent["scalars"];
  /** Every scalar of every file as written (before a .env fills it): the secret scan's, beyond the agents. */
  everyScalar: LegacyAgent["scalars"];
  machines: string[];
}

const at = (loc: Location) => where(loc);

/** A placement constraint on a host that is no machine the import knows: the service keeps its file's. */
function unknownPlacementFinding(
  service: Omit<LegacyAgent, "machine">,
  placed: NonNullable<LegacyAgent["placedOn"]>,
  machines: readonly string[],
): Finding {
  return {
    kind: "machine-inferred",
    severity: "warning",
    agents: [service.legacyName],
    message: `${service.legacyName} is placed on ${placed.host} (${placed.said}), which is none of the machines (${machines.join(", ")}): it is imported as its file's. If ${placed.host} is a PC of the fleet, name its GPU class with --class ${placed.host}=GPUCLASS`,
    source: at(placed.source),
  };
}

function assignMachines(
  drafts: StartupAgentDraft[],
  profiles: Map<string, Set<string>>,
  fileMachine: string | undefined,
  machines: readonly string[],
): LegacyAgent[] {
  return drafts.flatMap(({ machines: named, ...agent }) => {
    const groups = agent.group?.split(".") ?? [];
    const fromProfiles = [...profiles]
      .filter(([, names]) =>
        [...names].some((n) => sameName(n, agent.legacyName) || groups.some((g) => sameName(n, g))),
      )
      .map(([m]) => m);
    const fromFields = named.flatMap((n) => machines.filter((m) => sameMachine(m, n)));
    const unknown = named.filter((n) => !machines.some((m) => sameMachine(m, n)));
    if (unknown.length) {
      throw new InputError(
        `agent ${agent.legacyName} runs on machine ${unknown.join(", ")}, which has no GPU class: add --class ${unknown[0]}=GPUCLASS`,
        agent.source,
      );
    }
    const targets = [...new Set([...fromFields, ...fromProfiles])];
    if (targets.length === 0 && profiles.size > 0 && !fileMachine) return []; // enabled on no machine
    // Neither the file nor the agent names a machine: imported with none (see unassignedMachine).
    const on = targets.length ? targets : [fileMachine ?? unassignedMachine];
    return on.map((machine) => ({ ...agent, machine }));
  });
}

function mergeService(agent: LegacyAgent, service: LegacyAgent): LegacyAgent {
  const env = [...agent.env.filter((e) => !service.env.some((s) => s.name === e.name)), ...service.env];
  return {
    ...agent,
    ...(service.image ? { image: service.image } : {}),
    ...(service.args ? { args: service.args } : {}),
    ...(service.workingDir ? { workingDir: service.workingDir } : {}),
    ports: [...agent.ports, ...service.ports],
    ...(service.containerPorts ? { containerPorts: service.containerPorts } : {}),
    ...(service.udpPorts ? { udpPorts: service.udpPorts } : {}),
    ...(service.volumes ? { volumes: service.volumes } : {}),
    ...(service.envFiles ? { envFiles: service.envFiles } : {}),
    env,
    mounts: [...agent.mounts, ...service.mounts],
    gpu: [...agent.gpu, ...service.gpu],
    // What the container was given wins, as its environment does.
    ...(service.vram ? { vram: service.vram } : {}),
    ...(service.gpuDevices ? { gpuDevices: service.gpuDevices } : {}),
    ...(service.replicas ? { replicas: service.replicas } : {}),
    ...(service.resources ? { resources: service.resources } : {}),
    ...(service.hostAccess ? { hostAccess: service.hostAccess } : {}),
    ...(service.sharesNetworkOf ? { sharesNetworkOf: service.sharesNetworkOf } : {}),
    ...(service.secretFiles ? { secretFiles: service.secretFiles } : {}),
    ...(service.configFiles ? { configFiles: service.configFiles } : {}),
    ...(service.composeModels ? { composeModels: service.composeModels } : {}),
    ...(agent.healthCheck ? {} : service.healthCheck ? { healthCheck: service.healthCheck } : {}),
    hostnames: [...new Set([service.legacyName, ...(service.hostnames ?? []), ...(agent.hostnames ?? [])])],
    ...(service.buildDirectory ? { buildDirectory: service.buildDirectory } : {}),
    scalars: [...agent.scalars, ...service.scalars],
  };
}

/**
 * The agents a startup config defines but its launcher did not run here: switched off, or named
 * with the address where another machine runs them. Set aside with why, for the findings and the
 * dependencies on them.
 */
function setAside(
  agents: readonly LegacyAgent[],
  elsewhere: readonly Elsewhere[],
  machine: string,
): { imported: LegacyAgent[]; switchedOff: LegacyAgent[]; notImported: Decommissioned[] } {
  return {
    imported: agents.filter((a) => !a.disabled),
    switchedOff: agents.filter((a) => a.disabled),
    notImported: [
      ...agents.flatMap((a) =>
        a.disabled ? [{ legacyName: a.legacyName, machine: a.machine, ...a.disabled, how: "disabled" as const }] : [],
      ),
      ...elsewhere.map((e) => ({
        legacyName: e.name,
        machine,
        reason: `${e.address.key} ${withoutCredentials(e.address.value)}`,
        source: e.source,
        how: "elsewhere" as const,
      })),
    ],
  };
}

function settingsFinding(block: InfrastructureSettings, machine: string | undefined): Finding {
  return {
    kind: "infrastructure-settings",
    severity: "info",
    ...(machine ? { machine } : {}),
    agents: [],
    message: `${block.name} configures ${block.kind}, which runs nothing of its own here: it is not an agent, so it is not imported. Carry these settings to the ${block.kind} the fleet uses (its Helm chart, or the compose service imported as infrastructure)`,
    source: at(block.source),
  };
}

/** How a compose file that names no machine was read: as the machine's whose agent it runs, or not. */
function composeMachineFinding(found: FileMachine): Finding {
  const runs = `its service ${found.service} runs ${found.agent}`;
  return "machine" in found
    ? {
        kind: "machine-inferred",
        severity: "info",
        machine: found.machine,
        agents: [],
        message: `${found.file} was read as ${found.machine}'s, as ${runs}, which ${found.machine}'s startup config defines; name it (${found.machine}=${found.file}) if that is wrong`,
        source: `${found.file}:1`,
      }
    : {
        kind: "machine-unknown",
        severity: "warning",
        agents: [found.service],
        message: `${found.file} names no machine, and ${runs}, which ${inWords(found.machines)} ${found.machines.length === 2 ? "both" : "all"} run: its services are imported for no machine, beside those agents. Name its machine (${found.machines.map((m) => `${m}=${found.file}`).join(" or ")})`,
        source: `${found.file}:1`,
      };
}

/**
 * The launcher's limits for every agent of a file (memory_mb: 2048), which no manifest carries: a
 * Kubernetes limit with no request is also the request, and every agent would reserve it.
 */
function limitsFinding(
  limits: NonNullable<StartupReading["limits"]>,
  agents: number,
  machine: string | undefined,
): Finding {
  const memoryMiB = Number(limits.settings.find((s) => s.key === "memory_mb")?.value);
  const written = limits.settings.map((s) => `${s.key}: ${s.value}`).join(", ");
  const reserved =
    memoryMiB > 0 ? ` (${agents} × ${memoryMiB} MiB = ${Math.round((agents * memoryMiB) / 1024)} GiB)` : "";
  return {
    kind: "resource-limits",
    severity: "info",
    ...(machine ? { machine } : {}),
    agents: [],
    message: `global_settings.resource_limits (${written}) held each of the file's ${counted(agents, "agent")} to the same limits; they are not carried over: a Kubernetes limit with no request is also the request, so the agents would reserve it all between them${reserved}. Set spec.resources per agent from what it uses (requests to reserve, limits to cap)`,
    source: at(limits.source),
  };
}

/** A URL's user and password left out: a report never prints them. */
const withoutCredentials = (value: string) => value.replace(/(\/\/)[^/@\s]*@/, "$1");

const scalarList = (node: YNode) =>
  node.kind === "seq" && node.items.length > 0 && node.items.every((i) => i.kind === "scalar");

/**
 * The first list of agents by name in a file that groups agents other files define: every top-level
 * list a list of names (container_groups.yaml: group → [AgentName, …]), or groups with an agents:
 * list of names (agent_groups: {core: {startup_priority: 1, agents: [ServiceRegistry, …]}}).
 */
function namesListed(root: YNode | undefined): { path: string; names: string[] } | undefined {
  if (root?.kind !== "map") return undefined;
  const listed = (path: string, node: YNode) => ({
    path,
    names: node.kind === "seq" ? node.items.map((i) => scalar(i) ?? "") : [],
  });
  const lists = root.entries.filter((e) => e.value.kind === "seq");
  if (lists.length > 0 && lists.every((e) => scalarList(e.value))) {
    const first = lists[0] as (typeof lists)[number];
    return listed(first.key, first.value);
  }
  const groups = root.entries.flatMap((top) =>
    top.value.kind === "map" ? top.value.entries.map((g) => ({ path: `${top.key}.${g.key}`, group: g.value })) : [],
  );
  for (const { path, group } of groups) {
    const agents = child(group, "agents");
    if (agents && scalarList(agents)) return listed(`${path}.agents`, agents);
  }
  return undefined;
}

/**
 * Why a file gave no agents. A configuration that only includes others (the unified v3 file, a
 * compose file's include:) says which files to import instead.
 */
function noAgentsMessage(root: YNode | undefined): string {
  const included = includedPaths(root);
  const expected =
    "expected a docker-compose file (a services: map) or a startup config (agents with script_path or port, in groups or lists)";
  const names = namesListed(root);
  const services = child(root, "services");
  if (services?.kind === "map" && services.entries.length > 0)
    return `no agents found: the services: here (${firstFew(
      services.entries.map((e) => e.key),
      3,
    )}) are not compose's, none having a key a compose service has (image, build, ports, environment…), and nothing else in the file defines an agent (${expected})`;
  if (included.length)
    return `no agents found: this file only includes ${included.join(", ")}; import those files instead (${expected})`;
  if (names)
    return `no agents found: this file only lists agents by name (${names.path}: [${firstFew(names.names, 2)}]), grouping agents other files define${names.path.includes(".") ? " (what it sets for each group, such as its order or limits, is not read)" : ""}; import the startup configs that define them instead (${expected})`;
  return `no agents found: ${expected}`;
}

/**
 * `profiles`: the compose profiles asked for (`--profile`), whose services are imported;
 * `readBesideFile` reads a file a compose file names beside it (an extends: file not given).
 */
export function assembleFleet(
  files: readonly LegacyFile[],
  machines: readonly string[],
  profiles: ReadonlySet<string> = new Set(),
  readBesideFile?: BesideFileReader,
): Fleet {
  const findings: Finding[] = [];
  const startup: LegacyAgent[] = [];
  const compose: LegacyAgent[] = [];
  const decommissioned: Decommissioned[] = [];
  const switchedOff: LegacyAgent[] = [];
  const fileScalars: LegacyAgent["scalars"] = [];
  const everyScalar: LegacyAgent["scalars"] = [];
  const gpuGroups: { machine: string; agents: string[]; group: string; source: Location }[] = [];
  const startupMachines = new Set<string>();

  const refused: InputError[] = [];
  // Files that give nothing of their own (networks alone, includes alone): a note beside the files
  // that do, refused when every file given is one.
  const nothingOwn: { refusal: InputError; finding: Finding | undefined }[] = [];
  const givenPaths = files.map((f) => f.path);
  const internal: (InternalNetwork & { machine?: string })[] = [];
  const networkJoins: { service: string; networks: string[] }[] = [];
  // The compose files and fragments read, whose top-level secrets: a service of another file may use.
  const definitionRoots: { machine: string; root: YNode }[] = [];
  const documents = files.flatMap(composeDocuments);
  for (const file of documents) {
    try {
      if (file.machine && !machines.some((m) => sameMachine(m, file.machine as string))) {
        throw new InputError(
          `machine ${file.machine} (for ${file.path}) has no GPU class: add --class ${file.machine}=GPUCLASS`,
        );
      }
      if (file.text.trim() === "")
        throw new InputError("the file is empty: it defines no agents", { file: file.path, line: 1, column: 1 });
      const parsed = readConfigYaml(file);
      if (!("root" in parsed)) throw new InputError(parsed.message, parsed.loc);
      const other = otherKindOfFile(parsed);
      if (other) throw new InputError(other.message, other.loc);
      everyScalar.push(...scalarsOf(parsed.root).map((s) => ({ path: s.path, value: s.value, source: s.loc })));
      // compose fills a file's ${VAR}s from the .env beside it before it reads anything else.
      const dotenv = isCompose(parsed.root) && parsed.root ? dotEnvOf(file) : undefined;
      const filled = dotenv && parsed.root ? fillFromDotEnv(parsed.root, dotenv.vars) : undefined;
      const note = filled && dotenv ? dotEnvFinding(dotenv.paths, file.path, filled) : undefined;
      if (note) findings.push(note);
      const root = filled?.root ?? parsed.root;
      findings.push(...parsed.duplicateKeys);
      const explicit = file.machine ? machines.find((m) => sameMachine(m, file.machine as string)) : undefined;
      const guess = explicit ? undefined : inferMachine(file.path, root, machines);
      const machine = explicit ?? guess?.machine;
      if (guess) {
        findings.push({
          kind: "machine-inferred",
          severity: "info",
          machine: guess.machine,
          agents: [],
          message: `${file.path} was read as ${guess.machine}'s, from ${guess.how}; name it (${guess.machine}=${file.path}) if that is wrong`,
          source: `${file.path}:1`,
        });
      }

      const fragment = composeFragmentKinds(root);
      const included = includedPaths(root);
      const composeFile = isCompose(root);
      if (composeFile && root) {
        const enabled = filled?.profiles.length ? new Set([...profiles, ...filled.profiles]) : profiles;
        const services = readCompose(root, enabled).map((s) => {
          // A swarm stack's placement pins a service to a host: that machine, if it is one.
          const placed = s.placedOn && machines.find((m) => sameMachine(m, s.placedOn?.host ?? ""));
          if (s.placedOn && !placed) findings.push(unknownPlacementFinding(s, s.placedOn, machines));
          return { ...s, machine: placed || (machine ?? unassignedMachine) };
        });
        const load = extendedFileLoader(files, readBesideFile, enabled, machine ?? unassignedMachine, dotenv?.vars);
        const extended = resolveExtends(services, load, enabled);
        findings.push(...extended.findings);
        const kept = setAside(extended.services, [], machine ?? unassignedMachine);
        compose.push(...kept.imported);
        switchedOff.push(...kept.switchedOff);
        decommissioned.push(...kept.notImported);
        networkJoins.push(...serviceNetworks(root));
        fileScalars.push(...fileLevelScalars(root));
      } else if (isStartupConfig(root)) {
        const reading = readStartupConfig(root, machines);
        const agents = assignMachines(reading.agents, reading.profiles, machine, machines);
        for (const m of new Set(agents.map((a) => a.machine))) startupMachines.add(m);
        const once = oncePerMachine(agents);
        findings.push(...once.findings);
        const kept = setAside(once.kept, reading.elsewhere, machine ?? "");
        startup.push(...kept.imported);
        switchedOff.push(...kept.switchedOff);
        decommissioned.push(...kept.notImported);
        for (const g of reading.gpuGroups) gpuGroups.push({ ...g, machine: machine ?? "" });
        findings.push(...reading.settings.map((block) => settingsFinding(block, machine)));
        if (reading.limits) findings.push(limitsFinding(reading.limits, kept.imported.length, machine));
        decommissioned.push(...decommissionedInComments(file.path, machine ?? "", parsed.lines));
      } else if (fragment && root) {
        // compose merges it with the files given beside it; alone, it gives nothing to import.
        nothingOwn.push({
          refusal: new InputError(fragmentAloneMessage(fragment), root.loc),
          finding: fragmentFinding(file.path, fragment, root.loc),
        });
        fileScalars.push(...fileLevelScalars(root));
      } else if (root && included.length) {
        nothingOwn.push({
          refusal: new InputError(noAgentsMessage(root), root.loc),
          finding: includeFinding(file.path, included, givenPaths, true, root.loc),
        });
      } else {
        throw new InputError(noAgentsMessage(root), root?.loc ?? { file: file.path, line: 1, column: 1 });
      }
      // What compose reads beside the services: internal networks, and includes (of files not given?).
      if ((composeFile || fragment) && root) {
        definitionRoots.push({ machine: machine ?? unassignedMachine, root });
        internal.push(...internalNetworks(root).map((n) => ({ ...n, ...(machine ? { machine } : {}) })));
        const includes = includeFinding(file.path, included, givenPaths, false, root.loc);
        if (includes) findings.push(includes);
      }
    } catch (err) {
      // Every file that cannot be read is named at once: a checkout imported together is mended in one go.
      if (!(err instanceof InputError)) throw err;
      refused.push(err);
    }
  }
  const refusal = oneError(refused);
  if (refusal) throw refusal;
  if (nothingOwn.length === documents.length) {
    const alone = oneError(nothingOwn.map((n) => n.refusal));
    if (alone) throw alone;
  }
  for (const n of nothingOwn) if (n.finding) findings.push(n.finding);
  findings.push(...internalNetworkFindings(internal, networkJoins));
  compose.splice(0, compose.length, ...withSecretsDefinedElsewhere(compose, definitionRoots));

  // One machine's agent in two of its files (its startup config and another list of its services;
  // a compose file and its override, or two stacks that each ran a redis): one AgentDeployment, the
  // definition with something to run, else the later. Two of one name would be one manifest file.
  const once = (definitions: LegacyAgent[]) => {
    const { kept, findings: twice } = oncePerMachine(definitions);
    definitions.splice(0, definitions.length, ...kept);
    findings.push(...twice);
  };
  once(startup);
  const serviceOf = serviceMatcher(startup);

  // A compose file that names no machine is the machine's whose startup agents it runs; then the
  // compose services are once per machine too.
  const fileMachines = composeFileMachines(
    startup,
    compose.filter((s) => s.machine === unassignedMachine),
    serviceOf,
  );
  const machineOfFile = new Map(fileMachines.flatMap((f) => ("machine" in f ? [[f.file, f.machine] as const] : [])));
  compose.splice(
    0,
    compose.length,
    ...compose.map((s) => {
      const machine = machineOfFile.get(s.source.file);
      // One its placement pinned keeps that machine.
      return machine === undefined || s.machine !== unassignedMachine ? s : { ...s, machine };
    }),
  );
  findings.push(...fileMachines.map(composeMachineFinding));
  const overridden = mergeOverrides(compose);
  findings.push(...overridden.merged.map(overrideFinding));
  const apart = apartByContainerName(overridden.services);
  compose.splice(0, compose.length, ...apart.services);
  findings.push(...apart.findings);
  once(compose);

  // GPU groups (docker_groups) mark their members as needing a GPU.
  for (const a of startup) {
    for (const g of gpuGroups) {
      if ((g.machine === "" || g.machine === a.machine) && g.agents.some((n) => sameName(n, a.legacyName))) {
        a.gpu.push({ reason: `listed in the GPU group ${g.group}`, source: g.source });
      }
    }
  }

  // Each machine's compose services run its startup agents; a machine with no startup config is its compose file.
  const merged: LegacyAgent[] = [];
  const composeOnly: LegacyAgent[] = [];
  const used = new Set<LegacyAgent>();
  for (const a of startup) {
    const service = serviceOf(
      a,
      compose.filter((s) => s.machine === a.machine && !used.has(s)),
    );
    if (service) used.add(service);
    merged.push(
      service
        ? ({
            ...mergeService(a, service),
            composeService: service.legacyName,
            composeFile: service.source.file,
          } as LegacyAgent)
        : a,
    );
  }
  // An override no other service takes, and no startup agent it would lend its settings to.
  const runBy = new Set([...used].map((s) => where(s.source)));
  findings.push(...aloneOverrideFindings(overridden.alone.filter((s) => !runBy.has(where(s.source)))));
  for (const s of compose) {
    if (used.has(s)) continue;
    // Infrastructure runs beside the agents whatever the startup config says; other services of a
    // machine that has one are drift.
    if (startupMachines.has(s.machine) && !s.infrastructure) composeOnly.push(s);
    else merged.push(s);
  }

  const { agents, findings: naming } = nameAgents(merged, machines);
  findings.push(...naming);
  return {
    agents,
    composeOnly,
    decommissioned,
    switchedOff,
    findings,
    fileScalars,
    everyScalar,
    machines: [...machines],
  };
}
