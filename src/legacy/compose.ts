// docker-compose and podman-compose files: services with images, published ports, environment,
// volumes, `runtime: nvidia` and device reservations. Anchors and merge keys are resolved by the
// YAML reader, so a service's own environment replaces its template's, as compose does.
import { posix } from "node:path";
import { join as shellJoin } from "shlex";
import { inWords } from "../lib/words.ts";
import { flagSettings, readCommand, readEnv, readStringList, statedVram } from "./agent-fields.ts";
import { commandPorts, containerPorts, environmentPorts, publishedPorts } from "./compose-ports.ts";
import { quantity } from "./compose-quantity.ts";
import { dataVolumes, hostMounts } from "./compose-volumes.ts";
import { durationSeconds, readHealthCheck } from "./healthcheck.ts";
import { knownServer, serverDefaultVram } from "./inference-servers.ts";
import { infrastructureOfImage } from "./infrastructure.ts";
import {
  type ComposeConfigFile,
  type ComposeExtends,
  type GpuEvidence,
  type HostAccess,
  type HostMount,
  type LegacyAgent,
  type Location,
  type SecretFile,
  where,
} from "./model.ts";
import { toDnsLabel } from "./names.ts";
import { jobFileName } from "./one-shot-jobs.ts";
import { substitute } from "./values.ts";
import { child, scalar, scalarsOf, toJS, type YNode } from "./yaml-source.ts";

/** The keys of a compose service (the Compose Specification's), by which its services: is told apart. */
const composeServiceKeys = new Set(
  [
    "annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs ",
    "container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime ",
    "cpu_shares cpus cpuset credential_spec depends_on deploy develop device_cgroup_rules devices dns ",
    "dns_opt dns_search domainname driver_opts entrypoint env_file environment expose extends ",
    "external_links extra_hosts gpus group_add healthcheck hostname image init ipc isolation ",
    "label_file labels links logging mac_address mem_limit mem_reservation mem_swappiness ",
    "memswap_limit models network_mode networks oom_kill_disable oom_score_adj pid pids_limit ",
    "platform ports post_start pre_stop privileged profiles provider pull_policy read_only restart ",
    "runtime scale secrets security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt ",
    "sysctls tmpfs tty ulimits use_api_socket user userns_mode uts volumes volumes_from working_dir",
  ]
    .join("")
    .split(" "),
);

/**
 * A services: map as compose's: unless every service is a map of keys and none is a compose key
 * (`stt: {strategy, providers}` in a policy file; `mainpc: {coordination: …}` in a tracing config).
 */
export function isCompose(root: YNode | undefined): boolean {
  const services = child(root, "services");
  if (services?.kind !== "map") return false;
  const settingsOnly = (node: YNode) =>
    node.kind === "map" &&
    node.entries.length > 0 &&
    node.entries.every((e) => !composeServiceKeys.has(e.key) && !e.key.startsWith("x-"));
  return services.entries.length === 0 || !services.entries.every((e) => settingsOnly(e.value));
}

/** A service's command line as it runs: its entrypoint's words, then its command's. */
function commandLineOf(spec: YNode): { entrypoint?: string[]; command?: string[]; words: string[] } {
  const entrypoint = readCommand(child(spec, "entrypoint"));
  const command = readCommand(child(spec, "command"));
  return {
    ...(entrypoint ? { entrypoint } : {}),
    ...(command ? { command } : {}),
    words: [...(entrypoint ?? []), ...(command ?? [])],
  };
}

/** deploy.resources.reservations, where compose reserves devices and swarm its generic resources. */
const reservationsOf = (spec: YNode) => child(child(child(spec, "deploy"), "resources"), "reservations");

/**
 * What compose set of a service's surroundings that no pod spec carries, as written: its ulimits,
 * sysctls, extra_hosts (but the host-gateway, which is the PC: addresses.ts), dns and init.
 */
