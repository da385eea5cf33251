// Startup configs, in every shape they took over the system's history: agent_groups maps of
// group → name → spec (groups nested or mis-indented), top-level lists of specs with `name:` (in block
// or one-line flow style), one unified file with per-machine profiles or per-agent machine fields.
// Agents are found by what they hold (script_path, port…), not by where a known shape puts them.
import {
  agentKeys,
  configPorts,
  elsewhereAddress,
  flagPorts,
  flagSettings,
  gpuHints,
  looksLikeAgent,
  pythonScript,
  readCommand,
  readEnv,
  readStringList,
  runsSomething,
} from "./agent-fields.ts";
import { healthCheckTimingOf } from "./healthcheck.ts";
import { knownServer, serverDefaultVram } from "./inference-servers.ts";
import { infrastructureKinds } from "./infrastructure.ts";
import {
  type EnvVar,
  type GpuEvidence,
  type HealthCheckTiming,
  InputError,
  type LegacyAgent,
  type Location,
} from "./model.ts";
import { substitute, toCpuQuantity, toMemoryQuantity, toPort } from "./values.ts";
import { child, entry, scalar, scalarsOf, toJS, type YNode } from "./yaml-source.ts";

export interface StartupAgentDraft extends Omit<LegacyAgent, "machine"> {
  /** Machines the definition itself names (machine:, machines:, hosts:…). */
  machines: string[];
}

export interface StartupReading {
  agents: StartupAgentDraft[];
  /** Group name → member agent names, from docker_groups-like blocks, with whether the group is for GPUs. */
  gpuGroups: { group: string; agents: string[]; source: Location }[];
  /** Machine → agents or groups a profile enables on it; empty when the file has no profiles. */
  profiles: Map<string, Set<string>>;
  /** Blocks that configure shared infrastructure (prometheus: {port, scrape_configs}): not agents. */
  settings: InfrastructureSettings[];
  /** Agents this file reaches where another machine runs them (an endpoint, nothing to run). */
  elsewhere: Elsewhere[];
  /** global_settings.resource_limits: what the launcher held each agent of the file to, as written. */
  limits?: { settings: { key: string; value: string }[]; source: Location };
}

export interface Elsewhere {
  name: string;
  address: { key: string; value: string };
  source: Location;
}

export interface InfrastructureSettings {
  name: string;
  /** The infrastructure's kind (Prometheus). */
  kind: string;
  source: Location;
}

/**
 * The kind of shared infrastructure a block configures, when it is named for it (prometheus,
 * redis_config) and nothing in it runs (no script, command or image): the settings of a service the
 * fleet uses, not an agent of its own.
 */
function settingsOf(key: string, node: YNode): string | undefined {
  // A group of that name holds agents; a block with something to run is an agent.
  if (!looksLikeAgent(node) || node.kind !== "map" || runsSomething(node)) return undefined;
  const named = key.toLowerCase().replace(/[-_ ]?(config|settings|server)$/, "");
  return infrastructureKinds.find(
    (k) => named === k.serviceName || named === k.kind.toLowerCase() || k.schemes.includes(named),
  )?.kind;
}

const machineKeys = [
  "machine",
  "machines",
  "host_machine",
  "target_machine",
  "hosts",
  "run_on",
  "enabled_on",
  "profiles",
];
const healthKeys = ["health_check_port", "health_port", "healthcheck_port"];
/** A health check as a block ({port, path}) or an address (http://localhost:8200/healthz), by these keys. */
const healthBlockKeys = ["health_check", "healthcheck", "health"];
const healthUrlKeys = ["health_url", "health_check_url", "healthcheck_url", "health_endpoint"];
const healthPathKeys = ["health_path", "health_check_path", "healthcheck_path"];

/**
 * Where the agent answers its health check: a port (health_check_port: 8200, or a block's port), and
 * the path when the file says one (a block's path or endpoint, health_path, or the path of an address
 * on the agent itself). An address of another host is what it checks elsewhere, not its own.
 */
