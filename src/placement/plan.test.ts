import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GPUClass } from "../api/gpuclass.ts";
import { gpuClass } from "../testing/fixtures.ts";
import { type Decision, type Demand, planPlacement, type Supply } from "./plan.ts";

const rtx4090 = gpuClass("rtx-4090", "NVIDIA-GeForce-RTX-4090", 24564, 8); // 24052 MiB usable (512 reserved)
const rtx3060 = gpuClass("rtx-3060", "NVIDIA-GeForce-RTX-3060", 12288, 4); // 11776 MiB usable
const classes = new Map([rtx4090, rtx3060].map((c) => [c.metadata.name, c]));

const node = (name: string, product: string, slots: number, ready = true, schedulable = true): Supply => ({
  name,
  labels: { "nvidia.com/gpu.product": `${product}-SHARED`, "nvidia.com/gpu.count": "1" },
  ready,
  schedulable,
  allocatable: { "nvidia.com/gpu": String(slots) },
});
const mainpc = node("mainpc", "NVIDIA-GeForce-RTX-4090", 8);
const pc2 = node("pc2", "NVIDIA-GeForce-RTX-3060", 4);

const demand = (key: string, vramMiB: number, over: Partial<Demand> = {}, classNames = ["rtx-3060"]): Demand => ({
  key,
  required: false,
  priority: 0,
  replicas: 1,
  classes: classNames.map((name) => ({ name, vramMiB })),
  failback: true,
  ...over,
});

const placedOn = (d: Decision | undefined) => (d?.kind === "placed" ? `${d.gpuClass}/${d.node}` : d?.reason);

