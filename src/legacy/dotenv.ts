// The .env beside a compose file: compose fills the file's ${VAR}s from it before it reads a single
// service (the project's variables, not the containers' environment), and takes COMPOSE_PROFILES
// from it. So does the import, in the parsed file's values, as compose fills them after it parses:
// a value of any shape (`JAVA_OPTS=-Xmx1g -Xms512m`, `GREETING="hi: there"`) cannot change the YAML
// around it. One exception keeps a manifest honest: a variable named as a password, token or key is
// never filled (it stays ${VAR}, which the import turns into $(VAR) for a Secret to give).
import { posix } from "node:path";
import { counted, firstFew, inWords } from "../lib/words.ts";
import { parseEnvFile } from "./env-files.ts";
import type { BesideFileReader, EnvVar, Finding, LegacyFile } from "./model.ts";
import { secretKey } from "./secret-names.ts";
import type { YNode } from "./yaml-source.ts";

export interface DotEnvFill {
  /** The compose file's tree, its values' ${VAR}s filled. Every node keeps its file and line. */
  root: YNode;
  /** The variables filled, in the order first met. */
  filled: string[];
  /** Variables the .env sets that are passwords, tokens or keys: left as ${VAR}, never written. */
  secrets: string[];
  /** COMPOSE_PROFILES of the .env, as compose reads it. */
  profiles: string[];
}

/**
 * ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR; $$ is compose's literal $. The .env's values
 * are compose's own text (a literal $ in them already written $$), so they go in as they are.
 */
const reference = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * The compose file's values with the .env's variables filled: the .env's value wins over a
 * default, as in compose; a variable the .env does not set, and $$, are left as they are.
 */
export function fillFromDotEnv(root: YNode, vars: readonly EnvVar[]): DotEnvFill {
  const values = new Map(vars.map((v) => [v.name, v.value]));
  const filled = new Set<string>();
  const secrets = new Set<string>();
  const fill = (text: string) =>
    text.replace(reference, (match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare;
      const value = name === undefined ? undefined : values.get(name);
      if (name === undefined || value === undefined) return match;
      if (secretKey.test(name)) {
        secrets.add(name);
        return match;
      }
      filled.add(name);
      return value;
    });
  const walk = (node: YNode): YNode => {
    switch (node.kind) {
      case "map":
        return { ...node, entries: node.entries.map((e) => ({ ...e, value: walk(e.value) })) };
      case "seq":
        return { ...node, items: node.items.map(walk) };
      default:
        return typeof node.value === "string" && node.value.includes("$") ? { ...node, value: fill(node.value) } : node;
    }
  };
  const out = walk(root);
  const profiles = (values.get("COMPOSE_PROFILES") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  return { root: out, filled: [...filled], secrets: [...secrets], profiles };
}

/** The env-file note of a .env that filled or enabled anything: what, and what it never writes. */
export function dotEnvFinding(envPaths: readonly string[], composePath: string, fill: DotEnvFill): Finding | undefined {
  if (!fill.filled.length && !fill.secrets.length && !fill.profiles.length) return undefined;
  return {
    kind: "env-file",
    severity: "info",
    agents: [],
    message: [
      `${inWords(envPaths)} ${envPaths.length === 1 ? "fills" : "fill"} ${counted(fill.filled.length, "variable")} of ${composePath}, as compose does${fill.filled.length ? ` (${firstFew(fill.filled)})` : ""}${fill.profiles.length ? `, and enables its profiles ${fill.profiles.join(", ")} (COMPOSE_PROFILES)` : ""}`,
      ...(fill.secrets.length
        ? [
            `${firstFew(fill.secrets)} ${fill.secrets.length === 1 ? "is a password, token or key" : "are passwords, tokens or keys"}: never written, ${fill.secrets.length === 1 ? "it stays" : "they stay"} a variable for a Secret to give`,
          ]
        : []),
    ].join("; "),
    source: `${envPaths[0] ?? composePath}:1`,
  };
}

/** A compose file's env files, read as compose reads them, a later one's value winning; or none. */
export function dotEnvOf(file: LegacyFile): { paths: string[]; vars: EnvVar[] } | undefined {
  if (!file.dotenv?.length) return undefined;
  return { paths: file.dotenv.map((d) => d.path), vars: file.dotenv.flatMap((d) => parseEnvFile(d.text, d.path)) };
}

/**
 * Each file with the env files compose fills its ${VAR}s from: those given (`docker compose
 * --env-file`, in order), else the .env beside it when the caller can read one. They are read as
 * variables only where the file turns out to be a compose file (a startup config's neighbour is no
 * concern).
 */
export function withDotEnvFiles(
  files: readonly LegacyFile[],
  read: BesideFileReader | undefined,
  given: readonly { path: string; text: string }[] = [],
): LegacyFile[] {
  return files.map((file) => {
    if (given.length) return { ...file, dotenv: [...given] };
    const text = read?.(file.path, ".env");
    return text === undefined
      ? file
      : { ...file, dotenv: [{ path: posix.join(posix.dirname(file.path), ".env"), text }] };
  });
}