function runtimeSettingsOf(spec: YNode): NonNullable<LegacyAgent["runtimeSettings"]> {
  const said = (node: YNode) =>
    node.kind === "map"
      ? node.entries.map((e) => `${e.key}: ${scalar(e.value) ?? JSON.stringify(toJS(e.value))}`).join(", ")
      : node.kind === "seq"
        ? node.items.map((i) => scalar(i) ?? "").join(", ")
        : (scalar(node) ?? "");
  return ["ulimits", "sysctls", "extra_hosts", "dns", "dns_search", "init"].flatMap((key) => {
    const node = child(spec, key);
    if (!node) return [];
    if (key === "init" && scalar(node) !== "true") return [];
    const text = key === "extra_hosts" ? extraHostsSaid(node) : said(node);
    return text ? [{ key, said: text, source: node.loc }] : [];
  });
}

/** extra_hosts but those of the host-gateway (the PC itself), as written: NAME:IP or NAME=IP. */
function extraHostsSaid(node: YNode): string {
  const entries =
    node.kind === "map"
      ? node.entries.map((e) => `${e.key}:${scalar(e.value) ?? ""}`)
      : node.kind === "seq"
        ? node.items.map((i) => scalar(i) ?? "")
        : [];
  return entries.filter((e) => e && !/host-gateway$/.test(e)).join(", ");
}

/**
 * How compose stopped the service: stop_grace_period (1m30s) before it killed it, and stop_signal
 * when it is not SIGTERM, the signal Kubernetes sends.
 */
function stoppingOf(spec: YNode): Pick<LegacyAgent, "stopGracePeriod" | "stopSignal"> {
  const grace = child(spec, "stop_grace_period");
  const seconds = durationSeconds(substitute(scalar(grace) ?? "").value);
  const signalNode = child(spec, "stop_signal");
  const signal = substitute(scalar(signalNode) ?? "")
    .value.trim()
    .toUpperCase();
  const named = signal && !signal.startsWith("SIG") && !/^\d+$/.test(signal) ? `SIG${signal}` : signal;
  return {
    ...(grace && seconds !== undefined ? { stopGracePeriod: { seconds, source: grace.loc } } : {}),
    ...(signalNode && named && named !== "SIGTERM" && named !== "15"
      ? { stopSignal: { signal: named, source: signalNode.loc } }
      : {}),
  };
}

/** A host path under /dev is a device: host access, not a directory to move (scans.ts). */
const devicePath = /^\/dev\/./;

/**
 * What a service had of its PC beyond files: devices, the host's network, privilege, added
 * capabilities; and its host paths under /dev, which are devices too.
 */
function hostAccessOf(spec: YNode, deviceMounts: readonly HostMount[]): HostAccess[] {
  const found: HostAccess[] = [];
  const devices = child(spec, "devices");
  for (const d of devices?.kind === "seq" ? devices.items : []) {
    const js = toJS(d) as string | { source?: string };
    const path = substitute(typeof js === "string" ? (js.split(":")[0] ?? "") : (js.source ?? "")).value;
    if (path) found.push({ kind: "device", what: path, source: d.loc });
  }
  for (const m of deviceMounts) {
    if (!found.some((f) => f.what === m.hostPath)) found.push({ kind: "device", what: m.hostPath, source: m.source });
  }
  const network = child(spec, "network_mode");
  if (scalar(network) === "host")
    found.push({ kind: "network", what: "network_mode: host", source: network?.loc ?? spec.loc });
  const privileged = child(spec, "privileged");
  if (/^true$/i.test(scalar(privileged) ?? ""))
    found.push({ kind: "privileged", what: "privileged: true", source: privileged?.loc ?? spec.loc });
  for (const c of readStringList(child(spec, "cap_add")))
    found.push({ kind: "capability", what: c.name, source: c.source });
  // user: root, 0 or 0:0 asked for root; an agent's pod runs as user 1000.
  const user = child(spec, "user");
  if (/^(root|0)(:(root|0))?$/i.test(substitute(scalar(user) ?? "").value.trim()))
    found.push({ kind: "root", what: `user: ${scalar(user)}`, source: user?.loc ?? spec.loc });
  return found;
}