function healthCheckOf(
  spec: YNode,
): { port?: number; path?: string; timing?: HealthCheckTiming; source: Location } | undefined {
  const portKey = healthKeys.find((k) => entry(spec, k));
  const block = healthBlockKeys.map((k) => child(spec, k)).find((n) => n?.kind === "map");
  const urlNode = [...healthUrlKeys, ...healthBlockKeys]
    .map((k) => child(spec, k))
    .find((n) => scalar(n)?.includes("://"));
  const url = /^https?:\/\/(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1?\]):(\d+)(\/[^?#\s]*)?/i.exec(
    scalar(urlNode) ?? "",
  );
  const pathNode = [
    ...healthPathKeys.map((k) => child(spec, k)),
    child(block, "path"),
    child(block, "endpoint"),
    child(spec, "health_endpoint"),
  ].find((n) => scalar(n)?.startsWith("/"));
  const port = portKey
    ? toPort(scalar(child(spec, portKey)))
    : (toPort(scalar(child(block, "port"))) ?? (url ? toPort(url[2]) : undefined));
  const path = scalar(pathNode) ?? url?.[3];
  const at = (portKey ? child(spec, portKey) : undefined) ?? block ?? urlNode ?? pathNode;
  if (port === undefined && path === undefined) return undefined;
  // A block's interval (15, or 15s) and retries, read as compose's healthcheck is, within the API's bounds.
  const timing = healthCheckTimingOf(block, { bareSeconds: true });
  return {
    ...(port !== undefined ? { port } : {}),
    ...(path ? { path } : {}),
    ...(timing ? { timing } : {}),
    source: at?.loc ?? spec.loc,
  };
}

/**
 * An agent's own resources: `resources: {requests: {cpu, memory}, limits: {cpu, memory}}` as
 * Kubernetes writes them, or `resources: {cpu, memory}` as requests. Sizes as Docker or Kubernetes
 * write them (4g, 4Gi, 512m). One that is neither stops the import at its line.
 */
function resourcesOf(spec: YNode): LegacyAgent["resources"] {
  const node = child(spec, "resources");
  if (node?.kind !== "map") return undefined;
  const read = (block: YNode | undefined, key: "cpu" | "memory", at: string): string | undefined => {
    const value = child(block, key) ?? (key === "cpu" ? child(block, "cpus") : undefined);
    const raw = scalar(value);
    if (raw === undefined || value === undefined) return undefined;
    const parsed = key === "cpu" ? toCpuQuantity(raw) : toMemoryQuantity(raw);
    if (parsed !== undefined) return parsed;
    throw new InputError(
      `${at}.${key} is "${raw}": give ${key === "cpu" ? "a number of CPUs, such as 1.5 or 500m" : "a size, such as 512Mi or 4Gi"}`,
      value.loc,
    );
  };
  const requests = child(node, "requests") ?? node;
  const limits = child(node, "limits");
  const resources = {
    cpu: read(requests, "cpu", requests === node ? "resources" : "resources.requests"),
    memory: read(requests, "memory", requests === node ? "resources" : "resources.requests"),
    cpuLimit: read(limits, "cpu", "resources.limits"),
    memoryLimit: read(limits, "memory", "resources.limits"),
  };
  const set = Object.fromEntries(Object.entries(resources).filter(([, v]) => v !== undefined));
  return Object.keys(set).length ? set : undefined;
}

