// Reading one agent's legacy fields, whatever file shape holds them.

import { split as splitWords } from "shlex";
import { infrastructureOfName } from "./infrastructure.ts";
import { type EnvVar, type GpuEvidence, InputError, type LegacyAgent, type Location, type PortUse } from "./model.ts";
import { toPort } from "./values.ts";
import { child, scalar, scalarsOf, toJS, type YNode } from "./yaml-source.ts";

/** Keys that make a mapping an agent definition. */
export const agentKeys = ["script_path", "port", "health_check_port", "command", "image", "script", "module"] as const;

export function looksLikeAgent(node: YNode): boolean {
  if (node.kind !== "map") return false;
  const keys = node.entries.map((e) => e.key);
  const defining = keys.filter((k) => (agentKeys as readonly string[]).includes(k));
  if (defining.length === 0) return false;
  // A host beside a port, and nothing that runs or that an agent declares, says where something is
  // reached (redis_config: {host, port}): a setting, not an agent.
  const reachedAt =
    defining.length === 1 &&
    defining[0] === "port" &&
    keys.some((k) => /^(host|hostname|address|ip)$/.test(k)) &&
    !keys.some((k) => /^(required|dependencies|depends_on|script_path|script|env|environment)$/.test(k));
  return !reachedAt;
}

/** `path:` names the agent's script in some launchers' files; only a Python file is taken as one. */
export function pythonScript(node: YNode | undefined): string | undefined {
  const path = scalar(node)?.trim();
  return path && /\.py$/.test(path) ? path : undefined;
}

/** Whether a definition has something to run: a script, a command, an image. */
export function runsSomething(node: YNode): boolean {
  return (
    node.kind === "map" &&
    (node.entries.some((e) => /^(script_path|script|command|image|module)$/.test(e.key)) ||
      pythonScript(child(node, "path")) !== undefined)
  );
}

const bindAddress = /^(0\.0\.0\.0|\*|::|\[::\])$/;
const loopback = /^([a-z][a-z0-9+.-]*:\/\/)?(localhost|127\.0\.0\.1|\[::1\])([:/]|$)/i;

/**
 * The address a definition gives to reach it when it has nothing to run (`MemoryHub: {endpoint:
 * http://pc2:7010, machine: PC2, required: true}` under external_dependencies): the agent runs
 * elsewhere, and this is where this file's agents reach it. Undefined for anything else.
 */
export function elsewhereAddress(node: YNode): { key: string; value: string } | undefined {
  if (node.kind !== "map" || !looksLikeAgent(node) || runsSomething(node)) return undefined;
  for (const e of node.entries) {
    const value = scalar(e.value)?.trim();
    // A bind address or this machine's own (localhost) says where it runs here, not elsewhere.
    if (
      /^(endpoint|url|address|host|hostname)$/.test(e.key) &&
      value &&
      !bindAddress.test(value) &&
      !loopback.test(value)
    )
      return { key: e.key, value };
  }
  return undefined;
}

/** Environment as a map ({K: V}) or a list ("K=V", or {name, value}). */
export function readEnv(node: YNode | undefined): EnvVar[] {
  if (!node) return [];
  if (node.kind === "map") {
    return node.entries.map((e) => ({ name: e.key, value: scalar(e.value) ?? "", source: e.keyLoc }));
  }
  if (node.kind === "seq") {
    return node.items.flatMap((item) => {
      const text = scalar(item);
      if (text !== undefined) {
        const eq = text.indexOf("=");
        return [{ name: eq < 0 ? text : text.slice(0, eq), value: eq < 0 ? "" : text.slice(eq + 1), source: item.loc }];
      }
      const name = scalar(child(item, "name"));
      return name ? [{ name, value: scalar(child(item, "value")) ?? "", source: item.loc }] : [];
    });
  }
  return [];
}

export function readStringList(node: YNode | undefined): { name: string; source: Location }[] {
  if (!node) return [];
  if (node.kind === "seq") {
    return node.items.flatMap((i) => {
      const s = scalar(i)?.trim();
      return s ? [{ name: s, source: i.loc }] : [];
    });
  }
  const s = scalar(node);
  return s
    ? s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
        .map((name) => ({ name, source: node.loc }))
    : [];
}

const hostKeys = /^(host|hostname|server|address|addr|url|uri|endpoint)$/i;
const bindHost = /^(0\.0\.0\.0|\*|::|\[::\]|)$/;
/** Words that say a port is one the agent reaches, not one it serves on. */
const reachWords =
  /(^|[._])(remote|target|upstream|peer|broker|client|db|database|registry|parent|master|primary)([._]|$)/i;

/** The port of an address that binds every address (tcp://*:5561, 0.0.0.0:8000, [::]:9000), if it is one. */
export function boundPort(value: string): number | undefined {
  const bind = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*|0\.0\.0\.0|\[::\]):(\d{1,5})$/i.exec(value.trim());
  return bind ? toPort(bind[1]) : undefined;
}