/** The keys a service gives with compose's !reset or !override tag: they replace what earlier files gave. */
function replacedKeysOf(spec: YNode): string[] {
  return spec.kind === "map" ? spec.entries.filter((e) => e.value.composeTag).map((e) => e.key) : [];
}

/** The host a swarm stack's placement constraint pins the service to: node.hostname == pc2. */
function placedOnOf(spec: YNode): LegacyAgent["placedOn"] {
  const constraints = child(child(child(spec, "deploy"), "placement"), "constraints");
  for (const c of readStringList(constraints)) {
    const host = /^node\.hostname\s*==\s*(\S+)$/.exec(substitute(c.name).value.trim())?.[1];
    if (host) return { host, said: c.name, source: c.source };
  }
  return undefined;
}

/**
 * How many cards, or which, a service reserved: a device reservation's count or device_ids, or the
 * short `gpus:` (2, or all). None when it took one card, all of them, or did not say.
 */
function gpuDevicesOf(spec: YNode): LegacyAgent["gpuDevices"] {
  const gpus = child(spec, "gpus");
  const count = Number(scalar(gpus));
  if (Number.isInteger(count) && count > 1) return { count, said: `gpus: ${count}`, source: gpus?.loc ?? spec.loc };
  const devices = child(reservationsOf(spec), "devices");
  for (const d of devices?.kind === "seq" ? devices.items : []) {
    const reserved = Number(substitute(scalar(child(d, "count")) ?? "").value);
    if (Number.isInteger(reserved) && reserved > 1)
      return { count: reserved, said: `count: ${reserved}`, source: d.loc };
    const ids = readStringList(child(d, "device_ids")).map((i) => i.name);
    if (ids.length > 1) return { count: ids.length, said: `device_ids: [${ids.join(", ")}]`, source: d.loc };
    // The first card ("0") is the card of a PC with one, which is what the device plugin gives.
    const [id] = ids;
    if (id !== undefined && id !== "0") return { deviceId: id, said: `device_ids: [${id}]`, source: d.loc };
  }
  return undefined;
}

function gpuEvidence(spec: YNode, env: { name: string; value: string }[]): GpuEvidence[] {
  const evidence: GpuEvidence[] = [];
  const runtime = child(spec, "runtime");
  if (scalar(runtime) === "nvidia") evidence.push({ reason: "runtime: nvidia", source: runtime?.loc ?? spec.loc });
  const gpus = child(spec, "gpus");
  if (gpus) evidence.push({ reason: `gpus: ${scalar(gpus) ?? "set"}`, source: gpus.loc });
  const devices = child(reservationsOf(spec), "devices");
  for (const d of devices?.kind === "seq" ? devices.items : []) {
    const text = JSON.stringify(toJS(d));
    if (/nvidia|gpu/i.test(text)) evidence.push({ reason: "a GPU device reservation", source: d.loc });
  }
  // A swarm stack reserves a node's GPUs as generic resources ({discrete_resource_spec: {kind: NVIDIA-GPU}}).
  const generic = child(reservationsOf(spec), "generic_resources");
  for (const g of generic?.kind === "seq" ? generic.items : []) {
    const kind =
      scalar(child(child(g, "discrete_resource_spec"), "kind")) ??
      scalar(child(child(g, "named_resource_spec"), "kind"));
    if (kind && /gpu/i.test(kind)) evidence.push({ reason: `a swarm GPU reservation (${kind})`, source: g.loc });
  }
  for (const e of env) {
    if (/^(NVIDIA|CUDA)_VISIBLE_DEVICES$/.test(e.name) && !/^(void|none|)$/i.test(e.value.trim())) {
      evidence.push({ reason: `${e.name}=${e.value}`, source: spec.loc });
    }
  }
  return evidence;
}

/** compose's container_name: the container's own name, which other stacks' addresses reach it by. */
function containerNameOf(spec: YNode): string | undefined {
  const name = scalar(child(spec, "container_name"));
  return name === undefined ? undefined : substitute(name).value.trim() || undefined;
}

