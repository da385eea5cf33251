import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { agent, dependenciesAmong, placedOn, startNow } from "../testing/fixtures.ts";
import { decideStatus, podSignature } from "./agent-status.ts";

const allow = { protect: false, reason: "NotRequired", message: "not required" } as const;
const a = agent("stt", { gpu: { class: "rtx-3060", vramMiB: 3000, fallbackClasses: ["rtx-4090"] } });

const deployment = (ready: number, generation = 1, observed = 1): V1Deployment => ({
  metadata: { generation },
  status: {
    observedGeneration: observed,
    replicas: 1,
    updatedReplicas: ready,
    readyReplicas: ready,
    availableReplicas: ready,
  },
});
const pod = (nodeName: string | undefined, ready: boolean, extra: Partial<V1Pod["status"]> = {}): V1Pod => ({
  metadata: { name: "stt-abc" },
  spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }], ...extra },
});

function decide(over: Partial<Parameters<typeof decideStatus>[0]> = {}) {
  const status = decideStatus({
    agent: a,
    gpu: placedOn(a, "rtx-3060", "pc2"),
    disruption: allow,
    deployment: deployment(1),
    pods: [pod("pc2", true)],
    dependencies: dependenciesAmong(a),
    start: startNow,
    ...over,
  });
  const c = (type: string) => status.conditions.find((x) => x.type === type);
  return { status, c };
}

