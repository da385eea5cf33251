import { describe, expect, it } from "vitest";
import type { KubeObject } from "../controller/objects.ts";
import { agent, renderInput } from "../testing/fixtures.ts";
import { withDriftDigest } from "./child-drift.ts";
import { childKinds, renderChildren } from "./child-kinds.ts";
import { planChildSync } from "./child-sync.ts";

const stt = agent("stt", { ports: [{ name: "zmq", port: 5800 }], config: { rate: 16000 } });
const desired = renderChildren(renderInput(stt, { kind: "cpu" }));

/** A child as the cache keeps it: cut down, with the digest of its live drift projection. */
const cached = (obj: KubeObject) => {
  const kind = childKinds.find((k) => k.resource.kind === obj.kind);
  return kind ? withDriftDigest(kind.drift, kind.cache)(obj) : obj;
};

/** The cluster as the caches hold it: children by kind. */
function live(objects: KubeObject[]) {
  return {
    get: (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name),
    owned: (kind: string) => objects.filter((o) => o.kind === kind),
  };
}

const owned = (kind: string, name: string, uid = stt.metadata.uid): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: {
    name,
    namespace: "agents",
    ownerReferences: [{ apiVersion: "x", kind: "AgentDeployment", name: "stt", uid: uid ?? "", controller: true }],
  },
});

describe("planChildSync", () => {
  it("creates every child of a new agent, ConfigMap first", () => {
    const plan = planChildSync(stt.metadata.uid, desired, live([]));
    expect(plan.apply.map((a) => [a.child.kind, a.exists])).toEqual([
      ["ConfigMap", false],
      ["Service", false],
      ["Deployment", false],
      ["PodDisruptionBudget", false],
      ["NetworkPolicy", false],
    ]);
    expect(plan.prune).toEqual([]);
  });

  it("writes nothing when every cached child carries the desired digest", () => {
    expect(planChildSync(stt.metadata.uid, desired, live(desired as KubeObject[]))).toEqual({ apply: [], prune: [] });
  });

  it("rewrites only the child whose digest differs (a hand edit, a changed spec)", () => {
    const edited = desired.map((c) =>
      c.kind === "Service"
        ? { ...c, metadata: { ...c.metadata, annotations: { "agentfleet.io/applied-hash": "old" } } }
        : c,
    ) as KubeObject[];
    const plan = planChildSync(stt.metadata.uid, desired, live(edited));
    expect(plan.apply.map((a) => [a.child.kind, a.exists])).toEqual([["Service", true]]);
  });

  it("prunes an owned ConfigMap or Service the agent no longer renders, and nothing of another owner", () => {
    const bare = agent("stt", {});
    const wanted = renderChildren(renderInput(bare, { kind: "cpu" }));
    const cluster = [
      ...(wanted as KubeObject[]),
      owned("ConfigMap", "stt-config"),
      owned("Service", "stt"),
      owned("ConfigMap", "tts-config", "uid-tts"),
    ];
    expect(planChildSync(bare.metadata.uid, wanted, live(cluster)).prune).toEqual([
      { kind: "ConfigMap", name: "stt-config" },
      { kind: "Service", name: "stt" },
    ]);
  });

  it("never prunes the Deployment or the budget, which every agent has", () => {
    const cluster = [owned("Deployment", "old-name"), owned("PodDisruptionBudget", "old-name")];
    expect(planChildSync(stt.metadata.uid, desired, live(cluster)).prune).toEqual([]);
  });

  it("puts back a child edited by hand (scaled, re-imaged) though it still carries the operator's digest", () => {
    const asCached = desired.map((c) => cached(c as KubeObject));
    expect(planChildSync(stt.metadata.uid, desired, live(asCached)).apply).toEqual([]);

    const deployment = desired.find((c) => c.kind === "Deployment") as unknown as KubeObject & {
      spec: { replicas: number };
    };
    const scaled = { ...deployment, spec: { ...deployment.spec, replicas: 5 } };
    const edited = asCached.map((c) => (c.kind === "Deployment" ? cached(scaled) : c));
    expect(planChildSync(stt.metadata.uid, desired, live(edited)).apply.map((a) => a.child.kind)).toEqual([
      "Deployment",
    ]);

    // Someone else's extra label on a child is theirs: nothing to put back.
    const service = desired.find((c) => c.kind === "Service") as KubeObject;
    const labelled = {
      ...service,
      metadata: { ...service.metadata, labels: { ...service.metadata.labels, team: "voice" } },
    };
    const withLabel = asCached.map((c) => (c.kind === "Service" ? cached(labelled) : c));
    expect(planChildSync(stt.metadata.uid, desired, live(withLabel)).apply).toEqual([]);
  });

  it("records each written child's rendered drift digest, so that its echo is in sync, and a changed record is put back", () => {
    const written = planChildSync(stt.metadata.uid, desired, live([])).apply.map((a) => a.child as KubeObject);
    const echoes = written.map(cached);
    for (const [i, echo] of echoes.entries()) {
      const recorded = written[i]?.metadata.annotations?.["agentfleet.io/drift-digest"];
      expect(recorded).toMatch(/^[0-9a-f]{16}$/);
      expect((echo as { driftDigest?: string }).driftDigest).toBe(recorded);
    }
    expect(planChildSync(stt.metadata.uid, desired, live(echoes)).apply).toEqual([]);

    // Scaled by hand: the live digest is no longer the recorded one.
    const deployment = written.find((c) => c.kind === "Deployment") as KubeObject & { spec: { replicas: number } };
    const scaled = echoes.map((c) =>
      c.kind === "Deployment" ? cached({ ...deployment, spec: { ...deployment.spec, replicas: 5 } } as KubeObject) : c,
    );
    expect(planChildSync(stt.metadata.uid, desired, live(scaled)).apply.map((a) => a.child.kind)).toEqual([
      "Deployment",
    ]);

    // Someone changed the record by hand: the child is written again, record and all.
    const tampered = echoes.map((c) =>
      c.kind === "ConfigMap"
        ? {
            ...c,
            metadata: { ...c.metadata, annotations: { ...c.metadata.annotations, "agentfleet.io/drift-digest": "0" } },
          }
        : c,
    );
    const again = planChildSync(stt.metadata.uid, desired, live(tampered)).apply;
    expect(again.map((a) => a.child.kind)).toEqual(["ConfigMap"]);
    expect(again[0]?.child.metadata.annotations?.["agentfleet.io/drift-digest"]).toBe(
      written[0]?.metadata.annotations?.["agentfleet.io/drift-digest"],
    );
  });

  it("puts back a NetworkPolicy opened to everyone by hand (an ingress of one empty rule)", () => {
    // stt has no dependents: its policy lets no one in (ingress []).
    const policy = desired.find((c) => c.kind === "NetworkPolicy") as unknown as KubeObject & {
      spec: { ingress: unknown[] };
    };
    expect(policy.spec.ingress).toEqual([]);
    const opened = { ...policy, spec: { ...policy.spec, ingress: [{}] } };
    const asCached = desired.map((c) => cached((c.kind === "NetworkPolicy" ? opened : c) as KubeObject));
    expect(planChildSync(stt.metadata.uid, desired, live(asCached)).apply.map((a) => a.child.kind)).toEqual([
      "NetworkPolicy",
    ]);
  });
});
