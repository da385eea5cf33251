// The label and annotation keys AgentFleet reads and writes, in one place: the operator puts them on
// an agent's children, the importer on the manifests it writes, and the watches select by them.

/** Kubernetes' recommended labels, as the operator sets them on every child of an agent. */
export const labelKeys = {
  name: "app.kubernetes.io/name",
  managedBy: "app.kubernetes.io/managed-by",
  partOf: "app.kubernetes.io/part-of",
  /** On an imported agent: the machine the legacy fleet ran it on. */
  legacyMachine: "agentfleet.io/legacy-machine",
} as const;

/** Kubernetes' Pod Security admission: the standard a namespace's pods must meet. */
export const podSecurityEnforce = "pod-security.kubernetes.io/enforce";

/** The value of app.kubernetes.io/managed-by (and part-of) on everything the operator owns. */
export const managedBy = "agentfleet";
export const managedBySelector = `${labelKeys.managedBy}=${managedBy}`;

export const annotationKeys = {
  /** On every child: the digest of its desired state, so an unchanged child is never written again. */
  appliedHash: "agentfleet.io/applied-hash",
  /**
   * On every child the operator writes: the digest of the fields a hand edit would change, as
   * rendered, which the live child's must equal (reconcilers/child-drift.ts).
   */
  renderedDrift: "agentfleet.io/drift-digest",
  /** On the pod template: the digest of the agent's config, so a config change rolls the pods. */
  configHash: "agentfleet.io/config-hash",
  /**
   * On an agent's Deployment: its pods were allowed to start (its dependencies were Ready, or it
   * starts immediately). Once there, a dependency that goes unready never stops the agent.
   */
  started: "agentfleet.io/started",
  /** On the pod template: the node and GPU class the fleet's placement pinned the agent to. */
  placedNode: "agentfleet.io/placed-node",
  placedClass: "agentfleet.io/placed-class",
  /** On an imported agent: its name, file and line in the legacy fleet, and why it was put on a GPU. */
  legacyName: "agentfleet.io/legacy-name",
  legacySource: "agentfleet.io/legacy-source",
  gpuEvidence: "agentfleet.io/gpu-evidence",
} as const;