function readAgent(
  name: string,
  spec: YNode,
  source: Location,
  group: string | undefined,
  globalEnv: EnvVar[],
  machineNames: readonly string[],
): StartupAgentDraft {
  if (name.trim() === "") throw new InputError("an agent has an empty name: give it one", source);
  const config = child(spec, "config");
  const ports = [] as LegacyAgent["ports"];
  const mainPort = toPort(scalar(child(spec, "port")));
  if (mainPort) ports.push({ port: mainPort, role: "port", source: child(spec, "port")?.loc ?? source });
  const health = healthCheckOf(spec);
  const healthPort = health?.port;
  if (healthPort) ports.push({ port: healthPort, role: "health", source: health.source });
  ports.push(...configPorts(config));
  const argsNode = child(spec, "args");
  const args = launcherArgs(argsNode);
  const command = readCommand(child(spec, "command"));
  ports.push(
    ...flagPorts(args, argsNode?.loc ?? source),
    ...flagPorts(command ?? [], child(spec, "command")?.loc ?? source),
  );
  const hints = gpuHints(
    spec,
    (word) => word !== "" && machineNames.some((m) => sameMachine(m, word)),
    // A map's keys are read as the spec's own; a list's, or a command line's, as flags.
    flagSettings(argsNode?.kind === "map" ? [] : args, argsNode?.loc ?? source),
  );
  // A known inference server's default share, when the spec states none (vLLM run by its module).
  const server = hints.vram ? undefined : knownServer(scalar(child(spec, "image")), [...(command ?? []), ...args]);
  const vram = hints.vram ?? (server && serverDefaultVram(server, child(spec, "command")?.loc ?? source));
  const resources = resourcesOf(spec);
  // replicas, or a process manager's instances (PM2): each a pod of its own here, with its own address.
  const count = Number(scalar(child(spec, "replicas") ?? child(spec, "instances")));
  const replicas = Number.isInteger(count) && count > 0 ? count : undefined;
  const configJs = toJS(config);
  const required = scalar(child(spec, "required"));
  const scriptPath = scalar(child(spec, "script_path") ?? child(spec, "script")) ?? pythonScript(child(spec, "path"));
  const disabled = disabledBy(spec);
  const immediately = startsImmediately(spec);
  return {
    legacyName: name.trim(),
    from: "startup",
    source,
    ...(group ? { group } : {}),
    ...(scriptPath ? { scriptPath } : {}),
    ...(scalar(child(spec, "image")) ? { image: scalar(child(spec, "image")) as string } : {}),
    ...(command ? { command } : {}),
    ...(args.length ? { args } : {}),
    ...(resources ? { resources } : {}),
    ...(replicas ? { replicas } : {}),
    ...(disabled ? { disabled } : {}),
    ...(immediately ? { startsImmediately: immediately } : {}),
    ports,
    dependencies: readStringList(child(spec, "dependencies") ?? child(spec, "depends_on")),
    required: required === undefined ? false : /^(true|yes|1)$/i.test(required),
    config:
      configJs && typeof configJs === "object" && !Array.isArray(configJs) ? (configJs as Record<string, unknown>) : {},
    env: [...globalEnv, ...readEnv(child(spec, "env") ?? child(spec, "environment"))],
    mounts: [],
    gpu: hints.evidence,
    ...(vram ? { vram } : {}),
    // A path alone is checked on the agent's own port.
    ...(health && (healthPort ?? mainPort)
      ? {
          healthCheck: {
            port: healthPort ?? (mainPort as number),
            ...(health.path ? { path: health.path } : {}),
            ...(health.timing ? { timing: health.timing } : {}),
          },
        }
      : {}),
    scalars: scalarsOf(spec).map((s) => ({ path: s.path, value: s.value, source: s.loc })),
    machines: machineKeys.flatMap((k) => readStringList(child(spec, k)).map((m) => m.name)),
  };
}

/**
 * The launcher's extra arguments: a list as written, a command line split as a shell splits it
 * (PM2's `args: "--port 5700 --device cuda:0"`), or a map of flag → value given as `--flag value`,
 * which a launcher left out when the value was empty or false.
 */
function launcherArgs(node: YNode | undefined): string[] {
  if (node?.kind === "seq") return node.items.flatMap((i) => scalar(i) ?? []);
  if (node?.kind === "scalar") return readCommand(node) ?? [];
  if (node?.kind !== "map") return [];
  return node.entries.flatMap((e) => {
    const value = scalar(e.value);
    return value === undefined || value === "" || /^false$/i.test(value) ? [] : [`--${e.key}`, value];
  });
}

/** `enabled: false` or `disabled: true`, on the agent or its `startup:` block: its launcher skipped it. */
function disabledBy(spec: YNode): LegacyAgent["disabled"] {
  for (const [node, prefix] of [
    [spec, ""],
    [child(spec, "startup"), "startup."],
  ] as const) {
    // As the launcher read it: `${ENABLE_X:-false}` is off unless the variable was set.
    const value = (key: string) => substitute(scalar(child(node, key)) ?? "").value.trim();
    const enabled = child(node, "enabled");
    const disabled = child(node, "disabled");
    if (enabled && /^(false|no|off)$/i.test(value("enabled")))
      return { reason: `${prefix}enabled: ${scalar(enabled)}`, source: enabled.loc };
    if (disabled && /^(true|yes|on)$/i.test(value("disabled")))
      return { reason: `${prefix}disabled: ${scalar(disabled)}`, source: disabled.loc };
  }
  return undefined;
}

