// The home lab of the README: two PCs joined by k3s, mainpc with an RTX 4090 and pc2 with an RTX 3060,
// each card shared by time-slicing, as the NVIDIA device plugin and GPU Feature Discovery (GFD)
// describe them; and the GPU classes the chart creates for them. The audit assumes them when it has
// neither a node inventory nor a cluster; the local simulated cluster (hack/lib/topology.ts) is built
// from the same facts.
import { type GPUClass, gpuClassSpecSchema } from "../api/gpuclass.ts";
import type { Supply } from "../placement/plan.ts";

export interface GpuCard {
  /** GFD's product label without the -SHARED suffix that time-slicing adds. */
  product: string;
  /** GFD's nvidia.com/gpu.memory label, in MiB. */
  memoryMiB: number;
  family: string;
  computeMajor: number;
  computeMinor: number;
  count: number;
  /** Time-slicing replicas per GPU: the device plugin advertises count × replicas `nvidia.com/gpu`. */
  replicas: number;
}

export const homeLabCards: Readonly<Record<"mainpc" | "pc2", GpuCard>> = {
  mainpc: {
    product: "NVIDIA-GeForce-RTX-4090",
    memoryMiB: 24564,
    family: "ada-lovelace",
    computeMajor: 8,
    computeMinor: 9,
    count: 1,
    replicas: 8,
  },
  pc2: {
    product: "NVIDIA-GeForce-RTX-3060",
    memoryMiB: 12288,
    family: "ampere",
    computeMajor: 8,
    computeMinor: 6,
    count: 1,
    replicas: 4,
  },
};

/** The labels GFD puts on a node with this card. */
export function gpuLabels(gpu: GpuCard): Record<string, string> {
  const shared = gpu.replicas > 1;
  return {
    "nvidia.com/gpu.present": "true",
    // With time-slicing and no rename, GFD appends -SHARED to the product.
    "nvidia.com/gpu.product": shared ? `${gpu.product}-SHARED` : gpu.product,
    "nvidia.com/gpu.memory": String(gpu.memoryMiB),
    "nvidia.com/gpu.count": String(gpu.count),
    "nvidia.com/gpu.replicas": String(gpu.replicas),
    "nvidia.com/gpu.sharing-strategy": shared ? "time-slicing" : "none",
    "nvidia.com/gpu.family": gpu.family,
    "nvidia.com/gpu.compute.major": String(gpu.computeMajor),
    "nvidia.com/gpu.compute.minor": String(gpu.computeMinor),
    "nvidia.com/gpu.machine": "Desktop",
    "nvidia.com/cuda.driver.major": "575",
    "nvidia.com/cuda.runtime.major": "12",
  };
}

export const homeLabNodes: readonly Supply[] = Object.entries(homeLabCards).map(([name, card]) => ({
  name,
  labels: { "kubernetes.io/hostname": name, ...gpuLabels(card) },
  ready: true,
  schedulable: true,
  allocatable: { "nvidia.com/gpu": String(card.count * card.replicas) },
}));

const gpuClass = (name: string, card: GpuCard, reservedMiB: number): GPUClass => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "GPUClass",
  metadata: { name },
  spec: gpuClassSpecSchema.parse({
    nodeSelectorTerms: [
      {
        matchExpressions: [
          { key: "nvidia.com/gpu.product", operator: "In", values: [card.product, `${card.product}-SHARED`] },
        ],
      },
    ],
    vramMiB: card.memoryMiB,
    reservedMiB,
    sharing: { replicas: card.replicas },
    runtimeClassName: "nvidia",
  }),
});

/** The classes charts/agentfleet creates by default (values.yaml's gpuClasses). */
export const homeLabClasses: readonly GPUClass[] = [
  gpuClass("rtx-4090", homeLabCards.mainpc, 1024),
  gpuClass("rtx-3060", homeLabCards.pc2, 768),
];
