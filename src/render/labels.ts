// The labels and owner reference every child of an agent carries, so that `kubectl get -l` finds them,
// the garbage collector removes them with their agent, and the operator's watches see only its own.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { OwnerReference } from "../controller/objects.ts";

export const managedBy = "agentfleet";
export const managedBySelector = `app.kubernetes.io/managed-by=${managedBy}`;

/** Annotations the operator sets on its children. */
export const annotations = {
  appliedHash: "agentfleet.io/applied-hash",
  configHash: "agentfleet.io/config-hash",
  legacyName: "agentfleet.io/legacy-name",
  /** On the pod template: the node and GPU class the fleet's placement pinned the agent to. */
  placedNode: "agentfleet.io/placed-node",
  placedClass: "agentfleet.io/placed-class",
} as const;

export function selectorLabels(agentName: string): Record<string, string> {
  return { "app.kubernetes.io/name": agentName, "app.kubernetes.io/managed-by": managedBy };
}

export function standardLabels(agentName: string): Record<string, string> {
  return { ...selectorLabels(agentName), "app.kubernetes.io/part-of": "agentfleet" };
}

export function ownerReference(agent: AgentDeployment): OwnerReference {
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
