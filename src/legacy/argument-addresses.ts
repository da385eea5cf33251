// The values of a command line that an address may be in, each with what its flag says of it, so that
// the address rewrite reads `--host 127.0.0.1 --port 8000` as it reads {host: 127.0.0.1, port: 8000}.
// Compose's command and entrypoint are where Python servers say where they listen (uvicorn --host,
// gunicorn --bind) and where they find others (--redis-url): left as they were, a server bound to
// loopback is one its Service and kubelet's probes never reach.
import { portNameBeside } from "./addresses.ts";
import { toPort } from "./values.ts";

export interface ArgumentValue {
  /** What stays before the value in its token: `--bind=` for `--bind=127.0.0.1:8000`, else "". */
  prefix: string;
  value: string;
  /** The long flag the value is given to, as a name (`--redis-host` → redis_host), and the port beside it. */
  hint: { name?: string; siblingPort?: number };
}

const longFlag = /^--([a-z][\w.-]*)$/i;
const longFlagWithValue = /^(--([a-z][\w.-]*)=)(.*)$/is;

/** A flag's name as the rewrite reads names: --redis-host → redis_host. */
const flagName = (flag: string) => flag.toLowerCase().replace(/-/g, "_");

/** One token: the value it holds, and the flag it is given to (`--port 8000` and `--port=8000` alike). */
function splitToken(token: string, before: string | undefined): { prefix: string; value: string; flag?: string } {
  const inline = longFlagWithValue.exec(token);
  if (inline) return { prefix: inline[1] as string, value: inline[3] as string, flag: flagName(inline[2] as string) };
  const flag = longFlag.exec(before ?? "");
  if (flag && !token.startsWith("-")) return { prefix: "", value: token, flag: flagName(flag[1] as string) };
  return { prefix: "", value: token };
}

/** The tokens of a command line, each as a value with what its flag says: one entry per token. */
export function argumentValues(tokens: readonly string[]): ArgumentValue[] {
  const split = tokens.map((token, i) => splitToken(token, tokens[i - 1]));
  const flags = new Map(split.flatMap((t) => (t.flag ? [[t.flag, t.value] as const] : [])));
  return split.map(({ prefix, value, flag }) => {
    if (!flag) return { prefix, value, hint: {} };
    const portName = portNameBeside(flag);
    const port = portName ? toPort(flags.get(portName) ?? "") : undefined;
    return { prefix, value, hint: { name: flag, ...(port !== undefined ? { siblingPort: port } : {}) } };
  });
}

const shell = /^(?:.*\/)?(?:ba|da|a|z)?sh$/;
const commandFlag = /^-[a-z]*c[a-z]*$/;

/** Whether the token at `index` of a whole command line is the script a shell runs (`sh -c "…"`, `bash -ec "…"`). */
export function isShellScript(line: readonly string[], index: number): boolean {
  return index >= 2 && shell.test(line[0] ?? "") && commandFlag.test(line[index - 1] ?? "");
}

export interface ScriptValue extends ArgumentValue {
  /** Where the word holding it starts and ends in the script. */
  start: number;
  end: number;
  /** The quote around the whole word, kept around its rewrite; "" for none. */
  quote: string;
}

/** A word of a shell script: runs of plain characters and quoted strings, up to a space or an operator. */
const scriptWord = /(?:[^\s;&|()<>"'`]+|"(?:[^"\\]|\\.)*"|'[^']*')+/g;

/**
 * The values of a shell script's words, read as argumentValues reads a command line, so that
 * `python app.py --host 127.0.0.1 --port 8000` inside `sh -c` is read as it is outside it; with
 * where each word is, for a rewrite that leaves the rest of the script as written.
 */
export function scriptValues(script: string): ScriptValue[] {
  const words = [...script.matchAll(scriptWord)].map((m) => {
    const quoted = /^(["'])(.*)\1$/s.exec(m[0]);
    return {
      start: m.index,
      end: m.index + m[0].length,
      quote: quoted?.[1] ?? "",
      value: quoted ? (quoted[2] as string) : m[0],
    };
  });
  return argumentValues(words.map((w) => w.value)).map((v, i) => {
    const { start, end, quote } = words[i] as (typeof words)[number];
    return { ...v, start, end, quote };
  });
}
