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

/** Applies the status; returns the object as the API server has it now. */
export async function applyStatus(
  client: KubeClient,
  resource: ResourceType,
  obj: KubeObject,
  status: Record<string, unknown>,
  fieldManager: string,
): Promise<KubeObject> {
  const { name, namespace } = obj.metadata;
  return client.apply<KubeObject>(
    resourcePath(resource, namespace, name, "status"),
    { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, status },
    fieldManager,
  );
}