/**
 * `wait_for_dependencies: false`, on the agent or its `startup:` block: its launcher started it
 * without waiting for its dependencies, as `startPolicy: Immediately` does.
 */
function startsImmediately(spec: YNode): LegacyAgent["startsImmediately"] {
  for (const node of [spec, child(spec, "startup")]) {
    const wait = child(node, "wait_for_dependencies");
    if (wait && /^(false|no|off)$/i.test(substitute(scalar(wait) ?? "").value.trim())) {
      return { said: `wait_for_dependencies: ${scalar(wait)}`, source: wait.loc };
    }
  }
  return undefined;
}

/** Groups that list agents by name (docker_groups): a name or description that speaks of GPUs marks its agents. */
function readGroupLists(node: YNode, out: StartupReading["gpuGroups"], path: string): void {
  if (node.kind !== "map") return;
  for (const e of node.entries) {
    const members = child(e.value, "agents");
    if (members?.kind === "seq") {
      const text = `${e.key} ${scalar(child(e.value, "description")) ?? ""}`;
      if (/\bgpu\b|_gpu\b|\bcuda\b|gpu-bound|gpu-intensive/i.test(text)) {
        out.push({ group: `${path}${e.key}`, agents: readStringList(members).map((m) => m.name), source: e.keyLoc });
      }
    } else if (e.value.kind === "map" && !looksLikeAgent(e.value)) {
      readGroupLists(e.value, out, `${path}${e.key}.`);
    }
  }
}

/** profiles / machines: {mainpc: [A, B]} or {mainpc: {agents|enabled|services: [A, B]}} or {mainpc: {A: true}}. */
function readProfiles(root: YNode, machineNames: readonly string[]): Map<string, Set<string>> {
  const profiles = new Map<string, Set<string>>();
  if (root.kind !== "map") return profiles;
  const machineOf = (key: string) => machineNames.find((name) => sameMachine(name, key));
  const enable = (machine: string, value: YNode) => {
    // A profile lists agents or the groups it runs (groups, agent_groups, enabled_groups): both are
    // names that assignMachines matches against an agent's name and the segments of its group.
    const list =
      value.kind === "seq"
        ? value
        : (child(value, "agents") ??
          child(value, "enabled") ??
          child(value, "services") ??
          child(value, "enabled_agents") ??
          child(value, "groups") ??
          child(value, "agent_groups") ??
          child(value, "enabled_groups"));
    // Only names: a list of agent specs is a machine section, read by walk().
    if (list?.kind === "seq" && list.items.some((i) => i.kind !== "scalar")) return;
    const names = new Set<string>(readStringList(list).map((x) => x.name));
    if (!list && value.kind === "map") {
      for (const e of value.entries) if (/^(true|yes|on|enabled)$/i.test(scalar(e.value) ?? "")) names.add(e.key);
    }
    if (names.size) profiles.set(machine, new Set([...(profiles.get(machine) ?? []), ...names]));
  };
  for (const top of root.entries) {
    const machine = machineOf(top.key);
    if (machine)
      enable(machine, top.value); // mainpc: [A, B] at the top
    else if (/profile|machine|host|node/i.test(top.key) && top.value.kind === "map") {
      for (const m of top.value.entries) {
        const named = machineOf(m.key);
        if (named) enable(named, m.value);
      }
    }
  }
  return profiles;
}

/** The machine a section key stands for: "pc2", "pc2_services", "mainpc-agents". */
function sectionMachine(key: string, machineNames: readonly string[]): string | undefined {
  const k = normaliseMachine(key);
  return machineNames.find((m) => k === normaliseMachine(m) || (/[_-]/.test(key) && k.startsWith(normaliseMachine(m))));
}

export const normaliseMachine = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
export const sameMachine = (a: string, b: string) => normaliseMachine(a) === normaliseMachine(b);

