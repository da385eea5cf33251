// Reading one agent's legacy fields, whatever file shape holds them.
import type { EnvVar, GpuEvidence, LegacyAgent, Location, PortUse } from "./model.ts";
import { toPort } from "./values.ts";
import { child, scalar, scalarsOf, toJS, type YNode } from "./yaml-source.ts";

/** Keys that make a mapping an agent definition. */
export const agentKeys = ["script_path", "port", "health_check_port", "command", "image", "script", "module"] as const;

export function looksLikeAgent(node: YNode): boolean {
  return node.kind === "map" && node.entries.some((e) => (agentKeys as readonly string[]).includes(e.key));
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

/** Ports a config block declares (zmq_port, grpc_port, metrics_port…), any depth. */
export function configPorts(config: YNode | undefined): PortUse[] {
  return scalarsOf(config).flatMap(({ path, value, loc }) => {
    const key = path.split(".").pop() ?? "";
    if (!/(^|_)port$/i.test(key)) return [];
    const port = toPort(value);
    return port ? [{ port, role: `config ${path}`, source: loc }] : [];
  });
}

const gpuValue = /\bcuda(:\d+)?\b|\bgpu\b|rtx|nvidia/i;

/** What a config or spec says about GPU need and VRAM. */
export function gpuHints(spec: YNode): { evidence: GpuEvidence[]; vram?: LegacyAgent["vram"] } {
  const evidence: GpuEvidence[] = [];
  let vram: LegacyAgent["vram"];
  for (const { path, value, loc } of scalarsOf(spec)) {
    const key = (path.split(".").pop() ?? "").toLowerCase();
    if (
      /^(cuda_device|gpu_device|device|gpu|use_gpu|cuda_visible_devices)$/.test(key) &&
      (gpuValue.test(value) || /^(true|\d+)$/i.test(value))
    ) {
      evidence.push({ reason: `${path}: ${value}`, source: loc });
    }
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) continue;
    if (/vram.*(mb|mib)$|^(vram|gpu_memory)_(limit|budget|soft_limit)$/.test(key)) {
      vram = { mib: Math.round(number), source: loc };
      evidence.push({ reason: `${path}: ${value}`, source: loc });
    } else if (/vram.*percent|gpu_memory_percent/.test(key) && number <= 100) {
      vram ??= { fraction: number / 100, source: loc };
      evidence.push({ reason: `${path}: ${value}`, source: loc });
    } else if (/gpu_memory_fraction|vram_fraction/.test(key) && number <= 1) {
      vram ??= { fraction: number, source: loc };
    }
  }
  return vram ? { evidence, vram } : { evidence };
}

export function readCommand(node: YNode | undefined): string[] | undefined {
  if (!node) return undefined;
  const js = toJS(node);
  if (Array.isArray(js)) return js.map(String);
  if (typeof js === "string" && js.trim()) return js.trim().split(/\s+/);
  return undefined;
}
