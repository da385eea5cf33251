// The sample fleet, moved into a test's own namespace.
import { readFile } from "node:fs/promises";
import { parseAllDocuments, stringify } from "yaml";
import { kubectl } from "../../hack/lib/cluster.ts";
import { sampleFleet } from "../../hack/lib/install.ts";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

export async function sampleAgents(namespace: string): Promise<Manifest[]> {
  const docs = parseAllDocuments(await readFile(sampleFleet, "utf8")).map((d) => d.toJS() as Manifest);
  return docs
    .filter((d) => d.kind === "AgentDeployment")
    .map((d) => ({ ...d, metadata: { ...d.metadata, namespace } }));
}

export async function applyObjects(objects: readonly unknown[]): Promise<string> {
  return kubectl(
    ["apply", "--server-side", "--field-manager=e2e", "-f", "-"],
    objects.map((o) => stringify(o)).join("---\n"),
  );
}

export async function createSecret(namespace: string, name: string, key: string): Promise<void> {
  await kubectl(["create", "secret", "generic", name, "-n", namespace, `--from-literal=${key}=e2e`]);
}
