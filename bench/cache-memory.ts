// npm run bench:cache-memory [-- --agents N]
// What one cached object costs the operator's heap, per kind, as the caches keep it: objects shaped
// as the API server sends them (metadata, managed fields, status) for the bench's fleet, parsed from
// JSON one by one (as a watch delivers them, so nothing is shared), cut down by the same transforms
// as the informers' (reconcilers/fleet-caches.ts), held in a Map, and measured after a full
// collection. Prints a table: bytes per object by kind, and per agent (its agent, children and pod).
import { parseArgs } from "node:util";
import type { AgentDeployment } from "../src/api/agentdeployment.ts";
import { homeLabClasses, homeLabNodes } from "../src/audit/home-lab.ts";
import { stripManagedFields } from "../src/controller/informer.ts";
import type { KubeObject } from "../src/controller/objects.ts";
import { podFields } from "../src/reconcilers/cached-fields.ts";
import type { ChildKindName } from "../src/reconcilers/child-kinds.ts";
import { childTransforms } from "../src/reconcilers/fleet-caches.ts";
import { generateFleet, renderFleetChildren } from "./fleet-model.ts";

const { values } = parseArgs({ options: { agents: { type: "string", default: "3000" } } });
const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error("run with node --expose-gc (npm run bench:cache-memory does)");
const gc: () => void = exposedGc;

const at = "2026-11-30T10:00:00Z";
let uid = 0;
/** What the API server adds to every object: identity, versions, and server-side apply's managed fields. */
function served(obj: KubeObject, extra: Record<string, unknown> = {}): KubeObject {
  const id = `${(++uid).toString(16).padStart(8, "0")}-7c1e-4c5a-9d7e-3b1f2a4c5d6e`;
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      uid: id,
      resourceVersion: String(100000 + uid),
      generation: 1,
      creationTimestamp: at,
      managedFields: [
        { manager: "agentfleet", operation: "Apply", apiVersion: obj.apiVersion, time: at, fieldsType: "FieldsV1" },
      ],
    },
    ...extra,
  } as KubeObject;
}

const condition = (type: string, status: string, reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
  observedGeneration: 1,
});

function agentAsServed(a: AgentDeployment): KubeObject {
  return served(a as unknown as KubeObject, {
    status: {
      observedGeneration: 1,
      conditions: [
        condition("Ready", "True", "Available", "1/1 pods Ready on bench-rtx-4090-3"),
        condition("Placed", "True", "Placed", "runs on rtx-4090 (2048 MiB VRAM) on node bench-rtx-4090-3"),
        condition("Progressing", "False", "RolloutComplete", "1/1 pods up to date"),
        condition("Degraded", "False", "AsExpected", "no failure reported"),
        condition("DependenciesReady", "True", "AllReady", "every dependency is Ready"),
        condition("DisruptionProtected", "True", "FallbackAvailable", "a drain waits until its pod runs again"),
        condition("FallbackActive", "False", "OnOwnClass", "runs on its own class"),
      ],
    },
  });
}

function deploymentStatus() {
  return {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [
      {
        type: "Available",
        status: "True",
        lastUpdateTime: at,
        lastTransitionTime: at,
        reason: "MinimumReplicasAvailable",
        message: "Deployment has minimum availability.",
      },
      {
        type: "Progressing",
        status: "True",
        lastUpdateTime: at,
        lastTransitionTime: at,
        reason: "NewReplicaSetAvailable",
        message: 'ReplicaSet "x-6d4cf56db6" has successfully progressed.',
      },
    ],
  };
}

