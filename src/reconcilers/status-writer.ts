// Writing a primary object's status: server-side apply to /status, and only when it changed, so a
// steady fleet causes no writes.
import { apiVersion, fieldManager } from "../api/group.ts";
import type { KubeObject } from "../controller/objects.ts";
import { type ResourceType, resourcePath } from "../controller/resources.ts";
import type { KubeClient } from "../controller/rest.ts";
import { canonical } from "../render/hash.ts";

export function sameStatus(before: unknown, after: unknown): boolean {
  return JSON.stringify(canonical(before)) === JSON.stringify(canonical(after));
}

export async function applyStatus(
  client: KubeClient,
  resource: ResourceType,
  obj: KubeObject,
  status: Record<string, unknown>,
): Promise<void> {
  const { name, namespace } = obj.metadata;
  await client.apply(
    resourcePath(resource, namespace, name, "status"),
    { apiVersion, kind: obj.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, status },
    fieldManager,
  );
}
