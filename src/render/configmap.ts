import { stringify } from "yaml";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { stableHash } from "../lib/stable-json.ts";
import { childMetadata } from "./labels.ts";

export const configMapName = (agentName: string) => `${agentName}-config`;
export const configFileName = (mountPath: string) => mountPath.slice(mountPath.lastIndexOf("/") + 1) || "config.yaml";

/** A config file whose name says JSON is written as JSON: an agent's json.load cannot read YAML. */
const isJsonFile = (fileName: string) => /\.json$/i.test(fileName);

// The text of each config, by the config object: a render asks for it twice (the ConfigMap and the
// Deployment's digest of it), and the parsed spec, so its config, is one object per version of the
// agent (reconcilers/agent-spec.ts). Nothing mutates a parsed config. (One config object is one
// spec's, so one file name's: its text is keyed by the object alone.)
const configText = new WeakMap<object, string>();

function configData(agent: AgentDeployment): Record<string, string> | undefined {
  const { config, configMountPath } = agent.spec;
  if (config === undefined) return undefined;
  const fileName = configFileName(configMountPath);
  let text = configText.get(config);
  if (text === undefined) {
    text = isJsonFile(fileName) ? `${JSON.stringify(config, null, 2)}\n` : stringify(config, { lineWidth: 0 });
    configText.set(config, text);
  }
  return { [fileName]: text };
}

/**
 * Renders the agent's config file ahead, for the render to find it kept: the YAML of a large config
 * is the costliest part of an agent's first render after a start.
 */
export function prepareConfigFile(agent: AgentDeployment): void {
  configData(agent);
}

/** The agent's free-form config as one YAML (or JSON) file; none when the agent has no config. */
export function renderConfigMap(agent: AgentDeployment) {
  const data = configData(agent);
  if (!data) return undefined;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: childMetadata(agent, configMapName(agent.metadata.name)),
    data,
  };
}

/** The digest of the config file: on the pod template, so that a config change rolls the pods. */
export function configDigest(agent: AgentDeployment): string | undefined {
  const data = configData(agent);
  return data ? stableHash(data) : undefined;
}
