import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { annotationKeys as annotations } from "../api/labels.ts";
import type { KubeObject } from "../controller/objects.ts";
import { agent, dependenciesAmong, placedOn, renderInput, startNow } from "../testing/fixtures.ts";
import { decideStatus } from "./agent-status.ts";
import { deploymentFields, metadataOnly, podFields } from "./cached-fields.ts";
import { renderChildren } from "./child-kinds.ts";
import { lastPlacement } from "./planner.ts";

const stt = agent("stt", {
  gpu: { class: "rtx-3060", vramMiB: 3000, fallbackClasses: ["rtx-4090"] },
  config: { model: "whisper-large-v3" },
  ports: [{ name: "http", port: 8080 }],
  required: true,
});
const gpu = placedOn(stt, "rtx-3060", "pc2");
const disruption = { protect: false, reason: "NotRequired", message: "not required" } as const;
const children = renderChildren(renderInput(stt, gpu, disruption));
const child = (kind: string) => children.find((c) => c.kind === kind) as unknown as KubeObject;

const deployment = {
  ...child("Deployment"),
  metadata: { ...child("Deployment").metadata, generation: 2 },
  status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
} as V1Deployment & KubeObject;
const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "stt-abc", namespace: "agents", labels: { "app.kubernetes.io/name": "stt" } },
  spec: {
    nodeName: "pc2",
    containers: [{ name: "agent", image: "cascade/stt:1.0", env: [{ name: "A", value: "1" }] }],
  },
  status: {
    phase: "Pending",
    conditions: [{ type: "Ready", status: "False" }],
    containerStatuses: [
      {
        name: "agent",
        image: "cascade/stt:1.0",
        imageID: "",
        ready: false,
        restartCount: 4,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting" } },
      },
    ],
  },
} as V1Pod & KubeObject;

describe("what the caches keep", () => {
  it("is much less than the object", () => {
    expect(JSON.stringify(deploymentFields(deployment)).length).toBeLessThan(JSON.stringify(deployment).length / 2);
    expect(deploymentFields(deployment)).not.toHaveProperty("spec.template.spec");
    expect(podFields(pod)).not.toHaveProperty("spec.containers");
    expect(metadataOnly(child("ConfigMap"))).not.toHaveProperty("data");
  });

  it("decides the same status as the whole objects", () => {
    const input = { agent: stt, gpu, disruption, dependencies: dependenciesAmong(stt), start: startNow };
    const whole = decideStatus({ ...input, deployment, pods: [pod] });
    const kept = decideStatus({
      ...input,
      deployment: deploymentFields(deployment) as V1Deployment,
      pods: [podFields(pod) as V1Pod],
    });
    expect(kept).toEqual(whole);
    expect(whole.conditions.find((c) => c.type === "Degraded")).toMatchObject({ reason: "CrashLoopBackOff" });
  });

  it("keeps where a Deployment was placed, and the digest every child is compared by", () => {
    expect(lastPlacement(deploymentFields(deployment) as V1Deployment)).toEqual(lastPlacement(deployment));
    expect(lastPlacement(deployment).current).toEqual({ gpuClass: "rtx-3060", node: "pc2" });
    for (const kind of ["ConfigMap", "Service", "PodDisruptionBudget"]) {
      const kept = metadataOnly(child(kind));
      expect(kept.metadata.annotations?.[annotations.appliedHash]).toBeDefined();
      expect(kept.metadata.annotations?.[annotations.appliedHash]).toBe(
        child(kind).metadata.annotations?.[annotations.appliedHash],
      );
    }
  });
});
