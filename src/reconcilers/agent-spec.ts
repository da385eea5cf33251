// An agent's spec as the schema reads it, defaults filled in. The planner reads every agent's spec
// on every plan and the reconciler its own on every reconcile; parsing once per version of the
// object (the caches replace an object when it changes) keeps a large fleet's plans cheap.
import { type AgentDeployment, agentDeploymentSpecSchema } from "../api/agentdeployment.ts";

type ParsedSpec = ReturnType<typeof agentDeploymentSpecSchema.safeParse>;

const parsedSpecs = new WeakMap<AgentDeployment, ParsedSpec>();

export function parseAgentSpec(agent: AgentDeployment): ParsedSpec {
  let parsed = parsedSpecs.get(agent);
  if (!parsed) {
    parsed = agentDeploymentSpecSchema.safeParse(agent.spec);
    parsedSpecs.set(agent, parsed);
  }
  return parsed;
}
