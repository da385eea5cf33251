// Writing a primary object's status: server-side apply to /status, and only when it changed, so a
// steady fleet causes no writes.
import { sameJson } from "../lib/stable-json.ts";
import type { KubeObject } from "./objects.ts";
import { type ResourceType, resourcePath } from "./resources.ts";
import type { KubeClient } from "./rest.ts";

/** Whether a status would be written as it is: key order and undefined fields do not count. */
export function sameStatus(before: unknown, after: unknown): boolean {
  return sameJson(before, after);
}

/**
 * The API server's refusal of a status field its schema lacks: the CustomResourceDefinition in the
 * cluster is older than the operator (Helm installs a chart's CRDs once and never upgrades them).
 */
const fieldNotInSchema = /(\.status\.[\w.]+): field not declared in schema/;

/** Applies the status; returns the object as the API server has it now. */
export async function applyStatus(
  client: KubeClient,
  resource: ResourceType,
  obj: KubeObject,
  status: Record<string, unknown>,
  fieldManager: string,
): Promise<KubeObject> {
  const { name, namespace } = obj.metadata;
  return client
    .apply<KubeObject>(
      resourcePath(resource, namespace, name, "status"),
      { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, status },
      fieldManager,
    )
    .catch((err: unknown) => {
      throw outdatedSchema(resource, err) ?? err;
    });
}

/** A status refused for a field the schema lacks, said as what to do; undefined for any other error. */
export function outdatedSchema(resource: ResourceType, err: unknown): Error | undefined {
  const field = err instanceof Error ? fieldNotInSchema.exec(err.message)?.[1] : undefined;
  return field
    ? new Error(
        `the ${resource.plural}.${resource.group} CustomResourceDefinition in the cluster is older than this operator (its schema has no ${field}): apply the CRDs of this version before the operator (kubectl apply --server-side -f the chart's crds/; helm upgrade does not)`,
      )
    : undefined;
}