describe("decideStatus", () => {
  it("says Ready, where, on which class, with the VRAM", () => {
    const { status, c } = decide();
    expect(c("Ready")).toMatchObject({ status: "True", reason: "Available", message: "1/1 pods Ready on pc2" });
    expect(c("Placed")).toMatchObject({
      status: "True",
      reason: "Placed",
      message: "runs on rtx-3060 (3000 MiB VRAM) on node pc2",
    });
    expect(status).toMatchObject({ gpuClass: "rtx-3060", node: "pc2", vramMiB: 3000, ready: "1/1" });
  });

  it("says when a fallback class is in use, and why", () => {
    const { c } = decide({
      gpu: placedOn(a, "rtx-4090", "mainpc", true),
      pods: [pod("mainpc", true)],
    });
    expect(c("Placed")).toMatchObject({ reason: "FallbackActive" });
    expect(c("FallbackActive")).toMatchObject({ status: "True", reason: "OwnClassUnavailable" });
    expect(decide().c("FallbackActive")).toMatchObject({ status: "False", reason: "OnOwnClass" });
    expect(c("Placed")?.message).toMatch(/fallback class rtx-4090 .* its own class rtx-3060 has no Ready node/);
  });

  it("passes on the scheduler's words when the pod cannot be placed", () => {
    const pending = pod(undefined, false, {
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
        },
      ],
    });
    const { c } = decide({ deployment: deployment(0), pods: [pending] });
    expect(c("Placed")).toMatchObject({ status: "False", reason: "Unschedulable" });
    expect(c("Ready")?.message).toContain("Insufficient nvidia.com/gpu");
  });

  it("reports a missing Secret that kubelet cannot start the container without", () => {
    const stuck = pod("pc2", false, {
      containerStatuses: [
        {
          name: "agent",
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "cloud-keys" not found' } },
        },
      ],
    });
    const { c } = decide({ deployment: deployment(0), pods: [stuck] });
    expect(c("Ready")).toMatchObject({ status: "False", reason: "CreateContainerConfigError" });
    expect(c("Degraded")).toMatchObject({ status: "True", reason: "CreateContainerConfigError" });
    expect(c("Degraded")?.message).toContain('secret "cloud-keys" not found');
  });

  it("is Progressing while the Deployment has not seen or finished the new generation, and Ready while its old pod serves", () => {
    const { c } = decide({ deployment: deployment(1, 2, 1) });
    expect(c("Progressing")).toMatchObject({ status: "True", reason: "RollingOut" });
    expect(c("Ready")).toMatchObject({ status: "True", reason: "Available", message: "1/1 pods Ready on pc2" });
  });

  it("stays Ready while a roll surges (old and new pod both Ready), saying no more pods than it asks for", () => {
    const surging: V1Deployment = {
      metadata: { generation: 2 },
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 },
    };
    const { c, status } = decide({ deployment: surging, pods: [pod("pc2", true), pod("pc2", true)] });
    expect(c("Ready")).toMatchObject({ status: "True", reason: "Available", message: "1/1 pods Ready on pc2" });
    expect(c("Progressing")).toMatchObject({ status: "True", reason: "RollingOut" });
    expect(status.ready).toBe("2/1");
  });

  it("is not Ready while a roll has taken its only pod away (a GPU agent's roll stops the old pod first)", () => {
    const oldPodGone: V1Deployment = {
      metadata: { generation: 2 },
      status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
    };
    const { c } = decide({ deployment: oldPodGone, pods: [pod("pc2", false)] });
    expect(c("Ready")).toMatchObject({ status: "False", reason: "Starting", message: "0/1 pods Ready" });
    expect(c("Progressing")).toMatchObject({ status: "True", reason: "RollingOut" });
  });

  it("names missing and unready dependencies", () => {
    const needs = agent("stt", { dependencies: ["memory-hub", "ghost"] });
    const hub = agent("memory-hub", {});
    const { c } = decide({ agent: needs, dependencies: dependenciesAmong(needs, [needs, hub]) });
    expect(c("DependenciesReady")).toMatchObject({
      status: "False",
      reason: "MissingDependency",
      message: "no AgentDeployment named ghost in this namespace; not Ready yet: memory-hub",
    });
    const readyHub = {
      ...hub,
      status: {
        conditions: [
          { type: "Ready", status: "True" as const, reason: "Available", message: "", lastTransitionTime: "" },
        ],
      },
    };
    const onlyHub = agent("stt", { dependencies: ["memory-hub"] });
    expect(
      decide({ agent: onlyHub, dependencies: dependenciesAmong(onlyHub, [onlyHub, readyHub]) }).c("DependenciesReady")
        ?.status,
    ).toBe("True");
  });

  it("says the same of pods on two nodes whatever order the cache lists them in", () => {
    const two = agent("responder", { replicas: 2 });
    const onBoth = [
      { ...pod("pc2", true), metadata: { name: "responder-b" } },
      { ...pod("mainpc", true), metadata: { name: "responder-a" } },
    ];
    const decideWith = (pods: V1Pod[]) =>
      decideStatus({
        agent: two,
        gpu: { kind: "cpu" },
        disruption: allow,
        deployment: { metadata: { generation: 1 }, status: { ...deployment(2).status, replicas: 2 } },
        pods,
        dependencies: dependenciesAmong(two),
        start: startNow,
      });
    expect(decideWith(onBoth)).toEqual(decideWith([...onBoth].reverse()));
    expect(decideWith(onBoth).node).toBe("mainpc");
  });

  it("says an agent held for its dependencies is waiting, not failing, and not placed anywhere yet", () => {
    const held = agent("stt", { dependencies: ["memory-hub"] });
    const hub = agent("memory-hub", {});
    const { c } = decide({
      agent: held,
      gpu: { kind: "cpu" },
      deployment: { metadata: { generation: 1 }, status: { observedGeneration: 1 } },
      pods: [],
      dependencies: dependenciesAmong(held, [held, hub]),
      start: { start: false, missing: [], notReady: ["memory-hub"] },
    });
    expect(c("Ready")).toMatchObject({
      status: "False",
      reason: "WaitingForDependencies",
      message: "not started: waiting for memory-hub to be Ready",
    });
    expect(c("Progressing")).toMatchObject({
      status: "True",
      reason: "WaitingForDependencies",
      message: "waiting for memory-hub to be Ready before it starts",
    });
    expect(c("Placed")?.message).toBe("needs no GPU; runs once it starts");
  });
});

describe("podSignature", () => {
  it("ignores what a status never shows (an IP, a start time) and changes with what it does", () => {
    const running = pod("pc2", false);
    const same = podSignature(running);
    expect(podSignature(pod("pc2", false, { podIP: "10.42.0.7", startTime: new Date(0) }))).toBe(same);
    expect(podSignature(pod("pc2", true))).not.toBe(same); // Ready
    expect(podSignature(pod("mainpc", false))).not.toBe(same); // moved
    expect(podSignature({ ...running, metadata: { ...running.metadata, deletionTimestamp: new Date(0) } })).not.toBe(
      same,
    );
    const waiting = pod("pc2", false, {
      containerStatuses: [
        {
          name: "stt",
          image: "",
          imageID: "",
          ready: false,
          restartCount: 1,
          state: { waiting: { reason: "CrashLoopBackOff" } },
        },
      ],
    });
    expect(podSignature(waiting)).not.toBe(same); // Degraded would say why
    const unschedulable = pod(undefined, false, {
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/2 nodes" }],
    });
    expect(podSignature(unschedulable)).not.toBe(podSignature(pod(undefined, false)));
  });
});
