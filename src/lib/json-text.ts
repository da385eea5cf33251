// JSON.parse, safe from a V8 bug in the Node this project runs on (24.x; nodejs/node#63785, V8
// issue 521080746): an object key written with an escape (`"\""`, `"a\\b"`, `"\u0026"`) can come
// back as another key once an earlier parse gave an object of the same shape a key that the escaped
// key's raw text starts with (after `{"h":[],"\\":0}`, `{"h":1,"\"":2}` reads as the key `\`). Keys
// with escapes reach the operator in an agent's free-form config (the API server writes `&`, `<` and
// `>` as \u0026, \u003c, \u003e) and in managedFields. A text with no escaped key, nearly every one,
// goes to JSON.parse; one with an escaped key is read by the small parser below, which decodes each
// key as a string value (JSON.parse reads string values right) and sets it itself.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index just past the string that opens at `start` (a quote), or -1 if it never closes. */
export function endOfString(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote >= 0) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function nextNonWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Whether any object key in the JSON text is written with an escape. Strings are walked quote to
 * quote, and the next backslash is looked for once per backslash, not once per string.
 */
export function hasEscapedKey(text: string): boolean {
  let backslash = text.indexOf("\\");
  for (let start = text.indexOf('"'); start >= 0 && backslash >= 0; ) {
    const end = endOfString(text, start);
    if (end < 0) return false; // not JSON: JSON.parse will say so
    if (backslash < start) backslash = text.indexOf("\\", start);
    if (backslash >= 0 && backslash < end && text.charCodeAt(nextNonWhitespace(text, end)) === 0x3a) return true;
    start = text.indexOf('"', end);
  }
  return false;
}

const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A JSON reader that sets every key itself: slower than JSON.parse, for the texts it cannot read. */
export function parseStrictly(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} in JSON at position ${i}`);
  };
  const skip = () => {
    i = nextNonWhitespace(text, i);
  };
  const string = (): string => {
    if (text.charCodeAt(i) !== QUOTE) fail("Expected a string");
    const end = endOfString(text, i);
    if (end < 0) fail("Unterminated string");
    const value = JSON.parse(text.slice(i, end)) as string;
    i = end;
    return value;
  };
  const value = (): unknown => {
    skip();
    const c = text.charCodeAt(i);
    if (c === QUOTE) return string();
    if (c === 0x7b) {
      i++;
      const obj: Record<string, unknown> = {};
      skip();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        const key = string();
        skip();
        if (text.charCodeAt(i) !== 0x3a) fail("Expected ':'");
        i++;
        // defineProperty: `obj[key] =` would set the prototype for a key "__proto__", as JSON.parse does not.
        Object.defineProperty(obj, key, { value: value(), writable: true, enumerable: true, configurable: true });
        skip();
        const next = text.charCodeAt(i++);
        if (next === 0x7d) return obj;
        if (next !== 0x2c) fail("Expected ',' or '}'");
      }
    }
    if (c === 0x5b) {
      i++;
      const list: unknown[] = [];
      skip();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        skip();
        const next = text.charCodeAt(i++);
        if (next === 0x5d) return list;
        if (next !== 0x2c) fail("Expected ',' or ']'");
      }
    }
    for (const [word, literal] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return literal;
      }
    }
    numberPattern.lastIndex = i;
    const number = numberPattern.exec(text);
    if (!number) return fail("Unexpected token");
    i += number[0].length;
    return Number(number[0]);
  };
  const result = value();
  skip();
  if (i < text.length) fail("Unexpected non-whitespace character after JSON");
  return result;
}

/** JSON.parse, unless a key is written with an escape: then read so that every key is the one written. */
export function parseJson(text: string): unknown {
  return hasEscapedKey(text) ? parseStrictly(text) : JSON.parse(text);
}