/**
 * Ports a config block declares that the agent itself serves on (zmq_port, grpc_port, metrics_port…),
 * any depth. A port it uses to reach something is not its own and stays off its Service: one beside a
 * host or URL (redis: {host: localhost, port: 6379}), or under a key that names infrastructure or a
 * remote end (redis_port, db.port, upstream_port).
 */
export function configPorts(config: YNode | undefined, path = "config"): PortUse[] {
  if (!config || config.kind === "scalar") return [];
  if (config.kind === "seq") return config.items.flatMap((item, i) => configPorts(item, `${path}[${i}]`));
  const reachesOut = config.entries.some(
    (e) => hostKeys.test(e.key) && e.value.kind === "scalar" && !bindHost.test(String(scalar(e.value) ?? "").trim()),
  );
  return config.entries.flatMap((e) => {
    const at = `${path}.${e.key}`;
    if (e.value.kind !== "scalar") return configPorts(e.value, at);
    // pub_address: tcp://*:5561 binds every address of the pod on that port: one it serves on.
    const bound = boundPort(scalar(e.value) ?? "");
    // A bind of its own port is that port's listener, not a second one (findings/ports.ts).
    if (bound) return [{ port: bound, role: `bind ${at.replace(/^config\./, "")}`, source: e.value.loc }];
    if (!/(^|_)port$/i.test(e.key) || reachesOut) return [];
    const named = at.replace(/^config\./, "");
    // prometheus_port is where an agent serves its metrics: Prometheus reaches the agent, not the reverse.
    const reached = infrastructureOfName(named.replace(/(^|_)port$/i, ""));
    if (reachWords.test(named) || (reached && reached.kind !== "Prometheus")) return [];
    const port = toPort(scalar(e.value));
    return port ? [{ port, role: `config ${named}`, source: e.value.loc }] : [];
  });
}

/** Flags that name a port the program itself serves on: --port, and --<what it serves>-port. */
const servedPortFlag =
  /^(port|(listen|bind|serve|server|http|https|grpc|api|metrics|health|admin|ws|websocket|zmq|pub|rep|router)[._]port)$/i;

/**
 * Ports a command line's flags say the agent serves on (uvicorn's or vLLM's --port 8000,
 * --grpc-port=50051, gradio's --server-port), unless beside a host it reaches (--host redis --port
 * 6379). Only those names: --orchestrator-port is as often the port of what it reaches.
 */
export function flagPorts(args: readonly string[], source: Location): PortUse[] {
  const flags = flagSettings(args, source);
  const reachesOut = flags.some((f) => hostKeys.test(f.name.replace(/-/g, "_")) && !bindHost.test(f.value.trim()));
  return flags.flatMap((f) => {
    if (reachesOut || !servedPortFlag.test(f.name.replace(/-/g, "_"))) return [];
    const port = toPort(f.value);
    return port ? [{ port, role: `flag ${f.name}`, source }] : [];
  });
}

const gpuValue = /\bcuda(:\d+)?\b|\bgpu\b|rtx|nvidia/i;

/**
 * A setting's own name, however it came (config.model.gpu_device, GPU_MEMORY_LIMIT,
 * --gpu-memory-utilization): its last part, in lower case, with - as _.
 */
const settingKey = (name: string) => (name.split(".").pop() ?? name).toLowerCase().replace(/-/g, "_");

/**
 * Whether a setting says the agent runs on a GPU: a device that is one (device: cuda,
 * torch_device: cuda:1, gpu: 0), a switch that asks for one (use_gpu, requires_gpu, gpu_required:
 * true), Kubernetes' nvidia.com/gpu, or model layers offloaded to one (llama.cpp's n_gpu_layers).
 * A switch for watching GPUs (gpu_monitoring_enabled) is not one.
 */
function saysGpu(name: string, value: string): boolean {
  const key = settingKey(name);
  const v = value.trim();
  if (/nvidia\.com\/gpu$/i.test(name)) return Number(v) >= 1;
  if (/^(cuda_device|gpu_device|device|gpu|use_gpu|cuda_visible_devices)$/.test(key))
    return gpuValue.test(v) || /^(true|\d+)$/i.test(v);
  if (/(^|_)device$/.test(key)) return /^(cuda(:\d+)?|gpu)$/i.test(v);
  if (/^((use|requires?|needs?|enable)_(gpu|cuda)|(gpu|cuda)_(required|needed|enabled))$/.test(key))
    return /^(true|yes|on|1)$/i.test(v);
  if (/^n?_?gpu_layers$/.test(key)) return /^-?\d+$/.test(v) && Number(v) !== 0;
  return false;
}

/** What one setting says of the agent's VRAM: a need in MiB, or a share of the card it runs on. */
type VramStatement = { mib: number } | { fraction: number };

