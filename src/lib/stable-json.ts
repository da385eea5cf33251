// A short, stable digest of JSON data: key order does not matter, any value change does.
import { hash } from "node:crypto";

/**
 * The value with object keys sorted and undefined fields dropped, and with `leaveOutEmpty` empty lists
 * and objects left out at any depth too (an empty item of a list becomes `{}`: it is never left out).
 * Copied key by key (a null prototype keeps a "__proto__" key an ordinary field) rather than through
 * entry arrays: the operator hashes every child it renders at every reconcile and every child its
 * caches receive, and this copy was the largest part of that cost (docs/performance.md).
 */
function sortedCopy(value: unknown, leaveOutEmpty: boolean): unknown {
  if (Array.isArray(value)) {
    if (!leaveOutEmpty) return value.map((item) => sortedCopy(item, false));
    return value.length ? value.map((item) => sortedCopy(item, true) ?? {}) : undefined;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = Object.create(null);
    let kept = 0;
    // The default sort compares UTF-16 code units, as `a < b` does.
    for (const key of Object.keys(record).sort()) {
      const v = sortedCopy(record[key], leaveOutEmpty);
      if (v === undefined) continue;
      sorted[key] = v;
      kept++;
    }
    return leaveOutEmpty && kept === 0 ? undefined : sorted;
  }
  return value;
}

/** The value with object keys sorted and undefined fields dropped: equal data gives equal JSON. */
export const canonical = (value: unknown): unknown => sortedCopy(value, false);

/**
 * As `canonical`, and empty lists and objects left out at any depth, in the same pass (the drift
 * digest's comparison, where an empty list and none are the same: reconcilers/child-drift.ts). An
 * item of a list is never left out: an empty one becomes `{}`. Undefined when nothing is left.
 */
export const canonicalWithoutEmpty = (value: unknown): unknown => sortedCopy(value, true);

/** The canonical JSON text of a value; "" for undefined. */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value)) ?? "";

/** What JSON.stringify writes of a value that is not an object: non-finite numbers as null, undefined as nothing. */
const asJsonValue = (value: unknown): unknown =>
  typeof value === "number" && !Number.isFinite(value)
    ? null
    : typeof value === "function" || typeof value === "symbol"
      ? undefined
      : value;

/** The members JSON writes of an object: its own keys, less those whose value writes as nothing. */
function visibleKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).filter((key) => asJsonValue(record[key]) !== undefined);
}

/**
 * Whether two values have the same canonical JSON (`canonicalJson(a) === canonicalJson(b)`), found
 * without writing either: the reconciler compares an agent's status with the one it decided at every
 * reconcile, and writing both texts was a tenth of the start's pass over every agent.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const aObject = a !== null && typeof a === "object";
  const bObject = b !== null && typeof b === "object";
  if (!aObject || !bObject) return !aObject && !bObject && asJsonValue(a) === asJsonValue(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    // An item that writes as nothing is written as null in a list.
    return a.every((item, i) => sameJson(asJsonValue(item) ?? null, asJsonValue(b[i]) ?? null));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const keys = visibleKeys(aRecord);
  if (keys.length !== visibleKeys(bRecord).length) return false;
  return keys.every((key) => Object.hasOwn(bRecord, key) && sameJson(aRecord[key], bRecord[key]));
}

/** The digest of a text that is already canonical (16 hex digits of its SHA-256). */
export const digestOfText = (text: string): string => hash("sha256", text, "hex").slice(0, 16);

export function stableHash(value: unknown): string {
  return digestOfText(canonicalJson(value));
}
