// The importer's vocabulary: where a thing was read, the agents it found, what it found wrong.

export interface Location {
  file: string;
  line: number;
  column: number;
}

export const where = (loc: Location) => `${loc.file}:${loc.line}`;

/** Where a definition holds the scalar at this path (config.redis.url); the definition itself if nowhere. */
export const scalarSource = (def: Pick<LegacyAgent, "scalars" | "source">, path: string): Location =>
  def.scalars.find((s) => s.path === path)?.source ?? def.source;

/**
 * An agent's command line (compose's entrypoint as `command`, its command as `args`) with each list
 * it has mapped: for the passes that rewrite tokens (variables, addresses).
 */
export function mapCommandLine(
  agent: Pick<LegacyAgent, "command" | "args">,
  map: (tokens: string[], field: "command" | "args") => string[],
): Pick<LegacyAgent, "command" | "args"> {
  return {
    ...(agent.command ? { command: map(agent.command, "command") } : {}),
    ...(agent.args ? { args: map(agent.args, "args") } : {}),
  };
}

/**
 * The text of a file a compose file names (its path as written there, beside the compose file: an
 * env_file, the .env, an extends: file), or undefined when it cannot be read. The CLI reads the
 * disk; the import itself reads none.
 */
export type BesideFileReader = (composeFile: string, path: string) => string | undefined;

/** Unusable input: the import stops and nothing is written (exit status 2). */
export class InputError extends Error {
  readonly location: Location | undefined;
  constructor(message: string, location?: Location) {
    super(location ? `${location.file}:${location.line}:${location.column}: ${message}` : message);
    this.name = "InputError";
    this.location = location;
  }
}

/** Several files' errors as one, each on a line of its own as a compiler lists them; undefined for none. */
export function oneError(errors: readonly InputError[]): InputError | undefined {
  if (errors.length <= 1) return errors[0];
  return new InputError(
    `${errors.length} of the files cannot be imported; mend them or leave them out:\n${errors.map((e) => `  ${e.message}`).join("\n")}`,
  );
}

export type Severity = "blocker" | "warning" | "info";

export type FindingKind =
  | "port-conflict"
  | "port-range"
  | "dependency-cycle"
  | "missing-dependency"
  | "cross-machine-dependency"
  | "duplicate-agent"
  | "decommissioned-agent"
  | "disabled-agent"
  | "one-shot"
  | "infrastructure-settings"
  | "resource-limits"
  | "host-access"
  | "external-agent"
  | "secret"
  | "host-mount"
  | "hardcoded-address"
  | "network-internal"
  | "compose-fragment"
  | "compose-extends"
  | "compose-config"
  | "compose-model"
  | "shared-network"
  | "included-file"
  | "compose-drift"
  | "duplicate-key"
  | "gpu-estimate"
  | "gpu-share"
  | "gpu-devices"
  | "image-guessed"
  | "image-set"
  | "fallback-added"
  | "machine-inferred"
  | "machine-unknown"
  | "on-every-machine"
  | "address-rewritten"
  | "listen-address"
  | "infrastructure-stateful"
  | "infrastructure-missing"
  | "healthcheck-dropped"
  | "env-file"
  | "data-volume"
  | "stopping"
  | "runtime-settings"
  | "variable-unresolved";

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  machine?: string;
  agents: string[];
  port?: number;
  message: string;
  source: string; // file:line
}

/** A finding about one agent, on its machine, at a place in its files. */
export function agentFinding(
  agent: Pick<LegacyAgent, "machine" | "legacyName">,
  f: Pick<Finding, "kind" | "severity" | "port" | "message"> & { source: Location },
): Finding {
  return {
    kind: f.kind,
    severity: f.severity,
    machine: agent.machine,
    agents: [agent.legacyName],
    ...(f.port !== undefined ? { port: f.port } : {}),
    message: f.message,
    source: where(f.source),
  };
}

