// A compose config (configs: content:, or file:) that is a YAML or JSON file of settings becomes the
// agent's spec.config, mounted where the service read it: the file is then in the pod, and its
// settings go through the same passes as a launcher's config block (addresses rewritten, secrets
// found by their key and line). One per agent (an agent has one config file); others, and files of
// any other format, stay a warning (findings/compose.ts). Pure but for the reader it is given.
import { posix } from "node:path";
import { configMountPathPattern } from "../api/agentdeployment.ts";
import { type BesideFileReader, type ComposeConfigFile, type LegacyAgent, type Location, where } from "./model.ts";
import { parseYaml, scalarsOf, toJS } from "./yaml-source.ts";

interface Settings {
  config: Record<string, unknown>;
  scalars: LegacyAgent["scalars"];
}

/**
 * The settings a config file holds, when its name says YAML or JSON and its text is a map of them,
 * each value with its place: in `file` from line `firstLine`.
 */
export function configFileSettings(text: string, target: string, file: string, firstLine = 1): Settings | undefined {
  if (!/\.(ya?ml|json)$/i.test(target) || !configMountPathPattern.test(target)) return undefined;
  let root: ReturnType<typeof parseYaml>["root"];
  try {
    root = parseYaml(file, text).root;
  } catch {
    // Not YAML after all: the file stays a warning, as a file of any other format does.
    return undefined;
  }
  if (root?.kind !== "map" || root.entries.length === 0) return undefined;
  const at = (loc: Location): Location => ({ ...loc, line: loc.line + firstLine - 1 });
  return {
    config: toJS(root) as Record<string, unknown>,
    scalars: scalarsOf(root, "config").map((s) => ({ path: s.path, value: s.value, source: at(s.loc) })),
  };
}

/** A compose config's settings: its inline text (a block's first line is the one after content:), or its file. */
function settingsOf(c: ComposeConfigFile, read: BesideFileReader | undefined): Settings | undefined {
  if (c.content) {
    const { text, source } = c.content;
    return configFileSettings(text, c.target, source.file, source.line + (text.includes("\n") ? 1 : 0));
  }
  const text = c.file && read ? read(c.source.file, c.file) : undefined;
  return c.file && text !== undefined
    ? configFileSettings(text, c.target, posix.join(posix.dirname(c.source.file), c.file))
    : undefined;
}

/** Each agent with the first of its compose configs that holds settings carried as its spec.config. */
export function withComposeConfigFiles<A extends LegacyAgent>(
  agents: readonly A[],
  read: BesideFileReader | undefined,
): A[] {
  return agents.map((agent) => {
    if (!agent.configFiles?.length || Object.keys(agent.config).length) return agent;
    // Not where a volume is: two mounts at one path make a pod the API server refuses.
    const taken = new Set(["/tmp", ...(agent.volumes ?? []).map((v) => v.target)]);
    for (const [i, c] of agent.configFiles.entries()) {
      const settings = taken.has(c.target) ? undefined : settingsOf(c, read);
      if (!settings) continue;
      return {
        ...agent,
        config: settings.config,
        configMountPath: c.target,
        scalars: [...agent.scalars, ...settings.scalars],
        configFiles: agent.configFiles.map((f, j) => (j === i ? { ...f, imported: true as const } : f)),
      };
    }
    return agent;
  });
}

/** Where the inline text of the agent's imported compose config is (file:line): its values are the agent's now. */
export const importedConfigText = (agent: LegacyAgent): string[] =>
  (agent.configFiles ?? []).flatMap((c) => (c.imported && c.content ? [where(c.content.source)] : []));
