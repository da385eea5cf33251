import { describe, expect, it } from "vitest";
import { agent, classes, mainpc, node, pc2 } from "../testing/fixtures.ts";
import { chooseGpu } from "./gpu-choice.ts";
import { nodeInClass } from "./nodes.ts";

const pc2Down = node("pc2", "NVIDIA-GeForce-RTX-3060", false);

describe("chooseGpu", () => {
  it("runs an agent without gpu on CPU", () => {
    expect(chooseGpu(agent("hub", {}), classes, [mainpc, pc2])).toEqual({ kind: "cpu" });
  });

  it("takes the agent's own class while it has a Ready node", () => {
    const choice = chooseGpu(
      agent("stt", { gpu: { class: "rtx-3060", vramMiB: 3000, fallbackClasses: ["rtx-4090"] } }),
      classes,
      [mainpc, pc2],
    );
    expect(choice).toMatchObject({ kind: "gpu", fallback: false, vramMiB: 3000 });
    expect(choice.kind === "gpu" && choice.gpuClass.metadata.name).toBe("rtx-3060");
  });

  it("falls back, with the fallback's override, when the own class has no Ready node", () => {
    const stt = agent("stt", {
      gpu: {
        class: "rtx-3060",
        vramMiB: 3000,
        fallbackClasses: ["rtx-4090"],
        overrides: [{ class: "rtx-4090", vramMiB: 6000, env: [{ name: "MODEL", value: "large" }] }],
      },
    });
    const choice = chooseGpu(stt, classes, [mainpc, pc2Down]);
    expect(choice).toMatchObject({
      kind: "gpu",
      fallback: true,
      vramMiB: 6000,
      env: [{ name: "MODEL", value: "large" }],
    });
    expect(choice.kind === "gpu" && choice.nodes.map((n) => n.name)).toEqual(["mainpc"]);
  });

  it("treats a cordoned node as unusable", () => {
    const cordoned = node("pc2", "NVIDIA-GeForce-RTX-3060", true, false);
    expect(
      chooseGpu(agent("a", { gpu: { class: "rtx-3060", vramMiB: 1 } }), classes, [mainpc, cordoned]),
    ).toMatchObject({
      kind: "unplaceable",
      reason: "NoReadyNode",
    });
  });

  it("names an unknown class and how to find the known ones", () => {
    const choice = chooseGpu(agent("big", { gpu: { class: "rtx-5090", vramMiB: 30000 } }), classes, [mainpc]);
    expect(choice).toMatchObject({ kind: "unplaceable", reason: "UnknownGPUClass" });
    expect(choice.kind === "unplaceable" && choice.message).toMatch(/rtx-5090 does not exist.*kubectl get gpuclasses/);
  });

  it("says which classes have no node and which do not exist", () => {
    const choice = chooseGpu(
      agent("a", { gpu: { class: "rtx-3060", vramMiB: 1, fallbackClasses: ["rtx-5090"] } }),
      classes,
      [pc2Down],
    );
    expect(choice.kind === "unplaceable" && choice.message).toBe(
      "no Ready, schedulable node carries rtx-3060; GPU class rtx-5090 does not exist; the agent starts when one does",
    );
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
