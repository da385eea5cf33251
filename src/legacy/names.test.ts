import { describe, expect, it } from "vitest";
import { toAgentName, toDnsLabel, toPortName } from "./names.ts";
import { substitute, toCpuQuantity, toMemoryQuantity, toPort } from "./values.ts";

describe("toAgentName", () => {
  it.each([
    ["STTService", "stt-service"],
    ["3DRenderer", "agent-3-d-renderer"],
    ["2024_archiver", "agent-2024-archiver"],
  ])("%s → %s (its Service's name must start with a letter)", (legacy, name) => expect(toAgentName(legacy)).toBe(name));
});

describe("toDnsLabel", () => {
  it.each([
    ["ServiceRegistry", "service-registry"],
    ["STTService", "stt-service"],
    ["NLUAgent", "nlu-agent"],
    ["RealTimeAudioPipelinePC2", "real-time-audio-pipeline-pc2"],
    ["  padded name  ", "padded-name"],
    ["redis_pc2", "redis-pc2"],
    ["Résumé-Agent", "resume-agent"],
    ["ÄgentÜber", "agent-uber"],
  ])("%s → %s", (legacy, label) => expect(toDnsLabel(legacy)).toBe(label));

  it("gives a name of no Latin letters a stable label", () => {
    expect(toDnsLabel("语音识别")).toMatch(/^agent-[0-9a-f]{8}$/);
    expect(toDnsLabel("语音识别")).toBe(toDnsLabel("语音识别"));
    expect(toDnsLabel("语音识别")).not.toBe(toDnsLabel("语音合成"));
  });

  it("keeps labels within 63 characters", () => {
    expect(toDnsLabel("A".repeat(10) + "VeryLongAgentName".repeat(10)).length).toBeLessThanOrEqual(63);
  });

  it("names ports from config keys", () => {
    expect(toPortName("grpc_port")).toBe("grpc");
    expect(toPortName("prometheus_port")).toBe("prometheus");
    expect(toPortName("a_very_long_metrics_exporter_port")).toHaveLength(15);
  });
});

describe("values", () => {
  it("reads the ports every legacy shape writes", () => {
    expect(toPort("${PORT_OFFSET}+7200")).toBe(7200);
    expect(toPort("${PORT_OFFSET:-0}7200")).toBe(7200);
    expect(toPort(5612)).toBe(5612);
    expect(toPort("5612")).toBe(5612);
    expect(toPort("${PORT_OFFSET}+70000")).toBeUndefined();
    expect(toPort("tcp://*:5560")).toBeUndefined();
  });
  it("keeps the defaults of references, which may be secrets", () => {
    expect(substitute("${GRAFANA_PASSWORD:-admin}")).toEqual({
      value: "admin",
      references: [{ name: "GRAFANA_PASSWORD", default: "admin" }],
    });
    expect(substitute("${MAINPC_OBS_HUB}").value).toBe("");
  });
  it("turns docker memory into quantities", () => {
    expect(toMemoryQuantity("32G")).toBe("32Gi");
    expect(toMemoryQuantity("512m")).toBe("512Mi");
    expect(toMemoryQuantity("lots")).toBeUndefined();
    expect(toMemoryQuantity("${MEM_LIMIT:-4GB}")).toBe("4Gi");
  });
  it("turns compose's cpus into CPU quantities", () => {
    expect(toCpuQuantity("1.5")).toBe("1.5");
    expect(toCpuQuantity(2)).toBe("2");
    expect(toCpuQuantity("${CPU_LIMIT:-0.5}")).toBe("0.5");
    expect(toCpuQuantity("500m")).toBe("500m");
    expect(toCpuQuantity("two")).toBeUndefined();
    expect(toCpuQuantity("0")).toBeUndefined();
  });
});