interface WalkContext {
  group: string | undefined;
  /** The machine of the section being read (a pc2_services list, a mainpc: block). */
  machine: string | undefined;
  globalEnv: EnvVar[];
  machineNames: readonly string[];
}

/** What a walk over a file finds: its agents, and the blocks that look like agents and are not. */
type Found = Pick<StartupReading, "agents" | "settings" | "elsewhere">;

function walk(node: YNode, ctx: WalkContext, found: Found): void {
  const { settings, elsewhere } = found;
  const add = (name: string, spec: YNode, source: Location) => {
    const agent = readAgent(name, spec, source, ctx.group, ctx.globalEnv, ctx.machineNames);
    found.agents.push(agent.machines.length === 0 && ctx.machine ? { ...agent, machines: [ctx.machine] } : agent);
  };
  if (node.kind === "map") {
    for (const e of node.entries) {
      const configures = settingsOf(e.key, e.value);
      const reachedAt = elsewhereAddress(e.value);
      if (configures) settings.push({ name: e.key, kind: configures, source: e.keyLoc });
      else if (reachedAt) elsewhere.push({ name: e.key, address: reachedAt, source: e.keyLoc });
      else if (looksLikeAgent(e.value)) add(e.key, e.value, e.keyLoc);
      else if (e.value.kind !== "scalar" && !/^(global_settings|environment|docker_groups)$/.test(e.key)) {
        const group = ctx.group ? `${ctx.group}.${e.key}` : e.key;
        walk(e.value, { ...ctx, group, machine: sectionMachine(e.key, ctx.machineNames) ?? ctx.machine }, found);
      }
    }
  } else if (node.kind === "seq") {
    for (const item of node.items) {
      const name = scalar(child(item, "name"));
      const reachedAt = name === undefined ? undefined : elsewhereAddress(item);
      if (name !== undefined && reachedAt) elsewhere.push({ name, address: reachedAt, source: item.loc });
      else if (name !== undefined && looksLikeAgent(item)) add(name, item, item.loc);
      else if (item.kind !== "scalar") walk(item, ctx, found);
    }
  }
}

export function readStartupConfig(root: YNode | undefined, machineNames: readonly string[]): StartupReading {
  const reading: StartupReading = { agents: [], gpuGroups: [], profiles: new Map(), settings: [], elsewhere: [] };
  // A launcher's list of agents at the top ([{name, script_path, port}, …]) has no settings around it.
  if (root?.kind === "seq") walk(root, { group: undefined, machine: undefined, globalEnv: [], machineNames }, reading);
  if (root?.kind !== "map") return reading;
  const globalEnv = readEnv(child(child(root, "global_settings"), "environment") ?? child(root, "environment"));
  walk(root, { group: undefined, machine: undefined, globalEnv, machineNames }, reading);
  readGroupLists(root, reading.gpuGroups, "");
  reading.profiles = readProfiles(root, machineNames);
  const limits = child(child(root, "global_settings"), "resource_limits");
  if (limits?.kind === "map" && limits.entries.length) {
    const settings = limits.entries.flatMap((e) => {
      const value = scalar(e.value);
      return value === undefined ? [] : [{ key: e.key, value }];
    });
    reading.limits = { settings, source: limits.loc };
  }
  // global_settings.health_checks: how the launcher checked every agent of the file (each one's own
  // block wins), seconds as it writes them.
  const shared = healthCheckTimingOf(child(child(root, "global_settings"), "health_checks"), { bareSeconds: true });
  if (shared) {
    reading.agents = reading.agents.map((a) =>
      a.healthCheck ? { ...a, healthCheck: { ...a.healthCheck, timing: { ...shared, ...a.healthCheck.timing } } } : a,
    );
  }
  return reading;
}

/** True when a parsed file defines agents the way startup configs do. */
export function isStartupConfig(root: YNode | undefined): boolean {
  const found: Found = { agents: [], settings: [], elsewhere: [] };
  if (root) walk(root, { group: undefined, machine: undefined, globalEnv: [], machineNames: [] }, found);
  return found.agents.length > 0;
}

export type { GpuEvidence };
export { agentKeys };
