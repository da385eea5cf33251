// Legacy values as the shell and docker compose would have read them: ${VAR}, ${VAR:-default},
// ${VAR-default}, and the ${PORT_OFFSET}+N arithmetic of the startup configs.

export interface Substitution {
  /** The value with every reference replaced by its default (or by nothing when it has none). */
  value: string;
  /** The references, with their defaults: a default may be a literal secret. */
  references: { name: string; default?: string }[];
}

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Variables that are numeric offsets in these files: unset, they are 0. */
const numericDefaults: Record<string, string> = { PORT_OFFSET: "0" };

/**
 * Replaces each reference by its default (or nothing). `known` gives what the pod itself provides
 * for a name (the image's working directory for PWD, $(NAME) for a variable of the agent's own env
 * that Kubernetes expands); a reference it answers is not counted among the references.
 */
export function substitute(raw: string, known: (name: string) => string | undefined = () => undefined): Substitution {
  const references: Substitution["references"] = [];
  const value = raw.replace(
    reference,
    (_m, braced: string | undefined, def: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const provided = known(name);
      if (provided !== undefined) return provided;
      references.push(def === undefined ? { name } : { name, default: def });
      return def ?? numericDefaults[name] ?? "";
    },
  );
  return { value, references };
}

/** Whether a value is a port written with the startup configs' offset arithmetic (${PORT_OFFSET}+7200). */
export const isOffsetPort = (raw: string) => /^\$\{PORT_OFFSET[^}]*\}\s*\+?\s*\d+$/.test(raw.trim());

/** A port: a number, "7200", "${PORT_OFFSET}+7200", "${PORT_OFFSET:-0}7200". Undefined if it is none. */
export function toPort(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isInteger(raw) && raw > 0 && raw < 65536 ? raw : undefined;
  if (typeof raw !== "string") return undefined;
  const { value } = substitute(raw.trim());
  const terms = value.split("+").map((t) => t.trim());
  if (terms.some((t) => !/^\d+$/.test(t))) return undefined;
  const port = terms.reduce((sum, t) => sum + Number(t), 0);
  return port > 0 && port < 65536 ? port : undefined;
}

/** A scalar resolved for use in a manifest: substitutions applied, numbers and booleans kept. */
export function resolveScalar(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  if (!raw.includes("$")) return raw;
  const port = isOffsetPort(raw) ? toPort(raw) : undefined;
  return port ?? substitute(raw).value;
}

/**
 * Maps every scalar of a config tree, keeping its shape. `fn` gets the scalar, its path as scalarsOf
 * writes it (config.redis.url, config.hubs[0]) so that it can be found in the file, and the map that
 * holds it (a port beside a host), if a map does.
 */
export function mapScalars(
  value: unknown,
  fn: (scalar: unknown, path: string, parent: Readonly<Record<string, unknown>> | undefined) => unknown,
  path = "",
  parent?: Readonly<Record<string, unknown>>,
): unknown {
  if (Array.isArray(value)) return value.map((v, i) => mapScalars(v, fn, `${path}[${i}]`));
  if (value && typeof value === "object") {
    const map = value as Record<string, unknown>;
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, mapScalars(v, fn, `${path}.${k}`, map)]));
  }
  return fn(value, path, parent);
}

export const resolveDeep = (value: unknown): unknown => mapScalars(value, resolveScalar);

/**
 * Docker-style memory ("32G", "512m", "4GB", "${MEM_LIMIT:-4G}") as a Kubernetes quantity ("32Gi",
 * "512Mi"). Undefined if it is none.
 */
export function toMemoryQuantity(raw: unknown): string | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt])?i?b?$/i.exec(substitute(String(raw ?? "")).value.trim());
  if (!m) return undefined;
  const unit = m[2]?.toUpperCase();
  return unit ? `${m[1]}${unit === "K" ? "Ki" : `${unit}i`}` : m[1];
}

/**
 * Compose's `cpus` ("1.5", 2, "${CPU_LIMIT:-2.0}") as a Kubernetes CPU quantity; a quantity in
 * millicores ("500m") is taken as it is. Undefined if it is none.
 */
export function toCpuQuantity(raw: unknown): string | undefined {
  const value = substitute(String(raw ?? "")).value.trim();
  if (/^\d+m$/.test(value)) return value;
  return /^(\d+(\.\d*)?|\.\d+)$/.test(value) && Number(value) > 0 ? value : undefined;
}
