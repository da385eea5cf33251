// The one table of what an agent owns. Each kind of child has an entry: its resource (the REST path
// to apply it to, and the RBAC rule the chart must grant), the render function that builds it, what
// the operator's cache keeps of it, and whether a child the agent no longer renders is deleted.
// The caches, the apply and prune steps and a test of the chart's RBAC all read this table: adding a
// kind is one entry here and its render function.
import type { KubeObject } from "../controller/objects.ts";
import { core, type ResourceType } from "../controller/resources.ts";
import { withAppliedHash } from "../render/applied-hash.ts";
import { renderConfigMap } from "../render/configmap.ts";
import { renderDeployment } from "../render/deployment.ts";
import type { Child, RenderInput } from "../render/input.ts";
import { renderNetworkPolicy } from "../render/networkpolicy.ts";
import { renderPodDisruptionBudget } from "../render/pdb.ts";
import { renderService } from "../render/service.ts";
import { deploymentFields, metadataOnly } from "./cached-fields.ts";
import {
  configMapDrift,
  type DriftProjection,
  deploymentDrift,
  networkPolicyDrift,
  pdbDrift,
  serviceDrift,
} from "./child-drift.ts";

export interface ChildKind {
  resource: ResourceType;
  /** The child of one agent, or undefined when the agent needs none of this kind. */
  render: (input: RenderInput) => Child | undefined;
  /** What the cache keeps of each object: the fields the reconciler reads (cached-fields.ts). */
  cache: (obj: KubeObject) => KubeObject;
  /** The fields a hand edit would change, compared between the rendered and the live child (child-drift.ts). */
  drift: DriftProjection;
  /**
   * Deleted when the agent stops rendering one (its config or its ports removed). Kinds the agent
   * always has are never pruned: a Deployment of an agent that waits stays, at zero replicas.
   */
  prune: boolean;
  /**
   * The agent's status reads it (a Deployment's replicas and conditions): the echo of its write
   * reconciles the agent again, and the status waits for it. The echo of any other kind's write is
   * skipped (own-writes.ts), and a reconcile that wrote only such kinds writes the status at once.
   */
  readByStatus: boolean;
}

/** In the order they are applied: the ConfigMap before the Deployment that mounts it. */
export const childKinds = [
  {
    resource: core.configMap,
    render: ({ agent }) => renderConfigMap(agent),
    cache: metadataOnly,
    drift: configMapDrift,
    prune: true,
    readByStatus: false,
  },
  {
    resource: core.service,
    render: ({ agent }) => renderService(agent),
    cache: metadataOnly,
    drift: serviceDrift,
    prune: true,
    readByStatus: false,
  },
  {
    resource: core.deployment,
    render: (input) => renderDeployment(input),
    cache: deploymentFields,
    drift: deploymentDrift,
    prune: false,
    readByStatus: true,
  },
  {
    resource: core.podDisruptionBudget,
    render: ({ agent, disruption }) => renderPodDisruptionBudget(agent, disruption),
    cache: metadataOnly,
    drift: pdbDrift,
    prune: false,
    readByStatus: false,
  },
  {
    resource: core.networkPolicy,
    render: ({ agent, dependents }) => renderNetworkPolicy(agent, dependents),
    cache: metadataOnly,
    drift: networkPolicyDrift,
    prune: true,
    readByStatus: false,
  },
] as const satisfies readonly ChildKind[];

export type ChildKindName = (typeof childKinds)[number]["resource"]["kind"];

export function childKind(kind: string): ChildKind {
  const found = childKinds.find((k) => k.resource.kind === kind);
  if (!found) throw new Error(`${kind} is not a kind of child in the table of child kinds`);
  return found;
}

/** Every child of one agent, as the operator wants it, each marked with the digest of its state. */
export function renderChildren(input: RenderInput): Child[] {
  return childKinds.flatMap((k) => {
    const child = k.render(input);
    return child ? [withAppliedHash(child)] : [];
  });
}