export interface PortUse {
  port: number;
  /**
   * "port", "health", "config KEY" for a config key such as grpc_port, "bind KEY" for an address
   * that binds every address (pub_address: tcp://*:5561), or "host" for a published compose port.
   */
  role: string;
  source: Location;
  /** For a port compose publishes on the host: the container's port behind it, which the Service exposes. */
  target?: number;
  /** Published for UDP (5060:5060/udp): it takes the number from no TCP listener, nor one from it. */
  udp?: true;
}

export interface EnvVar {
  name: string;
  value: string;
  source: Location;
}

export interface HostMount {
  hostPath: string;
  target: string;
  source: Location;
}

/** A compose volume that is not a host path: a named volume (data to keep) or an anonymous one / tmpfs (scratch). */
export interface DataVolume {
  /** The named volume; undefined for scratch. */
  volume?: string;
  target: string;
  readOnly: boolean;
  source: Location;
  /** Not in the compose file: scratch space where an infrastructure image writes (infrastructure.ts). */
  forImage?: true;
  /** Held in RAM as compose gave it (a tmpfs; /dev/shm by shm_size or ipc: host), with its size. */
  inMemory?: { sizeLimit?: string; said: string };
}

export interface GpuEvidence {
  reason: string;
  source: Location;
}

export interface HostAccess {
  kind: "device" | "network" | "privileged" | "capability" | "root";
  /** As the file wrote it: /dev/snd, network_mode: host, SYS_NICE. */
  what: string;
  source: Location;
}

/** A probe's timing as spec.healthCheck takes it. */
export type HealthCheckTiming = Partial<
  Record<"periodSeconds" | "timeoutSeconds" | "failureThreshold" | "startupSeconds", number>
>;

/** A compose secret a service reads as a file (/run/secrets/NAME): compose's secrets:, not a value. */
export interface SecretFile {
  name: string;
  /** Where the container reads it. */
  target: string;
  /** Where compose took it from, as written: ./secrets/openai_api_key, or the variable HF_TOKEN. */
  from?: string;
  /** The file compose read it from, beside the compose file: what `kubectl create secret --from-file` reads. */
  fromFile?: string;
  source: Location;
}

/** A compose config a service reads as a file: where, and what compose took it from. */
export interface ComposeConfigFile {
  name: string;
  /** Where the container reads it: its target, else /<name>. */
  target: string;
  /** Where compose took it from: inline content at a line, a file, a variable, or an external config. */
  from: string;
  source: Location;
  /** Its text, when compose gave it inline (content:), and where that text is. */
  content?: { text: string; source: Location };
  /** The file it is read from (file:), relative to the compose file. */
  file?: string;
  /** Carried into the agent's spec.config (compose-config-files.ts). */
  imported?: true;
}

/** A compose service's extends: (`extends: base`, or `{service, file}`), and what it gives of its own. */
export interface ComposeExtends {
  service: string;
  /** The other compose file, as written (relative to the service's file); none for a service of the same file. */
  file?: string;
  source: Location;
  /** Whether the service names an image or a build itself: if not, and its base has neither, it stays an override. */
  ownImageOrBuild: boolean;
}

