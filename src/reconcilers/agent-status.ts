// An agent's status, decided from what the caches hold. Pure: the reconciler writes the result.

import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, AgentReason, containerWaitingReasons } from "../api/conditions.ts";
import type { StartDecision } from "../dependencies/start.ts";
import type { DisruptionPolicy } from "../placement/disruption.ts";
import type { GpuChoice } from "../placement/gpu-choice.ts";
import type { AgentDependencies } from "./agent-dependencies.ts";
import type { ConditionInput } from "./conditions.ts";
import { dependenciesReady, dependenciesRequired, waitingFor } from "./dependency-conditions.ts";

export interface StatusInput {
  agent: AgentDeployment;
  gpu: GpuChoice;
  disruption: DisruptionPolicy;
  deployment: V1Deployment | undefined;
  pods: readonly V1Pod[];
  dependencies: AgentDependencies;
  /** Whether its pods may run, by its dependencies. */
  start: StartDecision;
}

export interface DecidedStatus {
  conditions: ConditionInput[];
  replicas: number;
  readyReplicas: number;
  ready: string;
  gpuClass?: string;
  node?: string;
  vramMiB?: number;
}

const isPodReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
const live = (p: V1Pod) => !p.metadata?.deletionTimestamp;

function unschedulable(pods: readonly V1Pod[]): string | undefined {
  for (const p of pods) {
    const c = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    if (c?.reason === "Unschedulable") return c.message ?? "no node fits";
  }
  return undefined;
}

const stuckReasons = new Set<string>(containerWaitingReasons);

function stuckContainer(pods: readonly V1Pod[]): { reason: string; message: string } | undefined {
  for (const p of pods) {
    for (const c of p.status?.containerStatuses ?? []) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && stuckReasons.has(waiting.reason)) {
        return { reason: waiting.reason, message: `pod ${p.metadata?.name}: ${waiting.message ?? waiting.reason}` };
      }
    }
  }
  return undefined;
}

function placed(input: StatusInput, node: string | undefined): ConditionInput {
  const { gpu, pods } = input;
  if (gpu.kind === "unplaceable")
    return { type: AgentCondition.Placed, status: "False", reason: gpu.reason, message: gpu.message };
  const blocked = unschedulable(pods.filter(live));
  if (blocked && !node) {
    return {
      type: AgentCondition.Placed,
      status: "False",
      reason: AgentReason.Unschedulable,
      message: `the scheduler cannot place its pod: ${blocked}`,
    };
  }
  const where = node ? `on node ${node}` : input.start.start ? "waiting for the scheduler" : "once it starts";
  if (gpu.kind === "cpu")
    return {
      type: AgentCondition.Placed,
      status: "True",
      reason: AgentReason.CPUOnly,
      message: `needs no GPU; runs ${where}`,
    };
  const className = gpu.gpuClass.metadata.name;
  return gpu.fallback
    ? {
        type: AgentCondition.Placed,
        status: "True",
        reason: AgentReason.FallbackActive,
        message: `runs on fallback class ${className} (${gpu.vramMiB} MiB VRAM) ${where}: its own class ${input.agent.spec.gpu?.class} has no Ready node with room`,
      }
    : {
        type: AgentCondition.Placed,
        status: "True",
        reason: AgentReason.Placed,
        message: `runs on ${className} (${gpu.vramMiB} MiB VRAM) ${where}`,
      };
}

/**
 * Everything of a pod that an agent's reconcile reads (here and where it runs, for its disruption
 * policy): a pod update that changes none of it (a probe's timestamp, a container's start time, an
 * IP) wakes no reconcile. A new field read of a pod joins this signature.
 */
export function podSignature(p: V1Pod): string {
  const scheduled = p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  return JSON.stringify([
    p.metadata?.deletionTimestamp ?? null,
    p.spec?.nodeName ?? null,
    isPodReady(p),
    scheduled ? [scheduled.reason ?? null, scheduled.message ?? null] : null,
    (p.status?.containerStatuses ?? []).map((c) => [
      c.state?.waiting?.reason ?? null,
      c.state?.waiting?.message ?? null,
    ]),
  ]);
}

