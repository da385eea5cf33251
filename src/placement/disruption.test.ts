import { describe, expect, it } from "vitest";
import { agent, classes, mainpc, node, pc2 } from "../testing/fixtures.ts";
import { classesWithRoom, classRoom, disruptionPolicy } from "./disruption.ts";

describe("disruptionPolicy", () => {
  it("keeps one of several replicas up", () => {
    expect(disruptionPolicy(agent("hub", { replicas: 3 }), classes, [mainpc], "mainpc")).toMatchObject({
      protect: true,
      reason: "MultipleReplicas",
    });
  });

  it("never holds a single replica that is not required", () => {
    expect(disruptionPolicy(agent("tts", {}), classes, [mainpc, pc2], "mainpc").protect).toBe(false);
  });

  it("holds a required single replica while a fallback class has another usable node", () => {
    const stt = agent("stt", {
      required: true,
      gpu: { class: "rtx-4090", vramMiB: 6000, fallbackClasses: ["rtx-3060"] },
    });
    expect(disruptionPolicy(stt, classes, [mainpc, pc2], "mainpc")).toMatchObject({
      protect: true,
      reason: "FallbackAvailable",
      message: "a drain waits until its pod runs again on another node of rtx-3060",
    });
  });

  it("lets a drain through when the required agent has nowhere else to go, and says how to fix it", () => {
    const llm = agent("llm", { required: true, gpu: { class: "rtx-4090", vramMiB: 9000 } });
    const policy = disruptionPolicy(llm, classes, [mainpc, pc2], "mainpc");
    expect(policy).toMatchObject({ protect: false, reason: "NoFallback" });
    expect(policy.message).toMatch(/add a fallback class/);
  });

  it("does not count a fallback node without room in the ledger", () => {
    const stt = agent("stt", {
      required: true,
      gpu: { class: "rtx-4090", vramMiB: 6000, fallbackClasses: ["rtx-3060"] },
    });
    expect(disruptionPolicy(stt, classes, [mainpc, pc2], "mainpc", (n) => (n === "pc2" ? 2520 : 0)).protect).toBe(
      false,
    );
    expect(disruptionPolicy(stt, classes, [mainpc, pc2], "mainpc", (n) => (n === "pc2" ? 6000 : 0)).protect).toBe(true);
  });

  it("says the same while its fallback class has room, however the fleet fills that class's nodes", () => {
    const stt = agent("stt", {
      required: true,
      gpu: { class: "rtx-4090", vramMiB: 6000, fallbackClasses: ["rtx-3060"] },
    });
    const pc3 = node("pc3", "NVIDIA-GeForce-RTX-3060");
    const both = disruptionPolicy(stt, classes, [mainpc, pc2, pc3], "mainpc", () => 8000);
    const oneFull = disruptionPolicy(stt, classes, [mainpc, pc2, pc3], "mainpc", (n) => (n === "pc2" ? 0 : 8000));
    expect(oneFull).toEqual(both);
  });

  it("does not count a fallback node that is down", () => {
    const stt = agent("stt", {
      required: true,
      gpu: { class: "rtx-4090", vramMiB: 6000, fallbackClasses: ["rtx-3060"] },
    });
    const down = node("pc2", "NVIDIA-GeForce-RTX-3060", false);
    expect(disruptionPolicy(stt, classes, [mainpc, down], "mainpc").protect).toBe(false);
  });

  it("holds a required CPU agent while another node is usable", () => {
    expect(disruptionPolicy(agent("hub", { required: true }), classes, [mainpc, pc2], "pc2").protect).toBe(true);
  });
});

describe("classRoom and classesWithRoom", () => {
  const spare = node("spare", "NVIDIA-GeForce-RTX-4090");
  const gpu = { class: "rtx-4090", vramMiB: 6000, fallbackClasses: ["rtx-3060"], failback: true };
  const free: Record<string, number> = { mainpc: 20000, spare: 7000, pc2: 3000 };

  it("looks past the node the agent runs on to the next one with the most room", () => {
    const room = classRoom(classes.values(), [mainpc, spare, pc2], (n) => free[n]);
    // On mainpc (the roomiest 4090), spare still has 7,000 MiB; pc2 has too little.
    expect(classesWithRoom(gpu, "mainpc", room)).toEqual(["rtx-4090"]);
    // On spare, mainpc has room; the answer matches the policy's.
    expect(classesWithRoom(gpu, "spare", room)).toEqual(["rtx-4090"]);
    expect(classesWithRoom({ ...gpu, vramMiB: 8000 }, "mainpc", room)).toEqual([]);
  });

  it("counts neither a node that is down nor a cordoned one", () => {
    const down = node("spare", "NVIDIA-GeForce-RTX-4090", false);
    const cordoned = node("spare", "NVIDIA-GeForce-RTX-4090", true, false);
    for (const n of [down, cordoned]) {
      expect(
        classesWithRoom(
          gpu,
          "mainpc",
          classRoom(classes.values(), [mainpc, n, pc2], (x) => free[x]),
        ),
      ).toEqual([]);
    }
  });
});