/** One agent as a legacy file defines it, its values already resolved (${VAR:-default}, ${PORT_OFFSET}+N). */
export interface LegacyAgent {
  legacyName: string;
  machine: string;
  from: "startup" | "compose";
  source: Location;
  group?: string;
  scriptPath?: string;
  image?: string;
  command?: string[];
  /** Compose's command: arguments to the image's entrypoint (Kubernetes' args), as kompose maps it. */
  args?: string[];
  ports: PortUse[];
  /** The TCP ports the container listens on, as compose's ports (target side) and expose say. */
  containerPorts?: number[];
  /** Those it listens on for UDP (ports: "5060:5060/udp"). */
  udpPorts?: number[];
  /** Named and scratch volumes (compose); host paths are in mounts. */
  volumes?: DataVolume[];
  /** env_file entries not read (env-files.ts): their values are in no file the import was given. */
  envFiles?: { path: string; source: Location; optional?: true }[];
  /** env_file entries read into env, with how many variables each gave. */
  envFilesRead?: { path: string; source: Location; variables: number }[];
  dependencies: { name: string; source: Location; optional?: boolean }[];
  required: boolean;
  config: Record<string, unknown>;
  /** Where the agent reads its config file, when a compose config gave it (spec.configMountPath). */
  configMountPath?: string;
  env: EnvVar[];
  mounts: HostMount[];
  gpu: GpuEvidence[];
  /**
   * VRAM the files state: a need in MiB (a limit in its config) or a share of the card it runs on
   * (a fraction), with the setting that said it and where.
   */
  vram?: { mib?: number; fraction?: number; said: string; source: Location };
  /**
   * The cards a compose service reserved beyond one: a count (count: 2, gpus: 2, two device_ids),
   * or one card picked by its index (device_ids: ["1"]). An agent here runs on one card, the one
   * the device plugin gives it.
   */
  gpuDevices?: { count?: number; deviceId?: string; said: string; source: Location };
  /**
   * The host a swarm placement constraint pins a compose service to (node.hostname == pc2): its
   * machine, whatever its file's is.
   */
  placedOn?: { host: string; said: string; source: Location };
  replicas?: number;
  resources?: { cpu?: string; memory?: string; cpuLimit?: string; memoryLimit?: string };
  /**
   * An HTTP probe (port, path), a TCP one (tcp, port when known), with compose's timing when it
   * gave one; or none when the command probes neither (a note, saying when it checked nothing).
   */
  healthCheck?: {
    port?: number;
    path?: string;
    tcp?: boolean;
    /** compose's interval, retries and start_period, where they differ from the probe's defaults. */
    timing?: HealthCheckTiming;
    unsupported?: { command: string; source: Location; checksNothing?: boolean };
  };
  /** Shared infrastructure (Redis, NATS…) that a compose file runs: imported beside the agents. */
  infrastructure?: {
    kind: string;
    stateful: boolean;
    /** Env settings the import gave it to run on a read-only root (infrastructure.ts). */
    settingsAdded?: string[];
    /** Its volumes under a home uid 1000 cannot enter, mounted elsewhere, as `from → to`. */
    volumesMoved?: string[];
    /** Where its image writes beside its volumes is not known: it may not start on a read-only root. */
    writesUnknown?: boolean;
  };
  /** Compose services name the startup-config agent they run (SERVICE_NAME, build args). */
  serviceName?: string;
  /**
   * Other names compose's network knew it by, which other services' addresses use: its
   * container_name and network aliases (and the compose service a startup agent was merged with).
   */
  hostnames?: string[];
  /** compose's working_dir: where its process starts, instead of the image's WORKDIR. */
  workingDir?: string;
  /** compose's stop_grace_period: how long it was given to stop before it was killed. */
  stopGracePeriod?: { seconds: number; source: Location };
  /** compose's stop_signal, other than SIGTERM: the signal it stopped on. */
  stopSignal?: { signal: string; source: Location };
  /**
   * What compose set of its process's surroundings that no pod spec carries (ulimits, sysctls,
   * extra_hosts, dns, init): each key, as the file wrote it.
   */
  runtimeSettings?: { key: string; said: string; source: Location }[];
  /** A compose service's container_name: two services of one name and different container names are two containers. */
  containerName?: string;
  /**
   * A compose service with neither an image nor a build: settings for a service another file
   * defines (docker-compose.override.yml), which compose merges into it.
   */
  overrideOnly?: true;
  /**
   * compose's extends: the service whose definition this one takes and adds to, in its own file or
   * in `file`; resolved (compose-extends.ts) before anything else reads the service.
   */
  extendsService?: ComposeExtends;
  /** The directory a compose service builds its image from (its build context), beside its file. */
  buildDirectory?: string;
  /**
   * What a compose service had of its PC beyond files: devices (/dev/snd), its network, privilege,
   * added capabilities. A pod in the agents' restricted namespace has none of them.
   */
  hostAccess?: HostAccess[];
  /**
   * The service whose network it ran in (network_mode: service:web, or container:NAME): it reached
   * that service on localhost, and was reached at that service's address.
   */
  sharesNetworkOf?: { name: string; said: string; source: Location };
  /** The compose secrets it reads as files, which no manifest mounts. */
  secretFiles?: SecretFile[];
  /** The compose configs it reads as files (configs:), which no manifest carries. */
  configFiles?: ComposeConfigFile[];
  /**
   * The models Docker Model Runner served it (compose's models:), reached through the variables
   * compose set (LLM_URL, LLM_MODEL): nothing in the cluster serves them.
   */
  composeModels?: { name: string; model?: string; urlVariable: string; modelVariable: string; source: Location }[];
  /**
   * An agent its launcher skipped (`enabled: false`, a compose profile not asked for): not imported.
   * `switchOn` says how to import it after all, when the importer can.
   */
  /** Why it is not imported; a one-shot the import writes as a Job (one-shot-jobs.ts) says so. */
  disabled?: { reason: string; source: Location; switchOn?: string; oneShot?: true; asJob?: true };
  /**
   * The compose keys an override gives with !reset or !override: their values replace the base's
   * instead of merging with it (ports: !reset [] drops the base's ports).
   */
  replacedKeys?: string[];
  /** Its launcher started it without waiting for its dependencies (wait_for_dependencies: false). */
  startsImmediately?: { said: string; source: Location };
  /** A compose service's profiles:, which an extends: adds to those of the service that extends it. */
  composeProfiles?: { names: string[]; source: Location };
  /** Every scalar the definition holds, for the address and secret scans. */
  scalars: { path: string; value: string; source: Location }[];
}