export function decideStatus(input: StatusInput): DecidedStatus {
  const { agent, gpu, deployment, disruption } = input;
  const want = agent.spec.replicas;
  const pods = input.pods.filter(live);
  const readyPods = pods.filter(isPodReady);
  // The first node by name, not by the cache's order of pods: with pods on two nodes, that order
  // differs after a restart, and every restart would rewrite the status of every such agent.
  const firstNode = (of: readonly V1Pod[]) =>
    of
      .map((p) => p.spec?.nodeName)
      .filter((n): n is string => n !== undefined)
      .sort()[0];
  const node = firstNode(readyPods) ?? firstNode(pods);
  const placedCondition = placed(input, node);

  const generationSeen = (deployment?.status?.observedGeneration ?? -1) >= (deployment?.metadata?.generation ?? 0);
  const updated = deployment?.status?.updatedReplicas ?? 0;
  const readyReplicas = deployment?.status?.readyReplicas ?? 0;
  const available = deployment?.status?.availableReplicas ?? 0;
  const total = deployment?.status?.replicas ?? 0;
  const rolledOut = deployment !== undefined && generationSeen && updated >= want && total <= want && available >= want;
  // Ready says whether the agent serves, as a Deployment's Available does: as many pods available as
  // it asks for, whatever version they run. A roll that keeps the old pod until the new one is Ready
  // (a CPU agent's) leaves it Ready; Progressing says that it rolls. Were Ready to follow the roll,
  // a config change would flip every dependent's DependenciesReady, and the not-Ready alerts, for an
  // agent that never stopped answering.
  const serving = deployment !== undefined && want > 0 && available >= want;

  const stuck = stuckContainer(pods);
  let ready: ConditionInput;
  if (placedCondition.status === "False") {
    ready = {
      type: AgentCondition.Ready,
      status: "False",
      reason: placedCondition.reason,
      message: placedCondition.message,
    };
  } else if (!input.start.start) {
    ready = {
      type: AgentCondition.Ready,
      status: "False",
      reason: AgentReason.WaitingForDependencies,
      message: `not started: waiting for ${waitingFor(input.start)}`,
    };
  } else if (serving) {
    ready = {
      type: AgentCondition.Ready,
      status: "True",
      reason: AgentReason.Available,
      // At most `want`: while a roll surges, the old pod and the new one are both Ready for a moment.
      message: `${Math.min(readyReplicas, want)}/${want} pods Ready${node ? ` on ${node}` : ""}`,
    };
  } else if (rolledOut && want === 0) {
    ready = { type: AgentCondition.Ready, status: "True", reason: AgentReason.ScaledToZero, message: "replicas is 0" };
  } else if (stuck) {
    ready = { type: AgentCondition.Ready, status: "False", reason: stuck.reason, message: stuck.message };
  } else {
    ready = {
      type: AgentCondition.Ready,
      status: "False",
      reason: deployment ? AgentReason.Starting : AgentReason.Creating,
      message: `${readyReplicas}/${want} pods Ready`,
    };
  }

  const failure = deployment?.status?.conditions?.find(
    (c) =>
      (c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded") ||
      (c.type === "ReplicaFailure" && c.status === "True"),
  );
  const conditions: ConditionInput[] = [
    ready,
    placedCondition,
    !input.start.start && placedCondition.status === "True"
      ? {
          type: AgentCondition.Progressing,
          status: "True",
          reason: AgentReason.WaitingForDependencies,
          message: `waiting for ${waitingFor(input.start)} before it starts`,
        }
      : rolledOut || placedCondition.status === "False"
        ? {
            type: AgentCondition.Progressing,
            status: "False",
            reason: rolledOut ? AgentReason.RolloutComplete : AgentReason.NotPlaced,
            message: rolledOut ? `${updated}/${want} pods up to date` : "nothing to roll out until the agent is placed",
          }
        : {
            type: AgentCondition.Progressing,
            status: "True",
            reason: AgentReason.RollingOut,
            message: `${updated}/${want} pods up to date, ${available} available`,
          },
    stuck
      ? { type: AgentCondition.Degraded, status: "True", reason: stuck.reason, message: stuck.message }
      : failure
        ? {
            type: AgentCondition.Degraded,
            status: "True",
            reason: failure.reason ?? "ReplicaFailure",
            message: failure.message ?? "the Deployment reports a failure",
          }
        : {
            type: AgentCondition.Degraded,
            status: "False",
            reason: AgentReason.AsExpected,
            message: "no failure reported",
          },
    dependenciesReady(input.dependencies, input.start),
    ...dependenciesRequired(agent, input.dependencies),
    {
      type: AgentCondition.DisruptionProtected,
      status: disruption.protect ? "True" : "False",
      reason: disruption.reason,
      message: disruption.message,
    },
    ...(gpu.kind === "gpu"
      ? [
          gpu.fallback
            ? {
                type: AgentCondition.FallbackActive,
                status: "True" as const,
                reason: AgentReason.OwnClassUnavailable,
                message: `runs on ${gpu.gpuClass.metadata.name} because ${agent.spec.gpu?.class} has no Ready node with room${
                  agent.spec.gpu?.failback === false ? "; fail-back is off" : "; it moves back when there is"
                }`,
              }
            : {
                type: AgentCondition.FallbackActive,
                status: "False" as const,
                reason: AgentReason.OnOwnClass,
                message: `runs on its own class ${gpu.gpuClass.metadata.name}`,
              },
        ]
      : []),
  ];

  return {
    conditions,
    replicas: total,
    readyReplicas,
    ready: `${readyReplicas}/${want}`,
    ...(gpu.kind === "gpu"
      ? { gpuClass: gpu.gpuClass.metadata.name, vramMiB: gpu.vramMiB, node: gpu.node }
      : node
        ? { node }
        : {}),
  };
}
