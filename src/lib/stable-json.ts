// A short, stable digest of JSON data: key order does not matter, any value change does.
import { hash } from "node:crypto";

/**
 * The value with object keys sorted and undefined fields dropped: equal data gives equal JSON.
 * Copied key by key (a null prototype keeps a "__proto__" key an ordinary field) rather than through
 * entry arrays: the operator hashes every child it renders at every reconcile and every child its
 * caches receive, and this copy was the largest part of that cost (docs/performance.md).
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = Object.create(null);
    // The default sort compares UTF-16 code units, as `a < b` does.
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v !== undefined) sorted[key] = canonical(v);
    }
    return sorted;
  }
  return value;
}

/**
 * As `canonical`, and empty lists and objects left out at any depth, in the same pass (the drift
 * digest's comparison, where an empty list and none are the same: reconcilers/child-drift.ts). An
 * item of a list is never left out: an empty one becomes `{}`. Undefined when nothing is left.
 */
export function canonicalWithoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return value.map((item) => canonicalWithoutEmpty(item) ?? {});
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    let kept: Record<string, unknown> | undefined;
    for (const key of Object.keys(record).sort()) {
      const v = canonicalWithoutEmpty(record[key]);
      if (v === undefined) continue;
      kept ??= Object.create(null) as Record<string, unknown>;
      kept[key] = v;
    }
    return kept;
  }
  return value;
}

/** The canonical JSON text of a value; "" for undefined. */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value)) ?? "";

/** The digest of a text that is already canonical (16 hex digits of its SHA-256). */
export const digestOfText = (text: string): string => hash("sha256", text, "hex").slice(0, 16);

export function stableHash(value: unknown): string {
  return digestOfText(canonicalJson(value));
}
