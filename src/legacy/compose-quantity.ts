// A CPU or memory figure of a compose service, as compose reads it. Pure.
import { InputError } from "./model.ts";
import { substitute, toCpuQuantity, toMemoryQuantity } from "./values.ts";
import { child, scalar, type YNode } from "./yaml-source.ts";

const quantities = {
  cpu: { parse: toCpuQuantity, expected: "a number of CPUs, such as 1.5" },
  memory: { parse: toMemoryQuantity, expected: "a size such as 512m or 4g" },
};

/**
 * A CPU or memory figure (deploy.resources' cpus and memory, or the service's own cpus, mem_limit,
 * mem_reservation), its variables replaced by their defaults as compose would; a value compose
 * refuses too stops the import, at its line, rather than being lost.
 */
export function quantity(
  node: YNode | undefined,
  key: string,
  kind: keyof typeof quantities,
  path: string,
): string | undefined {
  const value = child(node, key);
  const raw = scalar(value);
  if (raw === undefined || value === undefined) return undefined;
  const { parse, expected } = quantities[kind];
  const parsed = parse(raw);
  if (parsed !== undefined) return parsed;
  const resolved = substitute(raw).value.trim();
  // Unset (a variable with no default) or 0: compose sets no limit, and neither does the manifest.
  if (resolved === "" || /^0*(\.0*)?$/.test(resolved)) return undefined;
  throw new InputError(
    `${path}.${key} is "${raw}"${resolved !== raw ? ` ("${resolved}" once its variables are replaced)` : ""}: compose takes ${expected}; fix or remove it`,
    value.loc,
  );
}
