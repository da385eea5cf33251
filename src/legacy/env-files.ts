// A compose service's env_file, read into its environment when the caller can read it (the CLI reads
// it beside the compose file; the import itself reads no disk). Compose gives what the service's own
// `environment` sets precedence, and a later file precedence over an earlier one; so does this.
// Once read, its variables are like any other: secrets among them go to the Secret by reference and
// are never written out, addresses are rewritten, ${VAR} expanded.
import { posix } from "node:path";
import type { EnvVar, LegacyAgent } from "./model.ts";

/** The text of an env file a compose file names (path as written there), or undefined when it cannot be read. */
export type EnvFileReader = (composeFile: string, path: string) => string | undefined;

const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/;
const doubleQuotedEscapes: Record<string, string> = { n: "\n", r: "\r", t: "\t" };

/**
 * One value as compose's env file syntax reads it: quoted values up to their closing quote (escapes
 * in double quotes, a single-quoted one as written but for \'), an unquoted one up to a ` #` comment.
 */
function envValue(raw: string): string {
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    let value = "";
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i] as string;
      if (c === quote) return value;
      if (c === "\\" && i + 1 < raw.length) {
        const next = raw[++i] as string;
        value += next === quote ? next : quote === '"' ? (doubleQuotedEscapes[next] ?? next) : `\\${next}`;
        continue;
      }
      value += c;
    }
    return value; // a quote never closed: the rest of the line, rather than refusing the whole import
  }
  return raw.replace(/\s+#.*$/, "").trimEnd();
}

/**
 * The variables of one env file, each with its line, by compose's syntax (docs.docker.com, "Set
 * environment variables": env file syntax): `VAR=VAL`, quotes, `#` comments, `export`. A bare `VAR`
 * takes the value of compose's own shell, which no pod has: it is left out. Written by hand (ADR
 * 0009): the dotenv package ends an unquoted value at any `#`, which compose keeps (`COLOR=#fff`).
 */
export function parseEnvFile(text: string, file: string): EnvVar[] {
  const vars = new Map<string, EnvVar>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const m = assignment.exec(line);
    if (!m) return;
    const name = m[1] as string;
    vars.delete(name);
    vars.set(name, { name, value: envValue((m[2] as string).trimStart()), source: { file, line: i + 1, column: 1 } });
  });
  return [...vars.values()];
}

/**
 * Each agent's env files read into its environment, under the variables it sets itself; the files
 * that could not be read stay listed (a finding says what to do with them), and those read are
 * listed as read.
 */
export function withEnvFiles<A extends LegacyAgent>(agents: readonly A[], read: EnvFileReader): A[] {
  return agents.map((agent) => {
    if (!agent.envFiles?.length) return agent;
    const fromFiles = new Map<string, EnvVar>();
    const unread: NonNullable<LegacyAgent["envFiles"]> = [];
    const imported: NonNullable<LegacyAgent["envFilesRead"]> = [];
    for (const f of agent.envFiles) {
      const text = read(f.source.file, f.path);
      if (text === undefined) {
        unread.push(f);
        continue;
      }
      const vars = parseEnvFile(text, posix.join(posix.dirname(f.source.file), f.path));
      for (const v of vars) {
        fromFiles.delete(v.name);
        fromFiles.set(v.name, v);
      }
      imported.push({ ...f, variables: vars.length });
    }
    const own = new Set(agent.env.map((e) => e.name));
    const { envFiles: _all, ...rest } = agent;
    // The same kind of agent it was given, with its environment and env file lists replaced.
    return {
      ...rest,
      env: [...[...fromFiles.values()].filter((v) => !own.has(v.name)), ...agent.env],
      ...(unread.length ? { envFiles: unread } : {}),
      ...(imported.length ? { envFilesRead: imported } : {}),
    } as A;
  });
}
