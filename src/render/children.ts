// Every child object of one agent, as the operator wants it. Pure: the reconciler applies the result.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { DisruptionPolicy } from "../placement/disruption.ts";
import type { GpuChoice } from "../placement/gpu-choice.ts";
import { renderConfigMap } from "./configmap.ts";
import { renderDeployment } from "./deployment.ts";
import { stableHash } from "./hash.ts";
import { annotations } from "./labels.ts";
import { renderPodDisruptionBudget } from "./pdb.ts";
import { renderService } from "./service.ts";

export interface Child {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string | undefined; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderInput {
  agent: AgentDeployment;
  /** CPU, a GPU node, or waiting (its Deployment then has zero replicas). */
  gpu: GpuChoice;
  disruption: DisruptionPolicy;
}

/** Marks a child with the digest of its desired state, so an unchanged child is never written again. */
function withAppliedHash<T extends Child>(child: T): T {
  const hash = stableHash(child);
  return {
    ...child,
    metadata: { ...child.metadata, annotations: { ...child.metadata.annotations, [annotations.appliedHash]: hash } },
  };
}

export function renderChildren({ agent, gpu, disruption }: RenderInput): Child[] {
  const configMap = renderConfigMap(agent);
  const children: (Child | undefined)[] = [
    configMap,
    renderService(agent),
    renderDeployment(agent, gpu, configMap ? stableHash(configMap.data) : undefined),
    renderPodDisruptionBudget(agent, disruption),
  ];
  return children.filter((c): c is Child => c !== undefined).map(withAppliedHash);
}
