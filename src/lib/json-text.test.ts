import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasEscapedKey, parseJson, parseStrictly } from "./json-text.ts";

// Keys and strings that need escapes in JSON, and the ones that poison V8's key cache.
const trickyKey = fc.oneof(
  fc.string(),
  fc.constantFrom('"', "\\", "a\\", 'a"b', "&", "<x>", "\n", "\u2028", "__proto__", "h", ""),
);
const json = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(null, true, false, 0, -1.5, 1e21, 5e-7),
    fc.string(),
    fc.array(tie("any")),
    fc.dictionary(trickyKey, tie("any")),
  ),
})).any;

describe("parseJson", () => {
  it("reads every key as written, even after a parse that poisons V8's key cache", () => {
    // nodejs/node#63785: on Node 24, JSON.parse here reads the second key as `\`.
    JSON.parse('{"h":[],"\\\\":0}');
    expect(Object.keys(parseJson('{"h":1,"\\"":2}') as object)).toEqual(["h", '"']);
    expect(Object.keys(parseJson('{"h":1,"\\u0026":2}') as object)).toEqual(["h", "&"]);
  });

  it("reads back whatever JSON.stringify wrote, keys in their order, __proto__ as a key", () => {
    fc.assert(
      fc.property(json, (value) => {
        const read = parseJson(JSON.stringify(value));
        expect(read).toEqual(value);
        expect(JSON.stringify(read)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
    expect(Object.getPrototypeOf(parseStrictly('{"__proto__":{"x":1},"\\"":1}'))).toBe(Object.prototype);
  });

  it("reads JSON with whitespace, and refuses what is not JSON as JSON.parse does", () => {
    expect(parseStrictly(' { "a\\"" : [ 1 , -2.5e3 , true , null , "x" ] } \n')).toEqual({
      'a"': [1, -2500, true, null, "x"],
    });
    for (const bad of [
      '{"a\\"":1,}',
      '{"a\\"" 1}',
      '{"a\\"":01}',
      '{"a\\"":1} x',
      '{"a\\"":"\\x"}',
      '{"a\\"":tru}',
      '["\\"',
    ]) {
      expect(() => JSON.parse(bad)).toThrow(SyntaxError);
      expect(() => parseStrictly(bad)).toThrow(SyntaxError);
    }
  });

  it("finds a key written with an escape at any depth, and no other", () => {
    const escapedKeyIn = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.some(escapedKeyIn)
        : typeof v === "object" && v !== null
          ? Object.entries(v).some(([k, inner]) => JSON.stringify(k) !== `"${k}"` || escapedKeyIn(inner))
          : false;
    fc.assert(
      fc.property(json, (value) => {
        expect(hasEscapedKey(JSON.stringify(value))).toBe(escapedKeyIn(value));
      }),
      { numRuns: 500 },
    );
  });

  it("sends to the slow reader only a text with a key written with an escape", () => {
    expect(hasEscapedKey('{"a":"value with \\" and \\\\","b":["\\n"]}')).toBe(false);
    expect(hasEscapedKey('{"a":1,"k:{\\"name\\":\\"x\\"}":{}}')).toBe(true);
    expect(hasEscapedKey('{"a" :1, "\\u0026" :2}')).toBe(true);
    expect(hasEscapedKey("404 page not found")).toBe(false);
  });
});
