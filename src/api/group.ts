// The API group and version every AgentFleet kind belongs to.
export const group = "agentfleet.io";
export const version = "v1alpha1";
export const apiVersion = `${group}/${version}`;

/** The field manager of every server-side apply the operator makes. */
export const fieldManager = "agentfleet";
