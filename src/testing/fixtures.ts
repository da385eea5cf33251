// Objects for unit tests of the pure core, built through the real schemas so defaults apply as the
// API server applies them.
import { type AgentDeployment, agentDeploymentSpecSchema } from "../api/agentdeployment.ts";
import { type GPUClass, gpuClassSpecSchema } from "../api/gpuclass.ts";
import type { StartDecision } from "../dependencies/start.ts";
import type { GpuChoice } from "../placement/gpu-choice.ts";
import type { NodeInfo } from "../placement/nodes.ts";
import { vramNeedOn } from "../placement/vram-need.ts";
import { agentDependencies } from "../reconcilers/agent-dependencies.ts";
import type { RenderInput } from "../render/input.ts";

export function agent(name: string, spec: Record<string, unknown>, namespace = "agents"): AgentDeployment {
  return {
    apiVersion: "agentfleet.io/v1alpha1",
    kind: "AgentDeployment",
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec: agentDeploymentSpecSchema.parse({ image: `cascade/${name}:1.0`, ...spec }),
  };
}

export function gpuClass(name: string, product: string, vramMiB: number, replicas = 4): GPUClass {
  return {
    apiVersion: "agentfleet.io/v1alpha1",
    kind: "GPUClass",
    metadata: { name },
    spec: gpuClassSpecSchema.parse({
      nodeSelectorTerms: [
        {
          matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: [product, `${product}-SHARED`] }],
        },
      ],
      vramMiB,
      reservedMiB: 512,
      sharing: { replicas },
      runtimeClassName: "nvidia",
    }),
  };
}

export const rtx4090 = gpuClass("rtx-4090", "NVIDIA-GeForce-RTX-4090", 24564, 8);
export const rtx3060 = gpuClass("rtx-3060", "NVIDIA-GeForce-RTX-3060", 12288, 4);
export const classes = new Map([rtx4090, rtx3060].map((c) => [c.metadata.name, c]));

export function node(name: string, product: string, ready = true, schedulable = true): NodeInfo {
  return { name, labels: { "nvidia.com/gpu.product": `${product}-SHARED` }, ready, schedulable };
}

export const mainpc = node("mainpc", "NVIDIA-GeForce-RTX-4090");
export const pc2 = node("pc2", "NVIDIA-GeForce-RTX-3060");

/** A GPU choice as the fleet's placement would make it. */
export function placedOn(a: AgentDeployment, className: string, node: string, fallback = false): GpuChoice {
  const gpuClass = classes.get(className) as GPUClass;
  const vramMiB = a.spec.gpu ? vramNeedOn(a.spec.gpu, className) : 0;
  return { kind: "gpu", gpuClass, node, vramMiB, env: [], fallback };
}

/** An agent's dependencies as the reconciler reads them, from the agents of its namespace. */
export function dependenciesAmong(a: AgentDeployment, namespaceAgents: readonly AgentDeployment[] = []) {
  return agentDependencies(a, {
    get: (name) => namespaceAgents.find((x) => x.metadata.name === name),
    dependents: () => namespaceAgents,
  });
}

/** What the start gate says of an agent free to run. */
export const startNow: StartDecision = { start: true, because: "DependenciesReady" };

/** The render input of an agent that has started and has no dependencies, unless told otherwise. */
export function renderInput(
  a: AgentDeployment,
  placement: RenderInput["placement"],
  disruption: RenderInput["disruption"] = { protect: false },
  extra: Partial<RenderInput> = {},
): RenderInput {
  return { agent: a, placement, disruption, started: true, dependencies: [], dependents: [], ...extra };
}