export interface Decommissioned {
  legacyName: string;
  machine: string;
  reason: string;
  source: Location;
  /**
   * Not only in a comment: defined but switched off (`enabled: false`), or named as running on
   * another machine (an endpoint to reach it, nothing to run).
   */
  how?: "disabled" | "elsewhere";
  /** For one switched off: how to import it after all. */
  switchOn?: string;
  /** A compose service that ran once for others (they waited for it to finish): a Job's work, not an agent's. */
  oneShot?: true;
}

/** What a file did with an agent it does not run, in a sentence's words ("which mainpc.yaml:4 …"). */
export const putOutOfUse = (d: Decommissioned) =>
  d.how === "disabled" ? "disables" : d.how === "elsewhere" ? "names as running elsewhere" : "decommissioned";

/** What one file gave: its agents, what its comments decommission, its GPU groups, what it noticed. */
export interface FileReading {
  file: string;
  machine: string;
  kind: "startup" | "compose";
  agents: LegacyAgent[];
  decommissioned: Decommissioned[];
  findings: Finding[];
}

/** A legacy file as given to the import: its path and text, and what the command line says of it. */
export interface LegacyFile {
  path: string;
  text: string;
  /** From MACHINE=FILE on the command line. */
  machine?: string;
  /**
   * The env files of a compose file, as read (the .env beside it, or those of --dotenv, in order):
   * they fill the file's ${VAR}s and give its COMPOSE_PROFILES.
   */
  dotenv?: { path: string; text: string }[];
}

export interface FleetAgent extends LegacyAgent {
  /** The AgentDeployment's name: the legacy name as a DNS label, suffixed with the machine when two machines define it. */
  name: string;
  /** The compose service that runs this agent, when one does. */
  composeService?: string;
  /** The compose file of that service: its names resolve first among that file's services, as compose's network did. */
  composeFile?: string;
}

/** The files that define an agent: its own, and its compose service's when it was merged with one. */
export const definingFiles = (a: FleetAgent): string[] => [a.source.file, ...(a.composeFile ? [a.composeFile] : [])];
