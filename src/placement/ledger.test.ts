import { describe, expect, it } from "vitest";
import { gpuClassSpecSchema } from "../api/gpuclass.ts";
import { classLedger } from "./ledger.ts";

const rtx3060 = {
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "GPUClass" as const,
  metadata: { name: "rtx-3060" },
  spec: gpuClassSpecSchema.parse({
    nodeSelectorTerms: [
      {
        matchExpressions: [
          { key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-GeForce-RTX-3060-SHARED"] },
        ],
      },
    ],
    vramMiB: 12288,
    reservedMiB: 768,
    sharing: { replicas: 4 },
  }),
};

const node = (name: string, product: string, ready = true, count?: string) => ({
  name,
  labels: { "nvidia.com/gpu.product": product, ...(count ? { "nvidia.com/gpu.count": count } : {}) },
  ready,
  schedulable: true,
  allocatable: { "nvidia.com/gpu": "8" },
});

describe("classLedger", () => {
  it("counts capacity per node from its GPUs less the reserve, and what the agents placed there request", () => {
    const ledger = classLedger(
      rtx3060,
      [node("pc2", "NVIDIA-GeForce-RTX-3060-SHARED", true, "1"), node("mainpc", "NVIDIA-GeForce-RTX-4090-SHARED")],
      [
        { key: "agents/face", gpuClass: "rtx-3060", node: "pc2", vramMiB: 2500 },
        { key: "agents/vision", gpuClass: "rtx-3060", node: "pc2", vramMiB: 2000 },
        { key: "agents/llm", gpuClass: "rtx-4090", node: "mainpc", vramMiB: 9000 },
      ],
    );
    expect(ledger.nodes).toEqual([
      {
        name: "pc2",
        ready: true,
        gpus: 1,
        capacityMiB: 11520,
        requestedMiB: 4500,
        freeMiB: 7020,
        agents: ["agents/face", "agents/vision"],
      },
    ]);
    expect(ledger).toMatchObject({ readyNodes: 1, capacityMiB: 11520, requestedMiB: 4500, freeMiB: 7020 });
  });

  it("counts the VRAM that pods leaving a node still hold as not free, apart from what is requested", () => {
    const ledger = classLedger(
      rtx3060,
      [node("pc2", "NVIDIA-GeForce-RTX-3060-SHARED", true, "1")],
      [{ key: "agents/face", gpuClass: "rtx-3060", node: "pc2", vramMiB: 2500 }],
      new Map([["pc2", 6000]]),
    );
    expect(ledger.nodes?.[0]).toMatchObject({ requestedMiB: 2500, leavingMiB: 6000, freeMiB: 3020 });
    expect(ledger).toMatchObject({ requestedMiB: 2500, freeMiB: 3020 });
  });

  it("infers the GPUs from the device plugin's count when GFD gives none, and leaves NotReady nodes out of capacity", () => {
    const ledger = classLedger(rtx3060, [node("pc2", "NVIDIA-GeForce-RTX-3060-SHARED", false)], []);
    expect(ledger.nodes?.[0]).toMatchObject({ gpus: 2, capacityMiB: 23040, ready: false });
    expect(ledger).toMatchObject({ readyNodes: 0, capacityMiB: 0, freeMiB: 0 });
  });
});
