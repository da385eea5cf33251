import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { DrainProtection } from "./input.ts";
import { childMetadata, selectorLabels } from "./labels.ts";

export function renderPodDisruptionBudget(agent: AgentDeployment, policy: DrainProtection) {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: childMetadata(agent, agent.metadata.name),
    spec: {
      selector: { matchLabels: selectorLabels(agent.metadata.name) },
      ...(policy.protect ? { minAvailable: 1 } : { maxUnavailable: 1 }),
      // A crash-looping pod must never hold a drain hostage.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}
