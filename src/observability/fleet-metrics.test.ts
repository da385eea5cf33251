import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { registerFleetGauges } from "./fleet-metrics.ts";

const agent = (name: string, required: boolean, ready: "True" | "False", reason: string): AgentDeployment =>
  ({
    apiVersion: "agentfleet.io/v1alpha1",
    kind: "AgentDeployment",
    metadata: { name, namespace: "fleet" },
    spec: { image: "python:3.12", required },
    status: {
      gpuClass: "rtx-4090",
      conditions: [
        { type: "Ready", status: ready, reason, message: "", lastTransitionTime: "2026-11-30T00:00:00Z" },
        {
          type: "Degraded",
          status: "False",
          reason: "AsExpected",
          message: "",
          lastTransitionTime: "2026-11-30T00:00:00Z",
        },
      ],
    },
  }) as AgentDeployment;

const gpuClass = {
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "GPUClass",
  metadata: { name: "rtx-4090" },
  status: { nodes: [{ name: "mainpc", capacityMiB: 23540, requestedMiB: 12000, leavingMiB: 4000, ready: true }] },
} as unknown as GPUClass;

async function scrape(reporting: boolean): Promise<string> {
  const registry = new Registry();
  const agents = [
    agent("stt", true, "True", "Available"),
    agent("tts", true, "True", "Available"),
    agent("llm", false, "False", "InsufficientVRAM"),
  ];
  registerFleetGauges(registry, { reporting: () => reporting, agents: () => agents, classes: () => [gpuClass] });
  return registry.metrics();
}

describe("fleet gauges", () => {
  it("count agents per namespace, class, condition, status, reason and required", async () => {
    const text = await scrape(true);
    const series = (labels: string) => text.split("\n").find((l) => l.startsWith(`agentfleet_agents{${labels}}`));
    const labels = (condition: string, status: string, reason: string, required: boolean) =>
      `namespace="fleet",gpu_class="rtx-4090",condition="${condition}",status="${status}",reason="${reason}",required="${required}"`;
    expect(series(labels("Ready", "True", "Available", true))).toMatch(/ 2$/);
    expect(series(labels("Ready", "False", "InsufficientVRAM", false))).toMatch(/ 1$/);
    expect(series(labels("Degraded", "False", "AsExpected", true))).toMatch(/ 2$/);
    expect(series(labels("Degraded", "False", "AsExpected", false))).toMatch(/ 1$/);
    expect(text).toMatch(/agentfleet_gpu_vram_requested_mib\{gpu_class="rtx-4090",node="mainpc"\} 12000/);
    expect(text).toMatch(/agentfleet_gpu_vram_leaving_mib\{gpu_class="rtx-4090",node="mainpc"\} 4000/);
  });

  it("report nothing from a replica that does not reconcile, so sums across replicas stay right", async () => {
    const text = await scrape(false);
    expect(text).not.toMatch(/^agentfleet_agents\{/m);
    expect(text).not.toMatch(/^agentfleet_gpu_vram_requested_mib\{/m);
  });
});
