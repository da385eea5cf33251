// The NetworkPolicy that makes an agent reachable only by what depends on it: ingress to its pods
// from the pods of the agents that list it in their dependencies, and from spec.network.allowFrom, on
// its declared ports. Egress is left open. None when spec.network.isolation is None.
//
// Health probes keep working: NetworkPolicy v1 lets traffic from the pod's own node through whatever
// the policies say, and kubelet probes come from there (k3s's embedded kube-router controller follows
// that rule; docs in the README's API section).
import type { AgentDeployment, LabelSelector } from "../api/agentdeployment.ts";
import type { RenderInput } from "./input.ts";
import { childMetadata, selectorLabels } from "./labels.ts";

/** A selector with empty fields left out, as the API server would store it. */
function selector(s: LabelSelector | undefined): Record<string, unknown> {
  return {
    ...(s?.matchLabels && Object.keys(s.matchLabels).length ? { matchLabels: s.matchLabels } : {}),
    ...(s?.matchExpressions?.length ? { matchExpressions: s.matchExpressions } : {}),
  };
}

export function renderNetworkPolicy(agent: AgentDeployment, dependents: RenderInput["dependents"]) {
  const network = agent.spec.network;
  if (network?.isolation === "None") return undefined;
  const ports = (agent.spec.ports ?? []).map((p) => ({ protocol: p.protocol, port: p.port }));
  const peers = [
    ...[...new Set(dependents)].sort().map((name) => ({ podSelector: { matchLabels: selectorLabels(name) } })),
    ...(network?.allowFrom ?? []).map((peer) => ({
      ...(peer.namespaceSelector ? { namespaceSelector: selector(peer.namespaceSelector) } : {}),
      ...(peer.podSelector ? { podSelector: selector(peer.podSelector) } : {}),
    })),
  ];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: childMetadata(agent, agent.metadata.name),
    spec: {
      podSelector: { matchLabels: selectorLabels(agent.metadata.name) },
      policyTypes: ["Ingress"],
      // No peer, or no port to reach: nothing may connect (an empty list denies all ingress).
      ingress: peers.length && ports.length ? [{ from: peers, ports }] : [],
    },
  };
}
