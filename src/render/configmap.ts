import { stringify } from "yaml";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { stableHash } from "../lib/stable-json.ts";
import { childMetadata } from "./labels.ts";

export const configMapName = (agentName: string) => `${agentName}-config`;
export const configFileName = (mountPath: string) => mountPath.slice(mountPath.lastIndexOf("/") + 1) || "config.yaml";

function configData(agent: AgentDeployment): Record<string, string> | undefined {
  if (agent.spec.config === undefined) return undefined;
  return { [configFileName(agent.spec.configMountPath)]: stringify(agent.spec.config, { lineWidth: 0 }) };
}

/** The agent's free-form config as one YAML file; none when the agent has no config. */
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