/** The names besides its own that compose's network resolves to a service: container_name, network aliases. */
function hostnamesOf(spec: YNode, containerName: string | undefined): string[] {
  const networks = child(spec, "networks");
  const aliases =
    networks?.kind === "map" ? networks.entries.flatMap((e) => readStringList(child(e.value, "aliases"))) : [];
  const names = [...(containerName ? [containerName] : []), ...aliases.map((a) => a.name)];
  return [...new Set(names.map((n) => substitute(n).value.trim()).filter((n) => n !== ""))];
}

/** The directory compose builds the image from (build: DIR, or build: {context: DIR}), beside the compose file. */
function buildDirectoryOf(spec: YNode, composeFile: string): string | undefined {
  const build = child(spec, "build");
  if (!build) return undefined;
  const context = substitute(scalar(build) ?? scalar(child(build, "context")) ?? ".").value.trim();
  // A Git URL or another remote context is no directory of these files.
  if (/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) return undefined;
  return posix.normalize(posix.join(posix.dirname(composeFile), context));
}

/** Where compose takes a top-level secret from: a file (beside the file that defines it), a variable, or outside. */
export function secretDefinition(root: YNode, name: string): Pick<SecretFile, "from" | "fromFile"> {
  const defined = child(child(root, "secrets"), name);
  const file = scalar(child(defined, "file"));
  const variable = scalar(child(defined, "environment"));
  const from =
    file ??
    (variable ? `the variable ${variable}` : undefined) ??
    (scalar(child(defined, "external")) === "true" ? "an external secret" : undefined);
  return {
    ...(from ? { from } : {}),
    ...(file && defined ? { fromFile: posix.join(posix.dirname(defined.loc.file), file) } : {}),
  };
}

/**
 * The compose secrets a service reads: `secrets: [name]` or `[{source, target}]`, each a file under
 * /run/secrets (or at its target), taken from the top-level secrets: a file, a variable, or external
 * (in another file compose merges with this one: filled in by the fleet, withSecretsDefinedElsewhere).
 */
function secretFilesOf(spec: YNode, root: YNode): SecretFile[] {
  const node = child(spec, "secrets");
  return (node?.kind === "seq" ? node.items : []).flatMap((item) => {
    const name = scalar(item) ?? scalar(child(item, "source"));
    if (!name) return [];
    const target = scalar(child(item, "target")) ?? name;
    return [
      {
        name,
        target: target.startsWith("/") ? target : `/run/secrets/${target}`,
        ...secretDefinition(root, name),
        source: item.loc,
      },
    ];
  });
}

/**
 * The compose configs a service reads: `configs: [name]` (at /<name>) or `[{source, target}]`, each
 * taken from the top-level configs: of its file: inline content, a file, a variable, or external.
 */
function configFilesOf(spec: YNode, root: YNode): ComposeConfigFile[] {
  const node = child(spec, "configs");
  return (node?.kind === "seq" ? node.items : []).flatMap((item) => {
    const name = scalar(item) ?? scalar(child(item, "source"));
    if (!name) return [];
    const target = scalar(child(item, "target")) ?? `/${name}`;
    const defined = child(child(root, "configs"), name);
    const content = child(defined, "content");
    const file = scalar(child(defined, "file"));
    const variable = scalar(child(defined, "environment"));
    const from = content
      ? `its content at ${where(content.loc)}`
      : file
        ? `the file ${file}`
        : variable
          ? `the variable ${variable}`
          : scalar(child(defined, "external")) === "true"
            ? "an external config"
            : "a config no file given defines";
    const text = content ? scalar(content) : undefined;
    return [
      {
        name,
        target: target.startsWith("/") ? target : `/${target}`,
        from,
        source: item.loc,
        ...(text !== undefined && content ? { content: { text, source: content.loc } } : {}),
        ...(file && !content ? { file } : {}),
      },
    ];
  });
}

