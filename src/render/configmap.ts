import { stringify } from "yaml";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { childMetadata } from "./labels.ts";

export const configMapName = (agentName: string) => `${agentName}-config`;
export const configFileName = (mountPath: string) => mountPath.slice(mountPath.lastIndexOf("/") + 1) || "config.yaml";

/** The agent's free-form config as one YAML file; none when the agent has no config. */
export function renderConfigMap(agent: AgentDeployment) {
  if (agent.spec.config === undefined) return undefined;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: childMetadata(agent, configMapName(agent.metadata.name)),
    data: { [configFileName(agent.spec.configMountPath)]: stringify(agent.spec.config, { lineWidth: 0 }) },
  };
}