/**
 * Read by the setting's name, in any case and with - or _ (a config key, an environment variable,
 * a flag): vram_limit_mb and GPU_MEMORY_LIMIT are MiB, vram_budget_percentage a percentage of the
 * card, gpu_memory_fraction, vLLM's --gpu-memory-utilization, TGI's --cuda-memory-fraction and
 * SGLang's --mem-fraction-static a fraction of it.
 */
function vramStatement(name: string, value: string): VramStatement | undefined {
  const key = settingKey(name);
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) return undefined;
  if (/vram.*(mb|mib)$|^(vram|gpu_memory)_(limit|budget|soft_limit)$/.test(key)) return { mib: Math.round(number) };
  if (/vram.*percent|gpu_memory_percent/.test(key) && number <= 100) return { fraction: number / 100 };
  if (
    /gpu_memory_fraction|vram_fraction|gpu_memory_utilization$|^cuda_memory_fraction$|^mem_fraction_static$/.test(
      key,
    ) &&
    number <= 1
  )
    return { fraction: number };
  return undefined;
}

/** A setting with where it was read, as a config's scalar, an environment variable or a flag gives it. */
export interface Setting {
  name: string;
  value: string;
  source: Location;
  /** How the file wrote it, for the report: `name: value` unless given. */
  said?: string;
}

/**
 * The VRAM a list of settings states: a figure in MiB wins over a share of the card, the last
 * figure over earlier ones. A figure named for a machine (mainpc_vram_budget_mb, when
 * `namesMachine("mainpc")`) is a budget of that machine's card that the agent manages, not its own
 * need: evidence of a GPU agent, not its VRAM.
 */
export function statedVram(
  settings: readonly Setting[],
  namesMachine: (word: string) => boolean = () => false,
): { evidence: GpuEvidence[]; vram?: NonNullable<LegacyAgent["vram"]> } {
  const evidence: GpuEvidence[] = [];
  let vram: LegacyAgent["vram"];
  for (const { name, value, source, said: written } of settings) {
    const stated = vramStatement(name, value);
    if (!stated) continue;
    const key = settingKey(name);
    const ofMachine = key.includes("vram") && namesMachine(key.slice(0, key.indexOf("vram")).replace(/_+$/, ""));
    const said = written ?? `${name}: ${value}`;
    evidence.push({ reason: said, source });
    if (ofMachine) continue;
    if ("mib" in stated) vram = { mib: stated.mib, said, source };
    else vram ??= { fraction: stated.fraction, said, source };
  }
  return vram ? { evidence, vram } : { evidence };
}

/** A command's --flag value and --flag=value pairs, as settings (--gpu-memory-utilization 0.5). */
export function flagSettings(args: readonly string[], source: Location): Setting[] {
  return args.flatMap((arg, i) => {
    const flag = /^--?([a-zA-Z][\w.-]*)(?:=(.*))?$/.exec(arg);
    if (!flag?.[1]) return [];
    const value = flag[2] ?? args[i + 1];
    if (value === undefined || value.startsWith("-")) return [];
    return [{ name: flag[1], value, source, said: flag[2] === undefined ? `${arg} ${value}` : arg }];
  });
}

/** What a config or spec, and its command's flags, say about GPU need and VRAM (see statedVram). */
export function gpuHints(
  spec: YNode,
  namesMachine: (word: string) => boolean = () => false,
  flags: readonly Setting[] = [],
): { evidence: GpuEvidence[]; vram?: LegacyAgent["vram"] } {
  const settings: Setting[] = [
    ...scalarsOf(spec).map(({ path, value, loc }) => ({ name: path, value, source: loc })),
    ...flags,
  ];
  const evidence: GpuEvidence[] = settings.flatMap(({ name, value, source, said }) =>
    saysGpu(name, value) ? [{ reason: said ?? `${name}: ${value}`, source }] : [],
  );
  const stated = statedVram(settings, namesMachine);
  // In the file's order, as the annotation lists them.
  const inOrder = [...evidence, ...stated.evidence].sort(
    (a, b) => a.source.line - b.source.line || a.source.column - b.source.column,
  );
  return { ...stated, evidence: inOrder };
}

export function readCommand(node: YNode | undefined): string[] | undefined {
  if (!node) return undefined;
  const js = toJS(node);
  if (Array.isArray(js)) return js.map(String);
  if (typeof js !== "string" || !js.trim()) return undefined;
  // Split as compose splits a command given as a string: by the shell's words and quotes (sh -c
  // "python app.py --port 8000" is three words), expanding nothing. A quote left open is refused
  // here, as compose refuses it.
  try {
    return splitWords(js);
  } catch (err) {
    throw new InputError(`cannot split this command into words (${(err as Error).message}): close the quote`, node.loc);
  }
}
