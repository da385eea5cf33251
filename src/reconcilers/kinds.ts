// The REST resources of AgentFleet's own kinds, from the group and version the API declares.
import { group, version } from "../api/group.ts";
import { resource } from "../controller/resources.ts";

export const agentDeploymentResource = resource(group, version, "AgentDeployment", "agentdeployments", true);
export const gpuClassResource = resource(group, version, "GPUClass", "gpuclasses", false);