/** The pod a Deployment runs, as the kubelet (kwok) reports it. */
function podOf(deployment: KubeObject, node: string): KubeObject {
  type WithTemplate = { spec: { template: { metadata: KubeObject["metadata"]; spec: object } } };
  const template = (deployment as unknown as WithTemplate).spec.template;
  const name = `${deployment.metadata.name}-6d4cf56db6-x7k2p`;
  return served(
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        ...template.metadata,
        name,
        namespace: deployment.metadata.namespace,
        generateName: `${deployment.metadata.name}-6d4cf56db6-`,
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: `${deployment.metadata.name}-6d4cf56db6`,
            uid: "r",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...template.spec, nodeName: node },
    } as KubeObject,
    {
      status: {
        phase: "Running",
        conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(
          (type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: at }),
        ),
        hostIP: "10.0.0.3",
        hostIPs: [{ ip: "10.0.0.3" }],
        podIP: "10.244.3.17",
        podIPs: [{ ip: "10.244.3.17" }],
        startTime: at,
        qosClass: "Burstable",
        containerStatuses: [
          {
            name: "agent",
            ready: true,
            restartCount: 0,
            started: true,
            image: "agent:1",
            imageID: "",
            containerID: "containerd://0123456789abcdef",
            state: { running: { startedAt: at } },
            lastState: {},
          },
        ],
      },
    },
  );
}

/** Heap bytes per object that the cache holds after `prepare`, for objects parsed from `json`. */
function heapPerObject(json: string[], prepare: (o: KubeObject) => KubeObject): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const cache = new Map<string, KubeObject>();
  for (const [i, text] of json.entries()) cache.set(String(i), prepare(JSON.parse(text) as KubeObject));
  gc();
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  if (cache.size !== json.length) throw new Error("cache lost objects");
  return bytes / json.length;
}

const fleet = await generateFleet(Number(values.agents));
const classes = new Map(homeLabClasses.map((c) => [c.metadata.name, c]));
// Room enough for every agent: the plan is not what is measured here.
const supplies = homeLabNodes.map((n) => ({
  ...n,
  allocatable: { ...n.allocatable, "nvidia.com/gpu": "1000" },
  labels: { ...n.labels, "nvidia.com/gpu.memory": String(10_000_000) },
}));
const children = renderFleetChildren(fleet, "", classes, supplies).flat();
const byKind = new Map<string, KubeObject[]>();
for (const c of children) {
  const obj = served(c as unknown as KubeObject, c.kind === "Deployment" ? { status: deploymentStatus() } : {});
  byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), obj]);
}
const deployments = byKind.get("Deployment") ?? [];

const rows: [string, number, number][] = [];
const measure = (label: string, objects: KubeObject[], prepare: (o: KubeObject) => KubeObject) => {
  const json = objects.map((o) => JSON.stringify(o));
  const wire = json.reduce((s, t) => s + t.length, 0) / json.length;
  rows.push([label, heapPerObject(json, prepare), wire]);
};
measure("AgentDeployment", fleet.map(agentAsServed), stripManagedFields);
for (const [kind, objects] of byKind) {
  const transform = childTransforms[kind as ChildKindName];
  measure(kind, objects, (o) => transform(stripManagedFields(o)));
}
measure(
  "Pod",
  deployments.map((d, i) => podOf(d, `bench-node-${i % 40}`)),
  (o) => podFields(stripManagedFields(o)),
);

console.log(`${fleet.length} agents, ${children.length} children, ${deployments.length} pods`);
console.log(
  `${"kind".padEnd(22)}${"objects".padStart(8)}${"heap B/object".padStart(15)}${"JSON B/object".padStart(15)}`,
);
let perAgent = 0;
for (const [label, bytes, wire] of rows) {
  const count =
    label === "AgentDeployment"
      ? fleet.length
      : label === "Pod"
        ? deployments.length
        : (byKind.get(label)?.length ?? 0);
  perAgent += (bytes * count) / fleet.length;
  console.log(
    `${label.padEnd(22)}${String(count).padStart(8)}${bytes.toFixed(0).padStart(15)}${wire.toFixed(0).padStart(15)}`,
  );
}
console.log(
  `per agent (all kinds)  ${(perAgent / 1024).toFixed(1)} KiB of heap; ${((perAgent * fleet.length) / 2 ** 20).toFixed(0)} MiB for the fleet`,
);
