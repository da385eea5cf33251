// A compose service's env_file, read into its environment when the caller can read it (the CLI reads
// it beside the compose file; the import itself reads no disk). Compose gives what the service's own
// `environment` sets precedence, and a later file precedence over an earlier one; so does this.
// Once read, its variables are like any other: secrets among them go to the Secret by reference and
// are never written out, addresses are rewritten, ${VAR} expanded.
import { posix } from "node:path";
import { type BesideFileReader, type EnvVar, InputError, type LegacyAgent } from "./model.ts";

/** Escapes compose reads in a double-quoted value. `\$` is a literal $, kept as compose's own `$$`. */
const doubleQuotedEscapes: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  '"': '"',
  "\\": "\\",
  $: "$$",
};

/** A variable's name as compose accepts it; anything else is refused there, and here. */
const variableName = /^[A-Za-z0-9_.[\]-]+$/;

/**
 * The variables of one env file, each with the line it starts on, by compose's own parser
 * (compose-go's dotenv, which `docker compose` runs): `VAR=VAL` or `VAR: VAL`, `export`, `#`
 * comments, an inline comment after an unquoted value only after a space, quoted values over several
 * lines. A value comes out as compose's templates write it: a double-quoted one with its escapes
 * read, a single-quoted one literal (each `$` written `$$`, as it would be in the compose file), so
 * that ${VAR} is expanded later by the same rules as the service's own environment. A bare `VAR`
 * takes the value of compose's own shell, which no pod has: it is left out. Written by hand (ADR
 * 0009): the dotenv package ends an unquoted value at any `#`, which compose keeps (`COLOR=#fff`).
 * What compose refuses (a quote never closed, a name it cannot read) is refused with its file:line.
 */
export function parseEnvFile(text: string, file: string): EnvVar[] {
  const vars = new Map<string, EnvVar>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const refuse = (line: number, message: string): never => {
    throw new InputError(`${message} (compose refuses this env file too)`, { file, line: line + 1, column: 1 });
  };
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    const line = (lines[i] as string).replace(/^\s*(?:export\s+)?/, "");
    if (line === "" || line.startsWith("#")) continue;
    const separator = /[=:]/.exec(line);
    if (!separator) continue; // a bare VAR
    const name = line.slice(0, separator.index).trim();
    if (!variableName.test(name)) refuse(start, `"${name}" is not a variable name: use letters, digits, _ . - [ ]`);
    let rest = line.slice(separator.index + 1).replace(/^[ \t]+/, "");
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // Up to the closing quote, over as many lines as it takes; \<quote> is the quote itself.
      let raw = "";
      let closed = false;
      rest = rest.slice(1);
      for (;;) {
        let j = 0;
        for (; j < rest.length; j++) {
          const c = rest[j] as string;
          if (c === "\\" && j + 1 < rest.length) {
            const next = rest[++j] as string;
            raw += next === quote ? next : `\\${next}`;
          } else if (c === quote) {
            closed = true;
            break;
          } else raw += c;
        }
        if (closed || i + 1 >= lines.length) break;
        raw += "\n";
        rest = lines[++i] as string;
      }
      if (!closed) refuse(start, `the value of ${name} opens a ${quote} quote that is never closed`);
      value =
        quote === "'"
          ? raw.replaceAll("$", "$$$$")
          : raw.replace(/\\(.)/gs, (m, c: string) => doubleQuotedEscapes[c] ?? m);
    } else {
      value = rest.replace(/ #.*$/, "").trimEnd();
    }
    vars.delete(name);
    vars.set(name, { name, value, source: { file, line: start + 1, column: 1 } });
  }
  return [...vars.values()];
}

/**
 * Each agent's env files read into its environment, under the variables it sets itself; the files
 * that could not be read stay listed (a finding says what to do with them), and those read are
 * listed as read.
 */
export function withEnvFiles<A extends LegacyAgent>(agents: readonly A[], read: BesideFileReader): A[] {
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
