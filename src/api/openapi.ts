// zod → a structural OpenAPI v3 schema, as a CustomResourceDefinition requires.
//
// zod 4's toJSONSchema is close but not structural: it emits $schema, additionalProperties beside
// properties, bare anyOf for unions, `{}` for unknown values and the safe-integer bounds of every
// int. This pass rewrites those shapes; the real API server is the judge (a test applies the CRDs).
import { z } from "zod";

export type JSONSchema = { [key: string]: unknown };

const isObject = (v: unknown): v is JSONSchema => typeof v === "object" && v !== null && !Array.isArray(v);

function structural(node: JSONSchema): JSONSchema {
  const out: JSONSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "id") continue;
    out[key] = value;
  }
  if (out["x-kubernetes-int-or-string"] === true) {
    // A quantity: integer or string. The API server allows only this exact anyOf; the string's pattern
    // goes beside it, as controller-gen writes resource.Quantity (a pattern applies to strings only).
    // So do the string's length bound and the rules on the value.
    const branches = Array.isArray(out.anyOf) ? (out.anyOf as JSONSchema[]) : [];
    const { pattern, maxLength } = branches.find((b) => b.type === "string") ?? {};
    const rules = out["x-kubernetes-validations"];
    return {
      ...(out.description === undefined ? {} : { description: out.description }),
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
      ...(pattern === undefined ? {} : { pattern }),
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(rules === undefined ? {} : { "x-kubernetes-validations": rules }),
    };
  }
  if (out.type === "integer" || out.type === "number") {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, structural(v as JSONSchema)]),
    );
    delete out.additionalProperties;
  } else if (out.type === "object" && isObject(out.additionalProperties)) {
    const values = out.additionalProperties;
    if (Object.keys(values).length === 0) {
      // A record of unknown values: free-form, kept as given.
      delete out.additionalProperties;
      out["x-kubernetes-preserve-unknown-fields"] = true;
    } else {
      out.additionalProperties = structural(values);
    }
  }
  if (isObject(out.items)) out.items = structural(out.items);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return out;
}

/** The CRD schema of one zod schema: structural, every field described, defaults kept. */
export function toStructuralSchema(schema: z.ZodType): JSONSchema {
  const raw = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", reused: "inline", unrepresentable: "any" });
  return structural(raw as JSONSchema);
}

/** Paths of nodes that have no description: every field must teach `kubectl explain`. */
export function undescribedPaths(schema: JSONSchema, at = ""): string[] {
  const missing: string[] = [];
  if (isObject(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) {
      if (at === "" && k === "metadata") continue; // described by the API server itself
      const child = v as JSONSchema;
      if (typeof child.description !== "string" || child.description === "") missing.push(`${at}.${k}`);
      missing.push(...undescribedPaths(child, `${at}.${k}`));
    }
  }
  if (isObject(schema.items)) missing.push(...undescribedPaths(schema.items, `${at}[]`));
  if (isObject(schema.additionalProperties)) missing.push(...undescribedPaths(schema.additionalProperties, `${at}{}`));
  return missing;
}
