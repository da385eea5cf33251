// The resources the operator reads and writes, by group, version and plural: what the REST paths
// are built from. Knows nothing of agents: the reconcilers name what they need.

export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const resource = <K extends string>(
  group: string,
  version: string,
  kind: K,
  plural: string,
  namespaced: boolean,
): ResourceType & { kind: K } => ({ group, version, kind, plural, namespaced });

export const apiVersionOf = (r: ResourceType) => (r.group ? `${r.group}/${r.version}` : r.version);

/** The REST path of a collection (name undefined) or an object; across namespaces when namespace is undefined. */
export function resourcePath(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const obj = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ""}` : "";
  return `${prefix}${ns}/${r.plural}${obj}`;
}

/**
 * The resource (and subresource) a request path names: /apis/apps/v1/namespaces/x/deployments/y →
 * "deployments"; …/agentdeployments/y/status → "agentdeployments/status". For counting writes by kind.
 */
export function resourceOfPath(path: string): string {
  const parts = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  // api/v1/… or apis/group/version/…, then an optional namespaces/NS.
  let rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  if (rest[0] === "namespaces" && rest.length > 2) rest = rest.slice(2);
  const [plural, , subresource] = rest;
  return plural ? `${plural}${subresource ? `/${subresource}` : ""}` : "unknown";
}

export const core = {
  node: resource("", "v1", "Node", "nodes", false),
  namespace: resource("", "v1", "Namespace", "namespaces", false),
  pod: resource("", "v1", "Pod", "pods", true),
  service: resource("", "v1", "Service", "services", true),
  configMap: resource("", "v1", "ConfigMap", "configmaps", true),
  deployment: resource("apps", "v1", "Deployment", "deployments", true),
  podDisruptionBudget: resource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
  networkPolicy: resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
  runtimeClass: resource("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false),
  event: resource("events.k8s.io", "v1", "Event", "events", true),
  lease: resource("coordination.k8s.io", "v1", "Lease", "leases", true),
};
