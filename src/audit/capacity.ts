// Capacity: agents the plan cannot place, and cards with little VRAM left. Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { Decision } from "../placement/plan.ts";
import { agentRef, type Finding, finding } from "./findings.ts";
import { type CardUsage, keyOf } from "./plan.ts";

/** Below this share of free VRAM, a card has little room for a fallback: a note. */
export const headroomShare = 0.1;

export function capacityFindings(
  agents: readonly AgentDeployment[],
  decisions: ReadonlyMap<string, Decision>,
  cards: readonly CardUsage[],
): Finding[] {
  const findings: Finding[] = [];
  for (const a of agents) {
    const d = decisions.get(keyOf(a));
    if (!a.spec.gpu || d?.kind !== "waiting") continue;
    findings.push(
      finding(
        a.spec.required ? "required-agent-unplaceable" : "agent-unplaceable",
        agentRef(a),
        `cannot be placed (${d.reason}): ${d.message}`,
        a.spec.required
          ? "a required agent that cannot run is an outage of what depends on it"
          : "it will not run: its Deployment stays at zero replicas until room appears",
        "free VRAM on its class, give it a fallback class with room (spec.gpu.fallbackClasses), a smaller need (spec.gpu.vramMiB or an override), or add a GPU",
      ),
    );
  }
  for (const card of cards) {
    if (!card.ready || card.capacityMiB <= 0 || card.freeMiB >= card.capacityMiB * headroomShare) continue;
    findings.push(
      finding(
        "vram-headroom",
        `node ${card.node}`,
        `${card.gpuClass} has ${card.freeMiB} of ${card.capacityMiB} MiB free (${Math.round((100 * card.requestedMiB) / card.capacityMiB)} % requested)`,
        "a card this full cannot take the agents of another card that fails",
        "move optional agents to the other card, or lower their vramMiB",
      ),
    );
  }
  return findings;
}
