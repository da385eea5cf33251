// A Procfile (foreman, honcho, overmind, Heroku): one process per line, `name: command`, each run
// on its machine as the command says. It is read as the startup config it amounts to, so that its
// processes become agents by the same rules: each a `command`, and the port foreman and honcho give
// it in $PORT (5000, and 100 more for each process after the first) as its `port` when the command
// uses it, and as its environment's PORT whether or not. Pure.
import { posix } from "node:path";
import { InputError, type Location } from "./model.ts";
import type { ParsedFile, YEntry, YNode } from "./yaml-source.ts";

/** Procfile, Procfile.dev, Procfile.local: foreman's and honcho's names for one. */
export function isProcfileName(path: string): boolean {
  return /^Procfile(\.[\w.-]+)?$/.test(posix.basename(path.replaceAll("\\", "/")));
}

/** foreman's and honcho's first port, and the step between process types. */
const basePort = 5000;
const portStep = 100;

/** $PORT, ${PORT}, ${PORT:-8000}: foreman always sets it, so a default never applies. */
const portVariable = /\$(PORT(?![A-Za-z0-9_])|\{PORT(:?-[^}]*)?\})/g;

/** The Procfile as a startup config's tree: `name: {command, port?, env: {PORT}}`, at its lines. */
export function parseProcfile(file: string, text: string): ParsedFile {
  const lines = text.split(/\r?\n/);
  const entries: YEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const at = (column: number): Location => ({ file, line: i + 1, column });
    const process = /^([A-Za-z0-9_-]+):[ \t]*(.*)$/.exec(line);
    if (!process?.[1]) {
      throw new InputError(
        "a Procfile line is NAME: COMMAND, a process type's name (letters, digits, _ and -) and its command",
        at(1),
      );
    }
    const [name, command = ""] = [process[1], process[2]?.trim()];
    if (!command) throw new InputError(`process ${name} has no command: give it one, or remove the line`, at(1));
    const port = String(basePort + portStep * entries.length);
    const value = (v: string, column: number): YNode => ({ kind: "scalar", value: v, loc: at(column) });
    const commandAt = line.indexOf(command) + 1;
    // The shell foreman starts fills $PORT; the pod's command is run by no shell, so it is filled here.
    const filled = command.replace(portVariable, port);
    const spec: YEntry[] = [
      { key: "command", keyLoc: at(commandAt), value: value(filled, commandAt) },
      ...(filled !== command ? [{ key: "port", keyLoc: at(commandAt), value: value(port, commandAt) }] : []),
      {
        key: "env",
        keyLoc: at(1),
        value: { kind: "map", entries: [{ key: "PORT", keyLoc: at(1), value: value(port, 1) }], loc: at(1) },
      },
    ];
    entries.push({ key: name, keyLoc: at(1), value: { kind: "map", entries: spec, loc: at(1) } });
  });
  if (entries.length === 0) {
    throw new InputError("the Procfile has no process: it defines no agents", { file, line: 1, column: 1 });
  }
  return {
    file,
    root: { kind: "map", entries, loc: { file, line: 1, column: 1 } },
    duplicateKeys: [],
    lines,
    laterDocuments: [],
  };
}