/**
 * The models a service binds (compose 2.38's models:, which Docker Model Runner serves on the PC):
 * `models: [llm]`, with the variables compose sets for it (LLM_URL and LLM_MODEL), or
 * `models: {llm: {endpoint_var, model_var}}`; each with the model its top-level models: names.
 */
function composeModelsOf(spec: YNode, root: YNode): NonNullable<LegacyAgent["composeModels"]> {
  const node = child(spec, "models");
  const given =
    node?.kind === "map"
      ? node.entries.map((e) => ({ name: e.key, options: e.value, source: e.keyLoc }))
      : readStringList(node).map((m) => ({ name: m.name, options: undefined, source: m.source }));
  return given.map(({ name, options, source }) => {
    const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
    const model = scalar(child(child(child(root, "models"), name), "model"));
    return {
      name,
      ...(model ? { model } : {}),
      urlVariable: scalar(child(options, "endpoint_var")) ?? `${prefix}_URL`,
      modelVariable: scalar(child(options, "model_var")) ?? `${prefix}_MODEL`,
      source,
    };
  });
}

/** env_file: a path, a list of paths, or a list of {path, required}. */
function envFilesOf(spec: YNode): NonNullable<LegacyAgent["envFiles"]> {
  const node = child(spec, "env_file");
  const items = node?.kind === "seq" ? node.items : node ? [node] : [];
  return items.flatMap((item) => {
    const path = (scalar(item) ?? scalar(child(item, "path")))?.trim();
    // required: false (compose 2.24): compose runs the service without the file when it is absent.
    const optional = /^false$/i.test(scalar(child(item, "required")) ?? "");
    return path ? [{ path, source: item.loc, ...(optional ? { optional: true as const } : {}) }] : [];
  });
}

/** A compose service's profiles: as written, where. */
export type ComposeProfiles = NonNullable<LegacyAgent["composeProfiles"]>;

/**
 * A service compose starts only for a profile not asked for (`profiles: [debug]` without
 * `--profile debug`): `docker compose up` never ran it.
 */
export function outOfProfile(
  key: string,
  profiles: ComposeProfiles | undefined,
  enabled: ReadonlySet<string>,
): LegacyAgent["disabled"] {
  const names = profiles?.names ?? [];
  if (!profiles || names.length === 0 || enabled.has("*") || names.some((p) => enabled.has(p))) return undefined;
  return {
    reason: `compose starts ${key} only with --profile ${names.join(" or --profile ")}`,
    source: profiles.source,
    switchOn: `Import with --profile ${names[0]} to run it`,
  };
}

function profilesOf(spec: YNode): ComposeProfiles | undefined {
  const node = child(spec, "profiles");
  const names = readStringList(node).map((p) => p.name);
  return node && names.length ? { names, source: node.loc } : undefined;
}

/** extends: a service name, or {service, file}; undefined when absent or naming no service. */
function extendsOf(spec: YNode): ComposeExtends | undefined {
  const node = child(spec, "extends");
  const service = scalar(node) ?? scalar(child(node, "service"));
  if (!node || !service?.trim()) return undefined;
  const file = scalar(child(node, "file"))?.trim();
  return {
    service: service.trim(),
    ...(file ? { file } : {}),
    source: node.loc,
    ownImageOrBuild: child(spec, "image") !== undefined || child(spec, "build") !== undefined,
  };
}

/** A depends_on entry compose waits on to exit 0, not to run: `condition: service_completed_successfully`. */
const waitsToFinish = (dependency: YNode) =>
  scalar(child(dependency, "condition")) === "service_completed_successfully";

/**
 * The services others wait on to finish (a model download, a migration): each, with the services
 * that wait and where. compose ran it once; an AgentDeployment would start it again after each exit.
 */
function oneShotsOf(services: YNode): Map<string, { waiting: string[]; source: Location }> {
  const found = new Map<string, { waiting: string[]; source: Location }>();
  for (const { key, value } of services.kind === "map" ? services.entries : []) {
    const dependsOn = child(value, "depends_on");
    for (const e of dependsOn?.kind === "map" ? dependsOn.entries : []) {
      if (!waitsToFinish(e.value)) continue;
      const seen = found.get(e.key);
      found.set(e.key, { waiting: [...(seen?.waiting ?? []), key], source: seen?.source ?? e.keyLoc });
    }
  }
  return found;
}

