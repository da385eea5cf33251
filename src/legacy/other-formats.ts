// Files of another format among the configs: a Dockerfile, an env file, INI or TOML settings, a
// program's own .conf, a script, a document. A glob over a checkout (`agentfleet import docker/*`)
// gives them too. Read as YAML they failed in the YAML reader's words ("Unexpected scalar at node
// end", at line 6 of a Dockerfile) or gave "no agents found"; told by their name, or by their lines
// when YAML makes no map of them, they are refused by what they are, with what to import instead. Pure.
import { posix } from "node:path";
import type { OtherFile } from "./other-files.ts";
import { isProcfileName, parseProcfile } from "./procfile.ts";
import { type ParsedFile, parseYaml } from "./yaml-source.ts";

interface Format {
  /** What the file is, as the message says it: "a Dockerfile". */
  what: string;
  /** Why it is no config to import, and what to import instead. */
  instead: string;
}

const dockerfile: Format = {
  what: "a Dockerfile",
  instead:
    "it builds an image rather than running an agent. Import the compose file whose build: uses it, or the startup config that runs the agents (import --image REPO:TAG writes a Dockerfile for the agents' monorepo)",
};
const envFile: Format = {
  what: "an env file (KEY=VALUE lines)",
  instead:
    "it sets variables rather than defining agents. Import the compose file that reads it: its env_file: files and the .env beside it are read with it",
};
const settings = (what: string): Format => ({
  what,
  instead:
    "the settings of a program or a Python project, which run no agent. Leave it out; an agent that reads its settings from such a file can take them from spec.config, which AgentFleet mounts as a file (spec.configMountPath)",
});
const programConf: Format = {
  what: "a program's own configuration (.conf), such as NATS's or Redis's",
  instead:
    "the program that runs with it reads it, and the compose service that runs that program is imported as infrastructure. Leave it out, and carry the settings it changes to that program (its Helm chart's values, or a ConfigMap its pod mounts)",
};
const script = (language: string): Format => ({
  what: `a ${language} script`,
  instead:
    "an agent runs it rather than a config defining one: the startup config names it by script_path. Import the startup config",
});
const documentFile: Format = {
  what: "a document",
  instead: "it describes the system rather than defining its agents. Import the startup configs and compose files",
};

/** By the name alone: the extension or the file name of a format that is not YAML, or an editor's directory. */
function formatOfName(path: string): Format | undefined {
  const slashed = path.replaceAll("\\", "/");
  const editor = slashed
    .split("/")
    .slice(0, -1)
    .find((d) => /^\.(cursor|vscode|idea|zed)$/.test(d));
  if (editor)
    return {
      what: `an editor's own settings (${editor}/)`,
      instead:
        "they set up a developer's editor and the tools it starts, not agents of the fleet. Leave it out; import the startup configs and compose files",
    };
  const name = posix.basename(slashed);
  if (/^(docker|container)file([.-].*)?$|\.(docker|container)file$/i.test(name)) return dockerfile;
  if (/^\.env(\..+)?$|\.env$/i.test(name)) return envFile;
  const extension = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  if (extension === "toml") return settings("TOML ([section] and key = value lines)");
  if (extension === "ini" || extension === "cfg" || extension === "properties")
    return settings(`INI (.${extension}: [section] and key = value lines)`);
  if (extension === "conf") return programConf;
  const languages: Record<string, string> = { py: "Python", sh: "shell", bash: "shell", ps1: "PowerShell" };
  const language = languages[extension];
  if (language) return script(language);
  if (["md", "markdown", "rst", "adoc"].includes(extension)) return documentFile;
  return undefined;
}

/** By the lines, for a file whose name says nothing (or says YAML) and that YAML makes no map of. */
function formatOfContent(text: string): { format: Format; line: number } | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((content, i) => ({ content: content.trim(), line: i + 1 }))
    .filter((l) => l.content !== "");
  const first = lines[0];
  if (!first) return undefined;
  const shebang = /^#!.*\b(python\d*|bash|sh|zsh|pwsh)\b/.exec(first.content);
  if (shebang) return { format: script(/python/.test(shebang[1] ?? "") ? "Python" : "shell"), line: first.line };
  const meaningful = lines.filter((l) => !l.content.startsWith("#"));
  const start = meaningful[0];
  if (!start) return undefined;
  const instruction = /^(FROM|RUN|COPY|ADD|CMD|ENTRYPOINT|WORKDIR|ENV|EXPOSE|USER|LABEL|HEALTHCHECK)\s/i;
  if (/^(FROM|ARG)\s+\S/i.test(start.content) && meaningful.slice(1).some((l) => instruction.test(l.content)))
    return { format: dockerfile, line: start.line };
  if (meaningful.every((l) => /^(export\s+)?[A-Za-z_][A-Za-z0-9_.]*=/.test(l.content)))
    return { format: envFile, line: start.line };
  const section = meaningful.find((l) => /^\[\[?[^\]]+\]\]?$/.test(l.content));
  if (section && meaningful.some((l) => /^[A-Za-z0-9_.\-"']+\s*=/.test(l.content)))
    return { format: settings("INI or TOML ([section] and key = value lines)"), line: section.line };
  return undefined;
}

const refusal = (format: Format, file: string, line: number): OtherFile => ({
  message: `this is ${format.what}, not a startup config or compose file: ${format.instead}`,
  loc: { file, line, column: 1 },
});

/**
 * An unresolved merge conflict (git's <<<<<<<, =======, >>>>>>> lines): neither side is the file,
 * and YAML would read the markers as text, or fail at them in its own words.
 */
function mergeConflict(file: string, text: string): OtherFile | undefined {
  const lines = text.split(/\r?\n/);
  const at = (marker: RegExp) => lines.findIndex((l) => marker.test(l)) + 1;
  const [ours, middle, theirs] = [at(/^<{7}( |$)/), at(/^={7}$/), at(/^>{7}( |$)/)];
  if (!ours || !theirs) return undefined;
  return {
    message: `this file holds an unresolved merge conflict (<<<<<<< at line ${ours}${middle ? `, ======= at line ${middle}` : ""}, >>>>>>> at line ${theirs}): resolve it, keeping the side that ran, and import it again`,
    loc: { file, line: ours, column: 1 },
  };
}

/**
 * A config file's YAML, or why the file cannot be read as one: a merge conflict left in it, or another
 * format, told by its name first (pyproject.toml, Dockerfile, base.env), then, when YAML reads no map
 * from it, by its lines. JSON is YAML.
 */
export function readConfigYaml(file: { path: string; text: string }): ParsedFile | OtherFile {
  const conflict = mergeConflict(file.path, file.text);
  if (conflict) return conflict;
  if (isProcfileName(file.path)) return parseProcfile(file.path, file.text);
  const named = formatOfName(file.path);
  if (named) return refusal(named, file.path, 1);
  let parsed: ParsedFile | undefined;
  try {
    parsed = parseYaml(file.path, file.text);
  } catch (err) {
    const seen = formatOfContent(file.text);
    if (seen) return refusal(seen.format, file.path, seen.line);
    throw err;
  }
  if (parsed.root?.kind === "map") return parsed;
  const seen = formatOfContent(file.text);
  return seen ? refusal(seen.format, file.path, seen.line) : parsed;
}
