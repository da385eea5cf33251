// What the render functions take, declared here as data: the placement core decides where an agent
// runs and whether its budget holds a drain, and the reconciler hands those decisions over in this
// shape. Render knows nothing of how they were made.
import type { AgentDeployment, EnvVar } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";

/** Where an agent's pods go: anywhere (CPU), one node of a GPU class, or nowhere yet. */
export type PodPlacement =
  | { kind: "cpu" }
  | {
      kind: "gpu";
      gpuClass: GPUClass;
      /** The node the agent's pods are pinned to. */
      node: string;
      /** Extra environment for this class (a fallback's override). */
      env: readonly EnvVar[];
    }
  /** Waiting for room: the Deployment is kept at zero replicas, still shaped for its own class. */
  | { kind: "unplaceable"; gpuClass?: GPUClass | undefined };

export interface DrainProtection {
  /** minAvailable: 1 when true (the agent can run elsewhere); maxUnavailable: 1 otherwise. */
  protect: boolean;
}

/** An agent this one depends on, as it can be reached: its Service's name and ports. */
export interface DependencyEndpoint {
  name: string;
  ports: readonly { name: string; port: number }[];
}

export interface RenderInput {
  agent: AgentDeployment;
  placement: PodPlacement;
  disruption: DrainProtection;
  /** Its pods may run: its dependencies allow it (or allowed it once). Else the Deployment has zero replicas. */
  started: boolean;
  /** The dependencies that exist, for the addresses its container is given. */
  dependencies: readonly DependencyEndpoint[];
  /** The agents that depend on this one: the only ones its NetworkPolicy lets in (with allowFrom). */
  dependents: readonly string[];
  /** The nodes its pods (not being deleted) run on now: a GPU agent moving off one keeps serving. */
  podNodes?: readonly string[];
}

/** A child object as the renderer builds it, ready for server-side apply. */
export interface Child {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string | undefined; annotations?: Record<string, string> };
  [field: string]: unknown;
}
