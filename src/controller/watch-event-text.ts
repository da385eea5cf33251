// A watch event's text, read without its object's metadata.managedFields. Server-side apply makes
// them about half of every object the API server sends (4 of the 9 KB of a Deployment or a Pod), the
// caches drop them unread (informer.ts stripManagedFields, as controller-runtime's default
// transform), and parsing them was the largest single cost of a start over thousands of agents:
// objects built only to become garbage. The member is found by walking the event's JSON text (the
// event's members, its object's, its metadata's: strings and nested values skipped whole), and cut
// out before JSON.parse reads the rest. A cache that keeps only a few members of an object's spec
// (a pod's node) has the rest of the spec cut the same way: a pod's spec is two thirds of what is
// left of it, and pods are the objects whose events come most often. Anything unexpected parses the
// whole text, as before: the cut is a saving, never a different answer.

import { endOfString, parseJson } from "../lib/json-text.ts";

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The index just past the array or object that opens at `start`, or -1 if it never closes. With
 * `depth` 1, `start` is inside it instead (past some of its members): the walk goes on from there.
 */
function endOfCollection(text: string, start: number, depth = 0): number {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The member `key` of the object that opens at `start`: where its key begins and its value begins,
 * or undefined. Strings and nested collections are skipped whole, so only the object's own keys match.
 */
function member(text: string, start: number, key: string): { key: number; value: number } | undefined {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACE) return undefined;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const end = endOfCollection(text, i);
      if (end < 0) return undefined;
      i = end - 1;
    } else if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end < 0) return undefined;
      // A key is followed by a colon, a value never is.
      if (text.charCodeAt(end) === COLON && end - i - 2 === key.length && text.startsWith(key, i + 1)) {
        return { key: i, value: end + 1 };
      }
      i = end - 1;
    }
  }
  return undefined;
}

/** The index just past the value that begins at `start` (compact JSON), or -1 if it never ends. */
function endOfValue(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return endOfString(text, start);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return endOfCollection(text, start);
  for (let i = start; i < text.length; i++) {
    const next = text.charCodeAt(i);
    if (next === COMMA || next === CLOSE_BRACE || next === CLOSE_BRACKET) return i;
  }
  return -1;
}

/** Text [from, to) to be read as `insert` instead. */
interface Cut {
  from: number;
  to: number;
  insert: string;
}

/** The object's own metadata.managedFields member, with the comma that separates it from a neighbour. */
function managedFieldsCut(text: string, start: number): Cut | undefined {
  if (text.charCodeAt(start) !== OPEN_BRACE) return undefined;
  const metadata = member(text, start, "metadata");
  if (!metadata || text.charCodeAt(metadata.value) !== OPEN_BRACE) return undefined;
  const fields = member(text, metadata.value, "managedFields");
  if (!fields || text.charCodeAt(fields.value) !== OPEN_BRACKET) return undefined;
  const end = endOfCollection(text, fields.value);
  if (end < 0) return undefined;
  const before = text.charCodeAt(fields.key - 1);
  if (before === COMMA) return { from: fields.key - 1, to: end, insert: "" };
  if (before === OPEN_BRACE)
    return { from: fields.key, to: text.charCodeAt(end) === COMMA ? end + 1 : end, insert: "" };
  return undefined;
}

/** The object's spec, read as only its members named in `kept` (each as written). */
function specCut(text: string, start: number, kept: readonly string[]): Cut | undefined {
  const spec = member(text, start, "spec");
  if (!spec || text.charCodeAt(spec.value) !== OPEN_BRACE) return undefined;
  const members: string[] = [];
  // The spec's end is looked for from past the last member kept, not walked again from its start.
  let walked = { at: spec.value, depth: 0 };
  for (const key of kept) {
    const found = member(text, spec.value, key);
    if (!found) continue;
    const valueEnd = endOfValue(text, found.value);
    if (valueEnd < 0) return undefined;
    members.push(text.slice(found.key, valueEnd));
    if (valueEnd > walked.at) walked = { at: valueEnd, depth: 1 };
  }
  const end = endOfCollection(text, walked.at, walked.depth);
  if (end < 0) return undefined;
  return { from: spec.value, to: end, insert: `{${members.join(",")}}` };
}

/** The cuts of the object that opens at `start`, in the order they come in the text. */
function objectCuts(text: string, start: number, specKept: readonly string[] | undefined): Cut[] {
  const cuts = [managedFieldsCut(text, start), specKept ? specCut(text, start, specKept) : undefined];
  return cuts.filter((cut) => cut !== undefined).sort((a, b) => a.from - b.from);
}

function parseCut(text: string, cuts: Cut[]): unknown {
  if (cuts.length === 0) return parseJson(text);
  let kept = "";
  let from = 0;
  for (const cut of cuts) {
    kept += text.slice(from, cut.from) + cut.insert;
    from = cut.to;
  }
  return parseJson(kept + text.slice(from));
}

/**
 * JSON.parse of a watch event's line, its object's metadata.managedFields left out unread, and of
 * its spec only the members named in `specKept` when given (what the cache's transform keeps).
 */
export function parseWatchEvent(text: string, specKept?: readonly string[]): unknown {
  if (text.charCodeAt(0) !== OPEN_BRACE) return parseJson(text);
  const object = member(text, 0, "object");
  if (!object || text.charCodeAt(object.value) !== OPEN_BRACE) return parseJson(text);
  return parseCut(text, objectCuts(text, object.value, specKept));
}

/**
 * JSON.parse of an object's text (an answer to a write or a GET), its metadata.managedFields left
 * out unread: their keys are written with escapes (`k:{\"type\":\"Ready\"}`), which JSON.parse
 * cannot be trusted with (lib/json-text.ts), and nothing reads them.
 */
export function parseObjectWithoutManagedFields(text: string): unknown {
  return parseCut(text, objectCuts(text, 0, undefined));
}
