import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalWithoutEmpty, sameJson, stableHash } from "./stable-json.ts";

/** The specification, as the function was first written: a copy through sorted entries. */
function reference(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reference);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, reference(v)]),
    );
  }
  return value;
}

// JSON values, and objects with undefined fields, numeric keys, "__proto__", and keys that sort unlike their order.
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, -0, 1.5, "", 'é\n"x'),
    fc.string(),
    fc.double(),
    fc.array(tie("any")),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom("0", "10", "2", "01", "-1", "a", "B", "__proto__")),
      tie("maybe"),
    ),
  ),
  maybe: fc.oneof(tie("any"), fc.constant(undefined)),
}));

describe("canonicalJson", () => {
  it("is the same text as the reference's copy through sorted entries, for any value", () => {
    fc.assert(
      fc.property(value.any, (v) => {
        expect(canonicalJson(v)).toBe(JSON.stringify(reference(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it("does not depend on key order, and tells any change of value", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined }], c: "3" } })).toBe(
      '{"a":{"c":"3","d":[1,{"y":2}]},"b":1}',
    );
    expect(stableHash({ a: 1, b: [2] })).toBe(stableHash({ b: [2], a: 1 }));
    expect(stableHash({ a: 1, b: [2] })).not.toBe(stableHash({ a: 1, b: [3] }));
    expect(canonicalJson(undefined)).toBe("");
  });
});

/** The specification of leaving out empties, as child-drift.ts first wrote it, before the sorted copy. */
function withoutEmptyReference(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => withoutEmptyReference(v) ?? {});
    return items.length ? items : undefined;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, withoutEmptyReference(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

describe("canonicalWithoutEmpty", () => {
  it("is the reference's empties left out, then its sorted copy, in one pass, for any value", () => {
    fc.assert(
      fc.property(value.any, (v) => {
        expect(JSON.stringify(canonicalWithoutEmpty(v))).toBe(JSON.stringify(reference(withoutEmptyReference(v))));
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves out empty lists and objects at any depth, but never an item of a list", () => {
    expect(canonicalWithoutEmpty({ b: [], a: { c: {}, d: [{}, { e: [] }] } })).toEqual({ a: { d: [{}, {}] } });
    expect(canonicalWithoutEmpty({ a: [], b: {} })).toBeUndefined();
  });
});

/** A copy of the value with its keys in another order and some undefined fields added: the same JSON. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value && typeof value === "object") {
    const entries = Object.entries(value).reverse();
    return Object.fromEntries([...entries.map(([k, v]) => [k, reordered(v)]), ["added-undefined", undefined]]);
  }
  return value;
}

describe("sameJson", () => {
  it("says two values are the same exactly when their canonical JSON is", () => {
    fc.assert(
      fc.property(value.any, value.any, (a, b) => {
        expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(sameJson(a, reordered(a))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("tells a change anywhere, and not a change of key order or an undefined field", () => {
    const status = { conditions: [{ type: "Ready", status: "True", reason: "AsExpected" }], observedGeneration: 2 };
    expect(
      sameJson(status, {
        observedGeneration: 2,
        conditions: [{ reason: "AsExpected", status: "True", type: "Ready" }],
      }),
    ).toBe(true);
    expect(sameJson(status, { ...status, gpuClass: undefined })).toBe(true);
    expect(sameJson(status, { ...status, observedGeneration: 3 })).toBe(false);
    expect(sameJson(status, { ...status, conditions: [{ ...status.conditions[0], status: "False" }] })).toBe(false);
    expect(sameJson(status, { ...status, conditions: [] })).toBe(false);
    expect(sameJson(undefined, {})).toBe(false);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ a: Number.NaN }, { a: null })).toBe(true);
  });
});
