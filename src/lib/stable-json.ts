// A short, stable digest of JSON data: key order does not matter, any value change does.
import { createHash } from "node:crypto";

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

/** The canonical JSON text of a value; "" for undefined. */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value)) ?? "";

export function stableHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}