describe("planPlacement", () => {
  it("never gives a card more VRAM than it has, and says who waits with the numbers", () => {
    const plan = planPlacement(
      [demand("a/1-big", 9000), demand("a/2-small", 2000), demand("a/3-late", 3000)],
      classes,
      [pc2],
    );
    expect(placedOn(plan.get("a/1-big"))).toBe("rtx-3060/pc2");
    expect(placedOn(plan.get("a/2-small"))).toBe("rtx-3060/pc2");
    expect(plan.get("a/3-late")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message: "needs 3000 MiB: rtx-3060 has 776 MiB free on pc2",
    });
  });

  it("names, for a class of many nodes, the node with the most room, not every node", () => {
    const nodes = ["pc2-a", "pc2-b", "pc2-c"].map((n) => node(n, "NVIDIA-GeForce-RTX-3060", 4));
    const fill = [demand("a/1", 11000), demand("a/2", 10000), demand("a/3", 9000)];
    const plan = planPlacement([...fill, demand("a/4-late", 5000)], classes, nodes);
    expect(plan.get("a/4-late")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message: "needs 5000 MiB: rtx-3060 has 2776 MiB free on pc2-c (the most of its 3 nodes)",
    });
  });

  it("places required agents first, then by priority, then by name", () => {
    const plan = planPlacement(
      [
        demand("a/zz-required", 8000, { required: true }),
        demand("a/aa-high", 8000, { priority: 10 }),
        demand("a/aa-low", 3000),
      ],
      classes,
      [pc2],
    );
    expect(placedOn(plan.get("a/zz-required"))).toBe("rtx-3060/pc2");
    expect(placedOn(plan.get("a/aa-high"))).toBe("InsufficientVRAM");
    expect(placedOn(plan.get("a/aa-low"))).toBe("rtx-3060/pc2");
  });

  it("counts time-sliced GPU replicas as well as VRAM", () => {
    const plan = planPlacement(
      [1, 2, 3, 4, 5].map((i) => demand(`a/n${i}`, 100)),
      classes,
      [pc2],
    );
    expect(placedOn(plan.get("a/n5"))).toBe("NoFreeGPU");
  });

  it("falls back to the next class with room, and says so", () => {
    const plan = planPlacement([demand("a/stt", 3000, {}, ["rtx-3060", "rtx-4090"])], classes, [
      mainpc,
      node("pc2", "NVIDIA-GeForce-RTX-3060", 4, false),
    ]);
    expect(plan.get("a/stt")).toEqual({
      kind: "placed",
      gpuClass: "rtx-4090",
      node: "mainpc",
      vramMiB: 3000,
      fallback: true,
    });
  });

  it("says, of a waiting agent whose own card is down, that its class has no node, and what its fallback lacks", () => {
    const plan = planPlacement(
      [demand("a/big", 22000, {}, ["rtx-4090"]), demand("a/face", 2500, {}, ["rtx-3060", "rtx-4090"])],
      classes,
      [mainpc, node("pc2", "NVIDIA-GeForce-RTX-3060", 4, false)],
    );
    expect(plan.get("a/face")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message: "needs 2500 MiB: rtx-3060 has no Ready, schedulable node; rtx-4090 has 2052 MiB free on mainpc",
    });
  });

  it("waits for a node when none of its classes has one Ready", () => {
    expect(
      placedOn(
        planPlacement([demand("a/x", 1)], classes, [node("pc2", "NVIDIA-GeForce-RTX-3060", 4, false)]).get("a/x"),
      ),
    ).toBe("NodeNotReady");
  });

  it("preempts a running agent for a required one, and says why", () => {
    const plan = planPlacement(
      [
        demand("a/running", 8000, { current: { gpuClass: "rtx-3060", node: "pc2" } }),
        demand("a/vital", 8000, { required: true }),
      ],
      classes,
      [pc2],
    );
    expect(placedOn(plan.get("a/vital"))).toBe("rtx-3060/pc2");
    expect(plan.get("a/running")).toMatchObject({ kind: "waiting", reason: "Preempted" });
  });

  it("tells a displaced agent, once its pod has gone, which required agents hold the room it had", () => {
    const vital = demand("a/vital", 6000, { required: true, current: { gpuClass: "rtx-3060", node: "pc2" } });
    const plan = planPlacement([vital, demand("a/filler", 8000)], classes, [mainpc, pc2]);
    expect(plan.get("a/filler")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message: "needs 8000 MiB: rtx-3060 has 5776 MiB free on pc2 (required agents hold 6000 MiB there: a/vital)",
    });
    // Not said where the required agents' room would not be enough anyway.
    const big = planPlacement([vital, demand("a/big", 12000)], classes, [mainpc, pc2]);
    expect(big.get("a/big")).toMatchObject({
      message: "needs 12000 MiB: rtx-3060 has 11776 MiB in all on pc2, however empty",
    });
  });

  it("counts each replica's VRAM in words, and says when a card could never hold the agent", () => {
    const vital = demand("a/vital", 6000, { required: true, current: { gpuClass: "rtx-3060", node: "pc2" } });
    const pair = planPlacement([vital, demand("a/pair", 5000, { replicas: 2 })], classes, [mainpc, pc2]);
    expect(pair.get("a/pair")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message: "needs 2 × 5000 MiB: rtx-3060 has 5776 MiB free on pc2 (required agents hold 6000 MiB there: a/vital)",
    });
    // Room that no agent holds: freeing others would not help, and the message says so.
    const never = planPlacement([demand("a/pair", 7000, { replicas: 2 }, ["rtx-3060", "rtx-4090"])], classes, [pc2]);
    expect(never.get("a/pair")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message:
        "needs 2 × 7000 MiB: rtx-3060 has 11776 MiB in all on pc2, however empty; rtx-4090 has no Ready, schedulable node",
    });
  });

  it("lets a required agent that displaced others start only once their pods have stopped, and displaces no more meanwhile", () => {
    const running = (agents: string[]) => ({
      pods: agents.map((agent) => ({ agent, node: "pc2", gpuClass: "rtx-3060" })),
      lastClasses: new Map(),
    });
    const victim = demand("a/running", 6000, { current: { gpuClass: "rtx-3060", node: "pc2" } });
    const bystander = demand("a/bystander", 3000, { current: { gpuClass: "rtx-3060", node: "pc2" } });
    const vital = demand("a/vital", 6000, { required: true });
    // The plan that displaces: the victim's pod still runs.
    const first = planPlacement([victim, bystander, vital], classes, [pc2], running(["a/running", "a/bystander"]));
    expect(first.get("a/running")).toMatchObject({ kind: "waiting", reason: "Preempted" });
    expect(first.get("a/vital")).toMatchObject({
      kind: "placed",
      node: "pc2",
      waitsFor:
        "placed on pc2 (rtx-3060), where pods leaving the node still hold 6000 MiB; it starts once they have stopped",
    });
    // The next plans, while it stops (its Deployment at zero, so no longer pinned): the same, and the
    // bystander stays.
    const stopping = planPlacement(
      [{ ...victim, current: undefined }, bystander, vital],
      classes,
      [pc2],
      running(["a/running", "a/bystander"]),
    );
    expect(placedOn(stopping.get("a/bystander"))).toBe("rtx-3060/pc2");
    // The victim still reads as displaced, not as about to have its room back.
    expect(stopping.get("a/running")).toMatchObject({ kind: "waiting", reason: "Preempted" });
    expect(stopping.get("a/vital")).toMatchObject({ kind: "placed", node: "pc2", waitsFor: expect.any(String) });
    // Stopped: it starts.
    const stopped = planPlacement(
      [{ ...victim, current: undefined }, bystander, vital],
      classes,
      [pc2],
      running(["a/bystander"]),
    );
    expect(stopped.get("a/vital")).toEqual({
      kind: "placed",
      gpuClass: "rtx-3060",
      node: "pc2",
      vramMiB: 6000,
      fallback: false,
    });
    expect(stopped.get("a/running")).toMatchObject({ kind: "waiting", reason: "InsufficientVRAM" });
    // An agent that already runs on the node is never held back.
    const runs = planPlacement(
      [{ ...victim, current: undefined }, bystander, { ...vital, current: { gpuClass: "rtx-3060", node: "pc2" } }],
      classes,
      [pc2],
      running(["a/running", "a/bystander", "a/vital"]),
    );
    expect(runs.get("a/vital")).not.toHaveProperty("waitsFor");
  });

  it("fails back one agent at a time, and not while another is still moving", () => {
    const onFallback = (key: string) =>
      demand(key, 1000, { current: { gpuClass: "rtx-4090", node: "mainpc" } }, ["rtx-3060", "rtx-4090"]);
    const plan = planPlacement([onFallback("a/one"), onFallback("a/two")], classes, [mainpc, pc2]);
    expect([placedOn(plan.get("a/one")), placedOn(plan.get("a/two"))]).toEqual(["rtx-3060/pc2", "rtx-4090/mainpc"]);
    const busy = planPlacement([onFallback("a/one"), { ...onFallback("a/two"), settling: true }], classes, [
      mainpc,
      pc2,
    ]);
    expect(placedOn(busy.get("a/one"))).toBe("rtx-4090/mainpc");
    const pinned = planPlacement([{ ...onFallback("a/one"), failback: false }], classes, [mainpc, pc2]);
    expect(placedOn(pinned.get("a/one"))).toBe("rtx-4090/mainpc");
  });

  it("keeps the VRAM of a deleted agent's pods that still run until they are gone, and says so", () => {
    const stopping = { agent: "a/gone", node: "pc2", gpuClass: "rtx-3060" };
    const lastClasses = new Map([["a/gone", [{ name: "rtx-3060", vramMiB: 10000 }]]]);
    const waits = planPlacement([demand("a/new", 3000)], classes, [pc2], { pods: [stopping], lastClasses });
    expect(waits.get("a/new")).toEqual({
      kind: "waiting",
      reason: "InsufficientVRAM",
      message:
        "needs 3000 MiB: rtx-3060 has 1776 MiB free on pc2, and 10000 MiB more once the pods leaving it have stopped",
    });
    const gone = planPlacement([demand("a/new", 3000)], classes, [pc2], { pods: [], lastClasses });
    expect(placedOn(gone.get("a/new"))).toBe("rtx-3060/pc2");
    // A pod whose agent the operator never saw (it started after the deletion) holds a GPU replica.
    const full = ["a/1", "a/2", "a/3"].map((key) => demand(key, 100));
    const unknown = planPlacement([...full, demand("a/4", 100)], classes, [pc2], {
      pods: [{ ...stopping, agent: "a/unknown" }],
      lastClasses: new Map(),
    });
    expect(unknown.get("a/4")).toMatchObject({ reason: "NoFreeGPU" });
  });

  it("keeps the room an agent leaves while its old pod runs, and never its own room twice", () => {
    const mover = demand("a/mover", 9000, { current: { gpuClass: "rtx-3060", node: "pc2" } }, ["rtx-3060", "rtx-4090"]);
    const running = (node: string) => ({
      pods: [{ agent: "a/mover", node, gpuClass: "rtx-3060" }],
      lastClasses: new Map(),
    });
    // pc2 is going down: the mover leaves for mainpc, its old pod still on pc2; the newcomer waits.
    const down = { ...pc2, ready: false };
    const moving = planPlacement([mover, demand("a/new", 5000)], classes, [mainpc, down], running("pc2"));
    expect(placedOn(moving.get("a/mover"))).toBe("rtx-4090/mainpc");
    // Back: the mover stays on mainpc for now, its pod on pc2 still stopping; the newcomer has no room.
    const back = planPlacement(
      [{ ...mover, current: { gpuClass: "rtx-4090", node: "mainpc" }, settling: true }, demand("a/new", 5000)],
      classes,
      [mainpc, pc2],
      running("pc2"),
    );
    expect(placedOn(back.get("a/mover"))).toBe("rtx-4090/mainpc");
    expect(back.get("a/new")).toMatchObject({ reason: "InsufficientVRAM" });
    // Its own pod where it is placed is counted once: the newcomer fits beside it.
    const settled = planPlacement([mover, demand("a/new", 2000)], classes, [mainpc, pc2], running("pc2"));
    expect([placedOn(settled.get("a/mover")), placedOn(settled.get("a/new"))]).toEqual([
      "rtx-3060/pc2",
      "rtx-3060/pc2",
    ]);
  });

  it("lets an agent pinned to a node keep it though pods leaving that node still run", () => {
    const pinned = demand("a/pinned", 6000, { current: { gpuClass: "rtx-3060", node: "pc2" } });
    const plan = planPlacement([pinned], classes, [pc2], {
      pods: [{ agent: "a/gone", node: "pc2", gpuClass: "rtx-3060" }],
      lastClasses: new Map([["a/gone", [{ name: "rtx-3060", vramMiB: 10000 }]]]),
    });
    expect(placedOn(plan.get("a/pinned"))).toBe("rtx-3060/pc2");
  });

  it("names an unknown class", () => {
    expect(planPlacement([demand("a/x", 1, {}, ["rtx-5090"])], classes, [pc2]).get("a/x")).toMatchObject({
      reason: "UnknownGPUClass",
    });
  });

  it("bin-packs by default and spreads when the class says so", () => {
    const a = node("a", "NVIDIA-GeForce-RTX-3060", 4);
    const b = node("b", "NVIDIA-GeForce-RTX-3060", 4);
    const demands = [demand("x/1", 1000), demand("x/2", 1000)];
    const packed = planPlacement(demands, classes, [a, b]);
    expect(new Set([...packed.values()].map(placedOn))).toEqual(new Set(["rtx-3060/a"]));
    const spreadClass = { ...rtx3060, spec: { ...rtx3060.spec, placement: "Spread" as const } };
    const spread = planPlacement(demands, new Map([["rtx-3060", spreadClass as GPUClass]]), [a, b]);
    expect(new Set([...spread.values()].map(placedOn))).toEqual(new Set(["rtx-3060/a", "rtx-3060/b"]));
  });
});

