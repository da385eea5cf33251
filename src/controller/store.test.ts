import { describe, expect, it } from "vitest";
import type { KubeObject } from "./objects.ts";
import { Store } from "./store.ts";

const obj = (name: string, namespace: string, owners: string[]): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, ownerReferences: owners.map((uid) => ({ apiVersion: "x", kind: "X", name: "o", uid })) },
});

describe("Store", () => {
  it("finds objects by an index, and keeps the index right through replacement and deletion", () => {
    const store = new Store<KubeObject>({ owner: (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid) });
    store.put(obj("a", "ns1", ["u1"]));
    store.put(obj("b", "ns1", ["u1", "u2"]));
    store.put(obj("a", "ns2", ["u2"]));
    const names = (uid: string) => store.byIndex("owner", uid).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names("u1")).toEqual(["ns1/a", "ns1/b"]);
    expect(names("u2")).toEqual(["ns1/b", "ns2/a"]);
    // b changes owner: it leaves u1's entry and stays in u2's once.
    expect(store.put(obj("b", "ns1", ["u2"]))?.metadata.ownerReferences).toHaveLength(2);
    expect(names("u1")).toEqual(["ns1/a"]);
    expect(names("u2")).toEqual(["ns2/a", "ns1/b"]);
    expect(store.delete("a", "ns2")?.metadata.name).toBe("a");
    expect(store.delete("a", "ns2")).toBeUndefined();
    expect(names("u2")).toEqual(["ns1/b"]);
    expect(store.list().map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(store.list("ns2")).toEqual([]);
    expect(names("nobody")).toEqual([]);
    expect(() => store.byIndex("missing", "x")).toThrow("no index named missing");
  });
});
