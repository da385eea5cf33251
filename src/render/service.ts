import type { AgentDeployment } from "../api/agentdeployment.ts";
import { childMetadata, selectorLabels } from "./labels.ts";

/** A ClusterIP Service with the agent's named ports, so agents on either machine reach it by DNS. */
export function renderService(agent: AgentDeployment) {
  const ports = agent.spec.ports ?? [];
  if (ports.length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMetadata(agent, agent.metadata.name),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(agent.metadata.name),
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol })),
    },
  };
}