/** Why a one-shot service is not an agent, and how to run it: a Job, before the agents that waited. */
function oneShotDisabled(
  key: string,
  once: { waiting: string[]; source: Location },
  spec: YNode,
  services: YNode,
): NonNullable<LegacyAgent["disabled"]> {
  // What it leaves for the service that waits (the model it downloaded) is in a volume they share.
  const first = once.waiting[0] ?? "";
  const named = (s: YNode | undefined, name: string) => (s ? dataVolumes(s, name).flatMap((v) => v.volume ?? []) : []);
  const shared = named(spec, key).filter((v) => named(child(services, first), first).includes(v));
  const image = scalar(child(spec, "image"));
  const command = shellJoin(commandLineOf(spec).words);
  const name = toDnsLabel(key);
  const waits = `${inWords(once.waiting)} ${once.waiting.length === 1 ? "waits" : "wait"}`;
  // One that needs a GPU is left to the person: a Job of the importer's would hold no card.
  const needsGpu = gpuEvidence(spec, readEnv(child(spec, "environment"))).length > 0;
  return {
    reason: `it runs once and exits: ${waits} for it to finish (condition: service_completed_successfully)`,
    source: once.source,
    switchOn: needsGpu
      ? `Run it once as a Kubernetes Job in the agents' namespace before you apply (kubectl create job ${name} --image=${image ?? "IMAGE"}${command ? ` -- ${command}` : ""}${
          shared.length
            ? `; it wrote to ${inWords(shared)}, which ${first} reads, so write the Job out with --dry-run=client -o yaml and mount ${first}'s claim of it there`
            : ""
        }), give it the GPU it needs, or make it part of ${first}'s own start`
      : `It is written as the Job ${name} (${jobFileName(name)}), which kubectl apply -k runs once beside the agents${
          shared.length ? `, writing to ${first}'s claim of ${inWords(shared)}` : ""
        }: ${once.waiting.length === 1 ? `${first} no longer waits` : `${inWords(once.waiting)} no longer wait`} for it, and may restart until it has finished. To run it again, delete the Job and apply again`,
    oneShot: true,
    ...(needsGpu ? {} : { asJob: true as const }),
  };
}

/** The services of a compose file; `profiles` are those asked for, as `docker compose --profile`. */
export function readCompose(root: YNode, profiles: ReadonlySet<string> = new Set()): Omit<LegacyAgent, "machine">[] {
  const services = child(root, "services");
  if (services?.kind !== "map") return [];
  const oneShots = oneShotsOf(services);
  return services.entries.map(({ key, keyLoc, value: spec }) => {
    const composeProfiles = profilesOf(spec);
    const once = oneShots.get(key);
    const disabled =
      outOfProfile(key, composeProfiles, profiles) ?? (once ? oneShotDisabled(key, once, spec, services) : undefined);
    const bound = hostMounts(child(spec, "volumes"));
    const mounts = bound.filter((m) => !devicePath.test(m.hostPath));
    const hostAccess = hostAccessOf(
      spec,
      bound.filter((m) => devicePath.test(m.hostPath)),
    );
    const env = readEnv(child(spec, "environment"));
    const deploy = child(spec, "deploy");
    const limits = child(child(deploy, "resources"), "limits");
    const reservations = reservationsOf(spec);
    const buildService = scalar(child(child(child(spec, "build"), "args"), "SERVICE"));
    const serviceName = env.find((e) => e.name === "SERVICE_NAME")?.value ?? buildService;
    // deploy.replicas, else compose's older service-level scale.
    const replicas = Number(substitute(scalar(child(deploy, "replicas") ?? child(spec, "scale")) ?? "").value);
    const image = scalar(child(spec, "image"));
    // deploy.resources, else compose's older service-level cpus, mem_limit and mem_reservation.
    const reserved = `services.${key}.deploy.resources.reservations`;
    const limited = `services.${key}.deploy.resources.limits`;
    const cpu = quantity(reservations, "cpus", "cpu", reserved);
    const memory =
      quantity(reservations, "memory", "memory", reserved) ??
      quantity(spec, "mem_reservation", "memory", `services.${key}`);
    const cpuLimit = quantity(limits, "cpus", "cpu", limited) ?? quantity(spec, "cpus", "cpu", `services.${key}`);
    const memoryLimit =
      quantity(limits, "memory", "memory", limited) ?? quantity(spec, "mem_limit", "memory", `services.${key}`);
    const imageName = image ? substitute(image).value : undefined;
    const infrastructure = infrastructureOfImage(imageName);
    const { entrypoint, command, words } = commandLineOf(spec);
    const server = knownServer(imageName, words);
    // On compose's network a service is reached on any port without ports: or expose:; Redis,
    // NATS or PostgreSQL listen where their images do, which their Service must carry.
    const declaredPorts = containerPorts(spec);
    const said = [
      ...new Set([
        ...(declaredPorts.tcp.length || declaredPorts.udp.length ? declaredPorts.tcp : (infrastructure?.ports ?? [])),
        ...commandPorts(words, spec.loc),
        ...environmentPorts(env),
      ]),
    ];
    // An inference server (vLLM, TGI) that says nothing of its port serves on its own, and answers
    // its health there.
    const listening = said.length || !server ? said : [server.server.port];
    const health =
      readHealthCheck(spec, listening, env) ??
      (server && listening[0] !== undefined ? { port: listening[0], path: server.server.healthPath } : undefined);
    const dependsOn = child(spec, "depends_on");
    // depends_on: a list, or a map of service → {condition, required, restart}; required: false is
    // an optional dependency (compose 2.20+), and links: name the same services.
    const dependencies = [
      ...(dependsOn?.kind === "map"
        ? // One it waits on to finish is no agent to start after (see oneShotsOf).
          dependsOn.entries
            .filter((e) => !waitsToFinish(e.value))
            .map((e) => ({
              name: e.key,
              source: e.keyLoc,
              ...(scalar(child(e.value, "required")) === "false" ? { optional: true } : {}),
            }))
        : readStringList(dependsOn)),
      ...readStringList(child(spec, "links")).map((l) => ({ ...l, name: l.name.split(":")[0] ?? l.name })),
    ].filter((d, i, all) => all.findIndex((o) => o.name === d.name) === i);
    const volumes = dataVolumes(spec, key);
    const envFiles = envFilesOf(spec);
    const secretFiles = secretFilesOf(spec, root);
    const configFiles = configFilesOf(spec, root);
    const composeModels = composeModelsOf(spec, root);
    const network = scalar(child(spec, "network_mode"));
    const sharedWith = /^(service|container):(.+)$/.exec(network?.trim() ?? "")?.[2];
    const containerName = containerNameOf(spec);
    const hostnames = hostnamesOf(spec, containerName);
    const workingDir = substitute(scalar(child(spec, "working_dir")) ?? "").value.trim();
    const { stopGracePeriod, stopSignal } = stoppingOf(spec);
    const runtimeSettings = runtimeSettingsOf(spec);
    const buildDirectory = buildDirectoryOf(spec, keyLoc.file);
    const extendsService = extendsOf(spec);
    const gpu = gpuEvidence(spec, env);
    const gpuDevices = gpu.length ? gpuDevicesOf(spec) : undefined;
    const placedOn = placedOnOf(spec);
    const replacedKeys = replacedKeysOf(spec);
    // What its environment and its command's flags say of its VRAM (VRAM_LIMIT_MB=6000,
    // --gpu-memory-utilization 0.5), else what a known server takes by default: compose gives a
    // reservation a device, not an amount.
    const serverDefault =
      server && serverDefaultVram(server, (child(spec, "image") ?? child(spec, "command") ?? spec).loc);
    const vram = statedVram([
      ...env.map((e) => ({ ...e, said: `${e.name}=${e.value}` })),
      ...flagSettings(words, (child(spec, "command") ?? spec).loc),
    ]);
    return {
      legacyName: key,
      from: "compose" as const,
      source: keyLoc,
      ...(imageName ? { image: imageName } : {}),
      ...(entrypoint ? { command: entrypoint } : {}),
      ...(command ? { args: command } : {}),
      ports: publishedPorts(child(spec, "ports")),
      ...(listening.length ? { containerPorts: listening } : {}),
      ...(declaredPorts.udp.length ? { udpPorts: declaredPorts.udp } : {}),
      ...(volumes.length ? { volumes } : {}),
      ...(envFiles.length ? { envFiles } : {}),
      dependencies,
      required: false,
      config: {},
      env,
      mounts,
      ...(hostAccess.length ? { hostAccess } : {}),
      ...(secretFiles.length ? { secretFiles } : {}),
      ...(configFiles.length ? { configFiles } : {}),
      ...(composeModels.length ? { composeModels } : {}),
      ...(sharedWith
        ? {
            sharesNetworkOf: {
              name: sharedWith,
              said: `network_mode: ${network?.trim()}`,
              source: child(spec, "network_mode")?.loc ?? keyLoc,
            },
          }
        : {}),
      // A container has a GPU only by its runtime, devices or NVIDIA_VISIBLE_DEVICES: a VRAM figure
      // says how much of it, not that it has one.
      gpu: gpu.length ? [...gpu, ...vram.evidence] : [],
      ...(gpuDevices ? { gpuDevices } : {}),
      ...(placedOn ? { placedOn } : {}),
      ...(replacedKeys.length ? { replacedKeys } : {}),
      ...(gpu.length && (vram.vram ?? serverDefault) ? { vram: vram.vram ?? serverDefault } : {}),
      ...(Number.isInteger(replicas) && replicas > 0 ? { replicas } : {}),
      ...(cpu || memory || cpuLimit || memoryLimit
        ? {
            resources: {
              ...(cpu ? { cpu } : {}),
              ...(memory ? { memory } : {}),
              ...(cpuLimit ? { cpuLimit } : {}),
              ...(memoryLimit ? { memoryLimit } : {}),
            },
          }
        : {}),
      ...(health ? { healthCheck: health } : {}),
      ...(serviceName ? { serviceName } : {}),
      ...(hostnames.length ? { hostnames } : {}),
      ...(containerName ? { containerName } : {}),
      // A relative one is compose's mistake (it refuses it): the image's WORKDIR stays.
      ...(workingDir.startsWith("/") ? { workingDir } : {}),
      ...(stopGracePeriod ? { stopGracePeriod } : {}),
      ...(stopSignal ? { stopSignal } : {}),
      ...(runtimeSettings.length ? { runtimeSettings } : {}),
      // Neither an image nor a build (nor extends: a base that may have them): what an override file gives.
      ...(!image && !child(spec, "build") && !extendsService ? { overrideOnly: true as const } : {}),
      ...(extendsService ? { extendsService } : {}),
      ...(buildDirectory ? { buildDirectory } : {}),
      ...(disabled ? { disabled } : {}),
      ...(composeProfiles ? { composeProfiles } : {}),
      ...(infrastructure ? { infrastructure: { kind: infrastructure.kind, stateful: infrastructure.stateful } } : {}),
      scalars: scalarsOf(spec).map((s) => ({ path: s.path, value: s.value, source: s.loc })),
    };
  });
}

/** Scalars outside the services (networks, subnets): addresses live there too. */
export function fileLevelScalars(root: YNode): LegacyAgent["scalars"] {
  if (root.kind !== "map") return [];
  return root.entries
    .filter((e) => e.key !== "services")
    .flatMap((e) => scalarsOf(e.value, e.key).map((s) => ({ path: s.path, value: s.value, source: s.loc })));
}
