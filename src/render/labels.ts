// The labels and owner reference every child of an agent carries, so that `kubectl get -l` finds them,
// the garbage collector removes them with their agent, and the operator's watches see only its own.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { labelKeys, managedBy } from "../api/labels.ts";

export function selectorLabels(agentName: string): Record<string, string> {
  return { [labelKeys.name]: agentName, [labelKeys.managedBy]: managedBy };
}

/** The selector of an agent's pods as text (`a=b,c=d`), as the scale subresource gives it to autoscalers. */
export const podSelector = (agentName: string) =>
  Object.entries(selectorLabels(agentName))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

export function standardLabels(agentName: string): Record<string, string> {
  return { ...selectorLabels(agentName), [labelKeys.partOf]: managedBy };
}

/** The agent as its children's controlling owner (metav1.OwnerReference). */
export function ownerReference(agent: AgentDeployment) {
  return {
    apiVersion: agent.apiVersion,
    kind: agent.kind,
    name: agent.metadata.name,
    uid: agent.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function childMetadata(agent: AgentDeployment, name: string) {
  return {
    name,
    namespace: agent.metadata.namespace,
    labels: standardLabels(agent.metadata.name),
    ownerReferences: [ownerReference(agent)],
  };
}
