import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseObjectWithoutManagedFields, parseWatchEvent } from "./watch-event-text.ts";

// JSON with the strings that could fool a walk of the text: quotes, backslashes, brackets, colons,
// and the very keys the walk looks for, at any depth.
const trickyString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '"',
    "\\",
    '\\"',
    "\\\\",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    '"managedFields":[',
    '"metadata":{',
    "object",
  ),
);
const key = fc.oneof(
  fc.string(),
  fc.constantFrom("managedFields", "metadata", "object", "a\\", 'a"b', "kind", "spec", "nodeName"),
);
const json = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, -1.5),
    trickyString,
    fc.array(tie("any")),
    fc.dictionary(key, tie("any")),
  ),
})).any;

/** An event as the API server could send it, its members in any order. */
const event = fc
  .record({
    type: fc.constantFrom("ADDED", "MODIFIED", "DELETED", "BOOKMARK"),
    metadata: fc.dictionary(key, json),
    managedFields: fc.option(fc.array(json), { nil: undefined }),
    spec: json,
    shuffle: fc.boolean(),
  })
  .map(({ type, metadata, managedFields, spec, shuffle }) => {
    const meta = managedFields === undefined ? metadata : { ...metadata, managedFields };
    const object = shuffle ? { spec, metadata: meta, kind: "Thing" } : { kind: "Thing", metadata: meta, spec };
    return shuffle ? { object, type } : { type, object };
  });

/** The event less its metadata's managedFields: a list, as the API server always sends it. */
const withoutManagedFields = <E extends { object: { metadata: Record<string, unknown> } }>(e: E): E => {
  const { managedFields, ...metadata } = e.object.metadata;
  return Array.isArray(managedFields) ? { ...e, object: { ...e.object, metadata } } : e;
};

describe("parseWatchEvent", () => {
  it("reads any event as JSON.parse does, less its object's own metadata.managedFields list", () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(parseWatchEvent(JSON.stringify(e))).toEqual(withoutManagedFields(e));
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves a managedFields anywhere else as it is, and cuts the first, last or only member", () => {
    const spec = { metadata: { managedFields: [{ manager: "not metadata's" }] }, managedFields: [1] };
    for (const metadata of [
      { managedFields: [{ manager: "kubectl", fieldsV1: { 'k:{"name":"a"}': {} } }], name: "a" },
      { name: "a", managedFields: [{ manager: "kubectl" }] },
      { managedFields: [] },
    ]) {
      const text = JSON.stringify({ type: "ADDED", object: { kind: "Pod", spec, metadata } });
      const { managedFields: _, ...rest } = metadata;
      expect(parseWatchEvent(text)).toEqual({ type: "ADDED", object: { kind: "Pod", spec, metadata: rest } });
    }
  });

  it("cuts an object's own managedFields from an answer, and leaves a list's items whole", () => {
    const managedFields = [{ manager: "agentfleet", fieldsV1: { "f:status": { 'k:{"type":"Ready"}': {} } } }];
    const object = { kind: "Deployment", metadata: { name: "a", managedFields, resourceVersion: "7" }, spec: {} };
    expect(parseObjectWithoutManagedFields(JSON.stringify(object))).toEqual({
      kind: "Deployment",
      metadata: { name: "a", resourceVersion: "7" },
      spec: {},
    });
    const list = { kind: "DeploymentList", metadata: { resourceVersion: "9" }, items: [object] };
    expect(parseObjectWithoutManagedFields(JSON.stringify(list))).toEqual(list);
  });

  it("parses text it cannot walk as JSON.parse does, errors included", () => {
    expect(parseWatchEvent(' {"object":{"metadata":{"managedFields":[1]}}}')).toEqual({
      object: { metadata: { managedFields: [1] } },
    });
    expect(() => parseWatchEvent('{"object":{"metadata":{"managedFields":[1')).toThrow(SyntaxError);
  });

  it("reads of an object's spec only the members it is told to keep, as written", () => {
    const specKept = ["nodeName", "kind"];
    fc.assert(
      fc.property(event, (e) => {
        const spec = e.object.spec;
        const expected =
          spec && typeof spec === "object" && !Array.isArray(spec)
            ? Object.fromEntries(Object.entries(spec).filter(([k]) => specKept.includes(k)))
            : spec;
        const want = withoutManagedFields({ ...e, object: { ...e.object, spec: expected } });
        expect(parseWatchEvent(JSON.stringify(e), specKept)).toEqual(want);
      }),
      { numRuns: 1000 },
    );
    const pod = {
      kind: "Pod",
      metadata: { name: "p", managedFields: [{ manager: "kubelet" }] },
      spec: { containers: [{ name: "a", args: ['"nodeName":"x"'] }], nodeName: "pc2", priority: 0, hostNetwork: true },
      status: { phase: "Running" },
    };
    expect(parseWatchEvent(JSON.stringify({ type: "MODIFIED", object: pod }), ["nodeName", "priority"])).toEqual({
      type: "MODIFIED",
      object: { kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "pc2", priority: 0 }, status: pod.status },
    });
  });
});
