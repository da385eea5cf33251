// Losing a PC (N−1), or draining it (a drain is a planned loss: the operator's budgets hold it only
// until each protected agent runs elsewhere, so what a drain stops is what a loss stops): for each node in turn, the operator's own planner re-plans the fleet without it.
// Which agents move where, which stop, and what that leaves on the other cards. A required agent
// that one node's loss stops is a blocker, with the fix that would keep it up. Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentReason } from "../api/conditions.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { usable } from "../placement/nodes.ts";
import type { Decision, Supply } from "../placement/plan.ts";
import { agentRef, type Finding, finding } from "./findings.ts";
import { type CardUsage, cardUsage, keyOf, placementsOf, planFleet } from "./plan.ts";
import type { ClaimOnNode } from "./snapshot.ts";

export interface NodeLossScenario {
  node: string;
  moves: { agent: string; from: string; to: string; gpuClass: string; fallback: boolean }[];
  stopped: { agent: string; required: boolean; why: string }[];
  /** The cards that remain, after the re-plan. */
  cards: CardUsage[];
}

/** The node an agent's storage ties it to, if one of its claims is bound to a node-local volume. */
function tiedTo(agent: AgentDeployment, claims: readonly ClaimOnNode[]): string | undefined {
  for (const v of agent.spec.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    const bound = claims.find((c) => c.namespace === agent.metadata.namespace && c.name === claim && c.node);
    if (bound?.node) return bound.node;
  }
  return undefined;
}

export function nodeLoss(
  agents: readonly AgentDeployment[],
  classes: ReadonlyMap<string, GPUClass>,
  nodes: readonly Supply[],
  before: ReadonlyMap<string, Decision>,
  claims: readonly ClaimOnNode[] = [],
): { scenarios: NodeLossScenario[]; findings: Finding[] } {
  const scenarios: NodeLossScenario[] = [];
  const findings: Finding[] = [];
  const current = placementsOf(before);
  for (const lost of nodes.filter(usable)) {
    const without = nodes.map((n) => (n.name === lost.name ? { ...n, ready: false } : n));
    const after = planFleet(agents, classes, without, current);
    const scenario: NodeLossScenario = { node: lost.name, moves: [], stopped: [], cards: [] };
    for (const a of agents) {
      const key = keyOf(a);
      const was = before.get(key);
      const now = after.get(key);
      const tied = tiedTo(a, claims);
      if (tied === lost.name && (!a.spec.gpu || was?.kind === "placed")) {
        scenario.stopped.push({ agent: key, required: a.spec.required, why: `its storage is on ${lost.name}` });
        if (a.spec.required) {
          findings.push(
            finding(
              "node-loss-local-storage",
              agentRef(a),
              `if ${lost.name} goes down it cannot run anywhere: its PersistentVolumeClaim is bound to a volume on ${lost.name}`,
              "a node-local volume (k3s's local-path) follows no failover",
              "put its data on a volume both PCs reach (NFS, Longhorn), or keep a copy of the models on each PC",
            ),
          );
        }
        continue;
      }
      if (!a.spec.gpu || was?.kind !== "placed") continue;
      if (now?.kind === "placed" && (now.node !== was.node || was.node === lost.name)) {
        scenario.moves.push({
          agent: key,
          from: was.node,
          to: now.node,
          gpuClass: now.gpuClass,
          fallback: now.fallback,
        });
        continue;
      }
      if (now?.kind !== "waiting") continue;
      const displaced = was.node !== lost.name;
      scenario.stopped.push({
        agent: key,
        required: a.spec.required,
        why: displaced ? `displaced to make room: ${now.message}` : now.message,
      });
      if (!a.spec.required) continue;
      const fallbacks = a.spec.gpu.fallbackClasses ?? [];
      const why =
        fallbacks.length || displaced
          ? now.message
          : `${a.spec.gpu.class} has no other Ready node, and it has no fallback class`;
      findings.push(
        finding(
          "node-loss-stops-required",
          agentRef(a),
          `if ${lost.name} goes down it runs nowhere: ${why}`,
          "a required agent is one whose loss is an outage",
          fallbacks.length && now.reason === AgentReason.NoFreeGPU
            ? `free a time-sliced GPU replica on ${fallbacks.join(" or ")} (fewer agents there, or more replicas in the device plugin's time-slicing config and the class's sharing.replicas), or mark fewer agents there required`
            : fallbacks.length
              ? `make room for it on ${fallbacks.join(" or ")} (its VRAM need there: a smaller spec.gpu.overrides[].vramMiB), or mark fewer agents on that card required`
              : `add a fallback class on another PC (spec.gpu.fallbackClasses${[...classes.keys()].filter((c) => c !== a.spec.gpu?.class).length ? `: ${[...classes.keys()].filter((c) => c !== a.spec.gpu?.class).join(", ")}` : ""}), with a smaller VRAM override there if it does not fit`,
        ),
      );
    }
    // CPU agents go wherever the scheduler puts them: only a fleet with one usable node stops them.
    if (without.filter(usable).length === 0) {
      for (const a of agents.filter((x) => !x.spec.gpu)) {
        scenario.stopped.push({ agent: keyOf(a), required: a.spec.required, why: "no other node" });
        if (a.spec.required) {
          findings.push(
            finding(
              "node-loss-stops-required",
              agentRef(a),
              `if ${lost.name} goes down no node is left to run it`,
              "a required agent is one whose loss is an outage",
              "add a second node",
            ),
          );
        }
      }
    }
    scenario.cards = cardUsage(agents, classes, without, after).filter((c) => c.node !== lost.name);
    const optional = scenario.stopped.filter((s) => !s.required);
    if (optional.length) {
      findings.push(
        finding(
          "node-loss-stops-optional",
          `node ${lost.name}`,
          `if it goes down, ${optional.length} optional agent${optional.length > 1 ? "s stop" : " stops"}: ${optional.map((s) => s.agent).join(", ")}`,
          "they wait until the node returns or room appears",
          "give the ones that matter a fallback class, or mark them required",
        ),
      );
    }
    scenarios.push(scenario);
  }
  return { scenarios, findings };
}
