// How many agents are Ready, or Deployments Available, kept by a watch. The bench used to ask kubectl
// once a second for every object of the kind: a full list the API server encoded and a new kubectl
// process decoded, each second, on the two cores whose work it measures (15 to 25 MB of JSON at 3,000
// agents). A watch costs the API server one event per change, and the bench one in-process cache.
import pino from "pino";
import type { AgentDeployment } from "../src/api/agentdeployment.ts";
import { AgentCondition, conditionTrue } from "../src/api/conditions.ts";
import { Informer } from "../src/controller/informer.ts";
import type { KubeObject } from "../src/controller/objects.ts";
import { core } from "../src/controller/resources.ts";
import type { KubeClient } from "../src/controller/rest.ts";
import { agentDeploymentResource } from "../src/reconcilers/kinds.ts";

type Counted = KubeObject & { counted: boolean };

interface DeploymentLike {
  spec?: { replicas?: number };
  status?: { availableReplicas?: number };
}

/** An agent counts when its Ready condition is True. */
const agentReady = (obj: KubeObject) => conditionTrue(obj as AgentDeployment, AgentCondition.Ready);

/** A Deployment counts when all the replicas it wants are available (none wanted: at once). */
const deploymentAvailable = (obj: KubeObject) => {
  const d = obj as DeploymentLike;
  return (d.status?.availableReplicas ?? 0) === (d.spec?.replicas ?? 1);
};

export interface ReadyWatch {
  /** How many of the kind in `namespaces` count now. */
  count(namespaces: Iterable<string>): number;
  stop(): void;
}

/**
 * Watches every AgentDeployment ("agents") or Deployment ("deployments") and keeps whether each
 * counts; `observe` sees each version as it comes, before it is cut down.
 */
export async function watchReady(
  client: KubeClient,
  kind: "agents" | "deployments",
  observe?: (obj: KubeObject) => void,
): Promise<ReadyWatch> {
  const counts = kind === "agents" ? agentReady : deploymentAvailable;
  const informer = new Informer<Counted>(
    client,
    kind === "agents" ? agentDeploymentResource : core.deployment,
    pino({ level: "silent" }),
    {
      // Only whether it counts is kept: the cache holds a name and a boolean per object.
      transform: (obj) => {
        observe?.(obj);
        return {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          metadata: {
            name: obj.metadata.name,
            namespace: obj.metadata.namespace,
            resourceVersion: obj.metadata.resourceVersion,
          },
          counted: counts(obj),
        } as Counted;
      },
    },
  );
  await informer.start();
  return {
    count: (namespaces) => [...namespaces].reduce((n, ns) => n + informer.list(ns).filter((o) => o.counted).length, 0),
    stop: () => informer.stop(),
  };
}
