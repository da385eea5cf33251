// A watch event's text, read without its object's metadata.managedFields. Server-side apply makes
// them about half of every object the API server sends (4 of the 9 KB of a Deployment or a Pod), the
// caches drop them unread (informer.ts stripManagedFields, as controller-runtime's default
// transform), and parsing them was the largest single cost of a start over thousands of agents:
// objects built only to become garbage. The member is found by walking the event's JSON text (the
// event's members, its object's, its metadata's: strings and nested values skipped whole), and cut
// out before JSON.parse reads the rest. Anything unexpected parses the whole text, as before: the
// cut is a saving, never a different answer.

import { endOfString, parseJson } from "../lib/json-text.ts";

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** The index just past the array or object that opens at `start`, or -1 if it never closes. */
function endOfCollection(text: string, start: number): number {
  let depth = 0;
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

/**
 * Where the event's object's metadata.managedFields member is, as [from, to) with the comma that
 * separates it from a neighbour; undefined when there is none, or the text is not compact JSON of an
 * event.
 */
function managedFieldsMember(text: string): [number, number] | undefined {
  if (text.charCodeAt(0) !== OPEN_BRACE) return undefined;
  const object = member(text, 0, "object");
  if (!object || text.charCodeAt(object.value) !== OPEN_BRACE) return undefined;
  return objectManagedFieldsMember(text, object.value);
}

/** As managedFieldsMember, for the object that opens at `start`. */
function objectManagedFieldsMember(text: string, start: number): [number, number] | undefined {
  if (text.charCodeAt(start) !== OPEN_BRACE) return undefined;
  const metadata = member(text, start, "metadata");
  if (!metadata || text.charCodeAt(metadata.value) !== OPEN_BRACE) return undefined;
  const fields = member(text, metadata.value, "managedFields");
  if (!fields || text.charCodeAt(fields.value) !== OPEN_BRACKET) return undefined;
  const end = endOfCollection(text, fields.value);
  if (end < 0) return undefined;
  const before = text.charCodeAt(fields.key - 1);
  if (before === COMMA) return [fields.key - 1, end];
  if (before === OPEN_BRACE) return [fields.key, text.charCodeAt(end) === COMMA ? end + 1 : end];
  return undefined;
}

const parseCut = (text: string, cut: [number, number] | undefined) =>
  parseJson(cut ? text.slice(0, cut[0]) + text.slice(cut[1]) : text);

/** JSON.parse of a watch event's line, its object's metadata.managedFields left out unread. */
export function parseWithoutManagedFields(text: string): unknown {
  return parseCut(text, managedFieldsMember(text));
}

/**
 * JSON.parse of an object's text (an answer to a write or a GET), its metadata.managedFields left
 * out unread: their keys are written with escapes (`k:{\"type\":\"Ready\"}`), which JSON.parse
 * cannot be trusted with (lib/json-text.ts), and nothing reads them.
 */
export function parseObjectWithoutManagedFields(text: string): unknown {
  return parseCut(text, objectManagedFieldsMember(text, 0));
}
