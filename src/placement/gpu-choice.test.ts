import { describe, expect, it } from "vitest";
import { agent, classes } from "../testing/fixtures.ts";
import { demandOf, gpuChoice } from "./gpu-choice.ts";
import { nodeInClass } from "./nodes.ts";

const stt = agent("stt", {
  required: true,
  priority: 5,
  gpu: {
    class: "rtx-3060",
    vramMiB: 3000,
    fallbackClasses: ["rtx-4090"],
    overrides: [{ class: "rtx-4090", vramMiB: 6000, env: [{ name: "MODEL", value: "large" }] }],
  },
});

describe("demandOf", () => {
  it("asks nothing of the GPUs for a CPU agent", () => {
    expect(demandOf("agents/hub", agent("hub", {}), undefined, false)).toBeUndefined();
  });

  it("lists the own class, then the fallbacks with their overridden VRAM", () => {
    expect(demandOf("agents/stt", stt, { gpuClass: "rtx-3060", node: "pc2" }, true)).toEqual({
      key: "agents/stt",
      required: true,
      priority: 5,
      replicas: 1,
      classes: [
        { name: "rtx-3060", vramMiB: 3000 },
        { name: "rtx-4090", vramMiB: 6000 },
      ],
      failback: true,
      current: { gpuClass: "rtx-3060", node: "pc2" },
      settling: true,
    });
  });
});

describe("gpuChoice", () => {
  it("pins a placed agent to its node, with the fallback's environment", () => {
    const choice = gpuChoice(
      stt,
      { kind: "placed", gpuClass: "rtx-4090", node: "mainpc", vramMiB: 6000, fallback: true },
      classes,
    );
    expect(choice).toMatchObject({
      kind: "gpu",
      node: "mainpc",
      vramMiB: 6000,
      fallback: true,
      env: [{ name: "MODEL", value: "large" }],
    });
  });

  it("passes on why an agent waits", () => {
    const choice = gpuChoice(stt, { kind: "waiting", reason: "InsufficientVRAM", message: "needs 3000 MiB" }, classes);
    expect(choice).toMatchObject({ kind: "unplaceable", reason: "InsufficientVRAM", message: "needs 3000 MiB" });
  });
});

describe("nodeInClass", () => {
  const rtx4090 = classes.get("rtx-4090") as NonNullable<ReturnType<typeof classes.get>>;
  it("matches the product with or without -SHARED, and nothing else", () => {
    expect(nodeInClass({ labels: { "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-4090" } }, rtx4090)).toBe(true);
    expect(nodeInClass({ labels: { "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-4090-SHARED" } }, rtx4090)).toBe(true);
    expect(nodeInClass({ labels: { "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-3060" } }, rtx4090)).toBe(false);
    expect(nodeInClass({ labels: {} }, rtx4090)).toBe(false);
  });
  it("evaluates every operator as the scheduler does", () => {
    const withTerms = (operator: string, values?: string[]) => ({
      ...rtx4090,
      spec: { ...rtx4090.spec, nodeSelectorTerms: [{ matchExpressions: [{ key: "mem", operator, values }] }] },
    });
    const labels = { labels: { mem: "24564" } };
    expect(nodeInClass(labels, withTerms("Gt", ["20000"]) as never)).toBe(true);
    expect(nodeInClass(labels, withTerms("Lt", ["20000"]) as never)).toBe(false);
    expect(nodeInClass(labels, withTerms("Exists") as never)).toBe(true);
    expect(nodeInClass(labels, withTerms("DoesNotExist") as never)).toBe(false);
    expect(nodeInClass(labels, withTerms("NotIn", ["1"]) as never)).toBe(true);
    expect(nodeInClass({ labels: { mem: "lots" } }, withTerms("Gt", ["1"]) as never)).toBe(false);
  });
});
