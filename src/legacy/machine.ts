// Which machine a legacy file belongs to, when the command line does not say: first what the file
// says (a top-level key such as pc2_services, a value such as environment: "main_pc"), then its name.
import { elsewhereAddress } from "./agent-fields.ts";
import { normaliseMachine, sameMachine } from "./startup-config.ts";
import { scalarsOf, type YNode } from "./yaml-source.ts";

/**
 * The machine of an agent whose file names none (a compose file called docker-compose.yml, a
 * startup config without profiles): it is imported for no machine, and its GPU class is chosen by
 * its VRAM need (import.ts). MACHINE=FILE on the command line pins it instead.
 */
export const unassignedMachine = "";

/** How a machine is named in a message. */
export const machineLabel = (machine: string) => machine || "an unnamed machine";

export interface MachineGuess {
  machine: string;
  how: string;
}

const machineValueKeys =
  /^(environment|machine|machine_name|host_machine|target_machine|hostname|node|node_name|MACHINE|MACHINE_NAME)$/i;

export function machinesInContent(root: YNode | undefined, machines: readonly string[]): MachineGuess[] {
  const guesses: MachineGuess[] = [];
  if (root?.kind === "map") {
    for (const e of root.entries) {
      const m = machines.find(
        (name) => normaliseMachine(e.key).startsWith(normaliseMachine(name)) && /[_-]/.test(e.key),
      );
      if (m) guesses.push({ machine: m, how: `its top-level key ${e.key} (line ${e.keyLoc.line})` });
    }
  }
  // An agent named as running on another machine (its endpoint, its machine) says nothing of this file's.
  for (const { path, value, loc } of scalarsOf(root, "", (node) => elsewhereAddress(node) !== undefined)) {
    const key = path.split(".").pop() ?? "";
    const envPair = /^(MACHINE|MACHINE_NAME|HOST_MACHINE)=(.+)$/.exec(value);
    const m = machines.find((name) =>
      envPair ? sameMachine(name, envPair[2] ?? "") : machineValueKeys.test(key) && sameMachine(name, value),
    );
    if (m) guesses.push({ machine: m, how: `${envPair ? value : `${key}: ${value}`} at line ${loc.line}` });
  }
  return guesses;
}

/**
 * The machine the file's name gives (mainpc_startup_config.yaml), else the nearest directory's
 * (main_pc_code/config/startup_config.yaml, as the legacy repository kept them).
 */
export function machineFromName(file: string, machines: readonly string[]): MachineGuess | undefined {
  const parts = file.split(/[\\/]/).filter((p) => p !== "");
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = normaliseMachine(parts[i] ?? "");
    const matches = machines.filter((m) => part.includes(normaliseMachine(m)));
    const longest = matches.sort((a, b) => normaliseMachine(b).length - normaliseMachine(a).length)[0];
    if (longest)
      return { machine: longest, how: i === parts.length - 1 ? "its file name" : `its directory ${parts[i]}` };
  }
  return undefined;
}

/** The one machine the content points to, else the file name's; undefined when neither says. */
export function inferMachine(
  file: string,
  root: YNode | undefined,
  machines: readonly string[],
): MachineGuess | undefined {
  const fromContent = machinesInContent(root, machines);
  const distinct = [...new Set(fromContent.map((g) => g.machine))];
  if (distinct.length === 1) return fromContent[0];
  return machineFromName(file, machines);
}