describe("planPlacement on generated fleets", () => {
  const classNames = ["rtx-4090", "rtx-3060"];
  const fleet = fc.record({
    nodes: fc.array(
      fc.record({
        cls: fc.constantFrom(0, 1),
        slots: fc.integer({ min: 0, max: 8 }),
        ready: fc.boolean(),
        schedulable: fc.boolean(),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    demands: fc.array(
      fc.record({
        vram: fc.integer({ min: 1, max: 26000 }),
        replicas: fc.integer({ min: 1, max: 3 }),
        required: fc.boolean(),
        priority: fc.integer({ min: -5, max: 5 }),
        classes: fc.shuffledSubarray([0, 1], { minLength: 1 }),
        current: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      }),
      { maxLength: 60 },
    ),
  });
  type Fleet = typeof fleet extends fc.Arbitrary<infer T> ? T : never;
  const build = (f: Fleet) => {
    const nodes = f.nodes.map((n, i) =>
      node(
        `n${i}`,
        n.cls === 0 ? "NVIDIA-GeForce-RTX-4090" : "NVIDIA-GeForce-RTX-3060",
        n.slots,
        n.ready,
        n.schedulable,
      ),
    );
    const demands = f.demands.map((d, i): Demand => {
      const cur = d.current === undefined ? undefined : nodes[d.current % nodes.length];
      return {
        key: `ns/agent-${i}`,
        required: d.required,
        priority: d.priority,
        replicas: d.replicas,
        classes: d.classes.map((c) => ({ name: classNames[c] as string, vramMiB: d.vram })),
        failback: true,
        ...(cur
          ? {
              current: {
                gpuClass: cur.labels["nvidia.com/gpu.product"]?.includes("4090") ? "rtx-4090" : "rtx-3060",
                node: cur.name,
              },
            }
          : {}),
      };
    });
    return { nodes, demands };
  };

  it("lets a required agent take the room a fail-back frees, displacing one that is not required (found by the property below)", () => {
    const f: Fleet = {
      nodes: [
        { cls: 1, slots: 3, ready: true, schedulable: true },
        { cls: 0, slots: 5, ready: true, schedulable: true },
      ],
      demands: [
        { vram: 78, replicas: 2, required: false, priority: 0, classes: [0], current: undefined },
        { vram: 78, replicas: 2, required: true, priority: 0, classes: [1, 0], current: 1 },
        { vram: 11949, replicas: 2, required: true, priority: 0, classes: [0], current: undefined },
        { vram: 1, replicas: 1, required: true, priority: 1, classes: [1, 0], current: 1 },
      ],
    };
    const { nodes, demands } = build(f);
    const first = planPlacement(demands, classes, nodes);
    expect(first.get("ns/agent-2")).toMatchObject({ kind: "waiting", reason: "InsufficientVRAM" });
    const settled = demands.map((d) => {
      const p = first.get(d.key);
      const { current: _drop, ...rest } = d;
      return p?.kind === "placed" ? { ...rest, current: { gpuClass: p.gpuClass, node: p.node } } : rest;
    });
    const again = planPlacement(settled, classes, nodes);
    expect(again.get("ns/agent-1")).toMatchObject({ kind: "placed", gpuClass: "rtx-3060", fallback: false });
    expect(again.get("ns/agent-2")).toMatchObject({ kind: "placed", gpuClass: "rtx-4090" });
    expect(again.get("ns/agent-0")).toMatchObject({ kind: "waiting", reason: "Preempted" });
  });

  it("never overcommits VRAM or GPU replicas, and places only on usable nodes of the agent's classes", () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const { nodes, demands } = build(f);
        const plan = planPlacement(demands, classes, nodes);
        for (const n of nodes) {
          const here = demands.filter((d) => {
            const p = plan.get(d.key);
            return p?.kind === "placed" && p.node === n.name;
          });
          const cls = n.labels["nvidia.com/gpu.product"]?.includes("4090") ? rtx4090 : rtx3060;
          const used = here.reduce((s, d) => s + (plan.get(d.key) as { vramMiB: number }).vramMiB * d.replicas, 0);
          expect(used).toBeLessThanOrEqual(cls.spec.vramMiB - cls.spec.reservedMiB);
          expect(here.reduce((s, d) => s + d.replicas, 0)).toBeLessThanOrEqual(Number(n.allocatable["nvidia.com/gpu"]));
          if (here.length) expect(n.ready && n.schedulable).toBe(true);
          for (const d of here)
            expect(d.classes.map((c) => c.name)).toContain((plan.get(d.key) as { gpuClass: string }).gpuClass);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it("gives the same placement whatever the order, and moves a placed fleet only to fail one agent back (and what that frees)", () => {
    fc.assert(
      fc.property(fleet, fc.integer(), (f, seed) => {
        const { nodes, demands } = build(f);
        const plan = planPlacement(demands, classes, nodes);
        const shuffled = [...demands].sort(
          (a, b) => ((a.key.length * 31 + seed) % 7) - ((b.key.length * 31 + seed) % 7) || (a.key < b.key ? 1 : -1),
        );
        expect(planPlacement(shuffled, classes, nodes)).toEqual(plan);
        // Steady state: with every agent where the plan put it, planning again moves nothing.
        const settled = demands.map((d) => {
          const p = plan.get(d.key);
          const { current: _drop, ...rest } = d;
          return p?.kind === "placed" ? { ...rest, current: { gpuClass: p.gpuClass, node: p.node } } : rest;
        });
        const again = planPlacement(settled, classes, nodes);
        let failbacks = 0;
        let displaced = 0;
        for (const d of demands) {
          const before = plan.get(d.key);
          const after = again.get(d.key);
          if (before?.kind !== "placed") continue;
          if (after?.kind === "placed" && after.gpuClass !== before.gpuClass) {
            // The only move a steady fleet makes: one agent back to its own class, once there is room.
            expect(after).toMatchObject({ gpuClass: d.classes[0]?.name, fallback: false });
            failbacks++;
          } else if (after?.kind === "waiting" && after.reason === "Preempted") {
            // What that fail-back frees may let a required agent that waited displace one that is not.
            expect(d.required).toBe(false);
            displaced++;
          } else {
            expect(after).toEqual(before);
          }
        }
        expect(failbacks).toBeLessThanOrEqual(1);
        if (displaced > 0) {
          expect(failbacks).toBe(1);
          const started = demands.filter(
            (d) => d.required && plan.get(d.key)?.kind !== "placed" && again.get(d.key)?.kind === "placed",
          );
          expect(started.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});
