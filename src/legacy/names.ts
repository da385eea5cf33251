// Legacy names (CamelCase, snake_case, with acronyms and any script) as Kubernetes DNS labels.

/** "STTService" → "stt-service", "ModelOpsCoordinator" → "model-ops-coordinator", "redis_pc2" → "redis-pc2". */
export function toDnsLabel(legacy: string): string {
  const words = legacy
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // accents off: "Résumé" → "Resume"
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const label = words.slice(0, 63).replace(/-+$/, "");
  return label || `agent-${hash(legacy)}`;
}

/**
 * An agent's name: a DNS label that starts with a letter, since it also names the agent's Service
 * (an RFC 1035 label): "3DRenderer" → "agent-3-d-renderer".
 */
export function toAgentName(legacy: string): string {
  const label = toDnsLabel(legacy);
  return /^[a-z]/.test(label) ? label : `agent-${label}`.slice(0, 63).replace(/-+$/, "");
}

function hash(s: string): string {
  let h = 2166136261;
  for (const ch of s) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** A port name for Kubernetes (an IANA service name, at most 15 characters) from a config key such as "grpc_port". */
export function toPortName(key: string): string {
  const base = toDnsLabel(key.replace(/_?port$/i, "") || key)
    .slice(0, 15)
    .replace(/-+$/, "");
  return /[a-z]/.test(base) ? base : `p-${base}`.slice(0, 15);
}

/** Loose identity of two legacy names: "observability-hub" and "ObservabilityHub" are one agent. */
export const sameName = (a: string, b: string) => toDnsLabel(a) === toDnsLabel(b);
