// The simulated home lab: two desktop PCs joined by k3s, each with one NVIDIA card shared by
// time-slicing, as the NVIDIA device plugin and GPU Feature Discovery (GFD) describe them.
// Pure data: the cluster scripts apply it, the tests read it.

import { type GpuCard, gpuLabels, homeLabCards } from "../../src/audit/home-lab.ts";

export type SimulatedGpu = GpuCard;
export { gpuLabels };

export interface SimulatedNode {
  name: string;
  cpu: string;
  memory: string;
  /** A k3s home lab running a few hundred agents on two machines raises kubelet's max-pods above 110. */
  pods: string;
  gpu: SimulatedGpu;
}

export const simulatedNodes: readonly SimulatedNode[] = [
  {
    name: "mainpc",
    cpu: "32",
    memory: "64Gi",
    pods: "250",
    gpu: homeLabCards.mainpc,
  },
  {
    name: "pc2",
    cpu: "12",
    memory: "32Gi",
    pods: "250",
    gpu: homeLabCards.pc2,
  },
];

/** Which PC a node plays: on kwok the node is named after it, on kind it is not. */
export const pcLabel = "agentfleet.io/pc";

/** The label kwok's chaos stage `node-not-ready` selects on. */
export const notReadyLabel = "node-not-ready.stage.kwok.x-k8s.io";

export function nodeManifest(node: SimulatedNode) {
  const resources = {
    cpu: node.cpu,
    memory: node.memory,
    pods: node.pods,
    "ephemeral-storage": "500Gi",
    "nvidia.com/gpu": String(node.gpu.count * node.gpu.replicas),
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node-role.kubernetes.io/agent": "",
        [pcLabel]: node.name,
        type: "kwok",
        ...gpuLabels(node.gpu),
      },
    },
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        osImage: "Ubuntu 24.04 LTS",
        kubeletVersion: "v1.36.3+k3s1",
        containerRuntimeVersion: "containerd://2.1.4-k3s1",
      },
    },
  };
}

/** k3s creates this RuntimeClass when it finds the NVIDIA container runtime on a node. */
export const nvidiaRuntimeClass = {
  apiVersion: "node.k8s.io/v1",
  kind: "RuntimeClass",
  metadata: { name: "nvidia", labels: { "app.kubernetes.io/managed-by": "k3s" } },
  handler: "nvidia",
};
