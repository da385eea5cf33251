// The .env beside a compose file: compose fills the file's ${VAR}s from it before it reads a single
// service (the project's variables, not the containers' environment), and takes COMPOSE_PROFILES
// from it. So does the import, with two exceptions that keep a manifest honest: a variable named as
// a password, token or key is never filled (it stays ${VAR}, which the import turns into $(VAR) for
// a Secret to give), and a value that is more than a word is left out, since it could change the
// YAML around it (compose fills values after it parses; this fills the text before).
import { posix } from "node:path";
import { counted, firstFew } from "../lib/words.ts";
import { isCompose } from "./compose.ts";
import { type EnvFileReader, parseEnvFile } from "./env-files.ts";
import type { LegacyFile } from "./fleet.ts";
import type { EnvVar, Finding } from "./model.ts";
import { secretKey } from "./secret-names.ts";
import { parseYaml } from "./yaml-source.ts";

export interface DotEnvFill {
  /** The compose file's text, its ${VAR}s filled. Its lines stay where they were. */
  text: string;
  /** The variables filled, in the order first met. */
  filled: string[];
  /** Variables the .env sets that are passwords, tokens or keys: left as ${VAR}, never written. */
  secrets: string[];
  /** Variables whose values are more than a word: left as ${VAR}. */
  unsafe: string[];
  /** COMPOSE_PROFILES of the .env, as compose reads it. */
  profiles: string[];
}

/** A value that cannot change the YAML it is put into: one line, no quotes, comments or "key: ". */
const word = /^[\w./:@%+,=~-]*$/;

/**
 * The compose file's text with the .env's variables filled: ${VAR}, ${VAR:-default} and ${VAR-default}
 * (the .env's value wins over the default, as in compose) and $VAR; $$ is compose's literal $ and is
 * left alone, as is a variable the .env does not set.
 */
export function fillFromDotEnv(text: string, vars: readonly EnvVar[]): DotEnvFill {
  const values = new Map(vars.map((v) => [v.name, v.value]));
  const filled = new Set<string>();
  const secrets = new Set<string>();
  const unsafe = new Set<string>();
  const out = text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare;
      if (name === undefined) return match;
      const value = values.get(name);
      if (value === undefined) return match;
      if (secretKey.test(name)) {
        secrets.add(name);
        return match;
      }
      if (!word.test(value)) {
        unsafe.add(name);
        return match;
      }
      filled.add(name);
      return value;
    },
  );
  const profiles = (values.get("COMPOSE_PROFILES") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  return { text: out, filled: [...filled], secrets: [...secrets], unsafe: [...unsafe], profiles };
}

/**
 * The files as compose reads them: each compose file with its .env (when the caller can read one)
 * filled in and its profiles taken, and an env-file note per .env that says what it filled and
 * what it left as it was.
 */
export function withDotEnv(
  files: readonly LegacyFile[],
  read: EnvFileReader | undefined,
): { files: LegacyFile[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const out = files.map((file) => {
    const dotenv = read?.(file.path, ".env");
    if (dotenv === undefined || !isCompose(parseYaml(file.path, file.text).root)) return file;
    const envPath = posix.join(posix.dirname(file.path), ".env");
    const fill = fillFromDotEnv(file.text, parseEnvFile(dotenv, envPath));
    if (!fill.filled.length && !fill.secrets.length && !fill.unsafe.length && !fill.profiles.length) return file;
    findings.push({
      kind: "env-file",
      severity: "info",
      agents: [],
      message: [
        `${envPath} fills ${counted(fill.filled.length, "variable")} of ${file.path}, as compose does${fill.filled.length ? ` (${firstFew(fill.filled)})` : ""}${fill.profiles.length ? `, and enables its profiles ${fill.profiles.join(", ")} (COMPOSE_PROFILES)` : ""}`,
        ...(fill.secrets.length
          ? [
              `${firstFew(fill.secrets)} ${fill.secrets.length === 1 ? "is a password, token or key" : "are passwords, tokens or keys"}: never written, ${fill.secrets.length === 1 ? "it stays" : "they stay"} a variable for a Secret to give`,
            ]
          : []),
        ...(fill.unsafe.length
          ? [
              `${firstFew(fill.unsafe)} ${fill.unsafe.length === 1 ? "holds" : "hold"} more than a word, which the import does not put into the file: read as unset, set ${fill.unsafe.length === 1 ? "it" : "them"} in the manifests`,
            ]
          : []),
      ].join("; "),
      source: `${envPath}:1`,
    });
    return { ...file, text: fill.text, ...(fill.profiles.length ? { profiles: fill.profiles } : {}) };
  });
  return { files: out, findings };
}
