// Where the audit's snapshot comes from: the live cluster (read only: it makes GET requests and
// nothing else), or AgentDeployment and GPUClass manifests with a node inventory. The only place the
// audit touches files or the network.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { V1Deployment } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { type AgentDeployment, agentDeploymentSpecSchema } from "../api/agentdeployment.ts";
import { type GPUClass, gpuClassSpecSchema } from "../api/gpuclass.ts";
import { managedBySelector } from "../api/labels.ts";
import { homeLabClasses, homeLabNodes } from "../audit/home-lab.ts";
import type { ClaimOnNode, FleetSnapshot } from "../audit/snapshot.ts";
import type { ClusterConnection } from "../controller/connection.ts";
import { type KubeObject, objectKey } from "../controller/objects.ts";
import { core, resource, resourcePath } from "../controller/resources.ts";
import { ApiError, KubeClient } from "../controller/rest.ts";
import type { Supply } from "../placement/plan.ts";
import type { NodeObject } from "../reconcilers/fleet-caches.ts";
import { agentDeploymentResource, gpuClassResource } from "../reconcilers/kinds.ts";
import { lastPlacement, supplyOf } from "../reconcilers/planner.ts";
import { readTextFile, UnreadableFileError } from "./read-text-file.ts";

/** The Lease the chart's operator replicas elect a leader with (values.yaml: leaderElection.leaseName). */
const operatorLease = "agentfleet-operator";

/** The audit could not run: the message says why and what to do. */
export class AuditInputError extends Error {}

const readText = (file: string) =>
  readTextFile(file).catch((err: unknown) => {
    throw err instanceof UnreadableFileError ? new AuditInputError(err.message) : err;
  });

interface List<T> {
  items: T[];
}

const runtimeClasses = resource("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false);
const pvcs = resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true);
const pvs = resource("", "v1", "PersistentVolume", "persistentvolumes", false);
const namespaces = resource("", "v1", "Namespace", "namespaces", false);
const secrets = resource("", "v1", "Secret", "secrets", true);
const serviceMonitors = resource("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors", true);
const prometheusRules = resource("monitoring.coreos.com", "v1", "PrometheusRule", "prometheusrules", true);

/** An agent with its spec read as the API server defaults it; undefined when the spec is not valid. */
function typedAgent(obj: AgentDeployment): AgentDeployment | undefined {
  const spec = agentDeploymentSpecSchema.safeParse(obj.spec);
  return spec.success ? { ...obj, spec: spec.data } : undefined;
}

const typedClass = (obj: GPUClass): GPUClass => ({ ...obj, spec: gpuClassSpecSchema.parse(obj.spec) });

/** A GET, tried again a few times when the API server is busy or still starting (429, 5xx). */
async function read<T>(
  client: KubeClient,
  p: string,
  opts: { accept?: string; labelSelector?: string } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request<T>("GET", p, {
        ...(opts.accept ? { accept: opts.accept } : {}),
        ...(opts.labelSelector ? { query: { labelSelector: opts.labelSelector } } : {}),
      });
    } catch (err) {
      const transient = err instanceof ApiError && (err.status === 429 || err.status >= 500);
      if (!transient || attempt >= 4) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** A list, or undefined when this user may not list it or the API does not serve it (a CRD not installed). */
async function listOrUndefined<T>(client: KubeClient, p: string, accept?: string): Promise<T[] | undefined> {
  try {
    return (await read<List<T>>(client, p, accept ? { accept } : {})).items;
  } catch (err) {
    if (err instanceof ApiError && [403, 404].includes(err.status)) return undefined;
    throw err;
  }
}

interface PersistentVolume {
  metadata: { name: string };
  spec?: {
    nodeAffinity?: {
      required?: {
        nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
      };
    };
  };
}

/** The node a volume is pinned to by its node affinity (local-path and local volumes are). */
function pinnedNode(pv: PersistentVolume): string | undefined {
  for (const term of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const r of term.matchExpressions ?? []) {
      if (r.key === "kubernetes.io/hostname" && r.operator === "In" && r.values?.length === 1) return r.values[0];
    }
  }
  return undefined;
}

export async function nodesOfCluster(client: KubeClient): Promise<Supply[]> {
  return (await read<List<NodeObject>>(client, resourcePath(core.node))).items.map(supplyOf);
}

export async function clusterSnapshot(connection: ClusterConnection): Promise<FleetSnapshot> {
  const client = new KubeClient(connection);
  try {
    const server = connection.server;
    const rawAgents = (await read<List<AgentDeployment>>(client, resourcePath(agentDeploymentResource))).items;
    const agents = rawAgents.flatMap((a) => typedAgent(a) ?? []);
    const classes = (await read<List<GPUClass>>(client, resourcePath(gpuClassResource))).items.map(typedClass);
    const nodes = await nodesOfCluster(client);
    const deployments = (
      await read<List<V1Deployment & KubeObject>>(client, resourcePath(core.deployment), {
        labelSelector: managedBySelector,
      })
    ).items;
    // Where each GPU agent runs now, as the operator reads it back: incumbents keep their node.
    const current = new Map<string, { gpuClass: string; node: string }>();
    for (const d of deployments) {
      const placed = lastPlacement(d).current;
      if (placed) current.set(objectKey(d.metadata), placed);
    }
    const agentNamespaces = new Set(agents.map((a) => a.metadata.namespace ?? "default"));
    const volumes = (await listOrUndefined<PersistentVolume>(client, resourcePath(pvs))) ?? [];
    const volumeNode = new Map(volumes.map((v) => [v.metadata.name, pinnedNode(v)]));
    const claims: ClaimOnNode[] = (
      (await listOrUndefined<{ metadata: { name: string; namespace: string }; spec?: { volumeName?: string } }>(
        client,
        resourcePath(pvcs),
      )) ?? []
    )
      .filter((c) => agentNamespaces.has(c.metadata.namespace))
      .map((c) => {
        const node = c.spec?.volumeName ? volumeNode.get(c.spec.volumeName) : undefined;
        return { namespace: c.metadata.namespace, name: c.metadata.name, ...(node ? { node } : {}) };
      });
    // Names only: a metadata-only list never carries a Secret's data.
    const secretList = await listOrUndefined<{ metadata: { name: string; namespace: string } }>(
      client,
      resourcePath(secrets),
      "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
    );
    const namespaceList =
      (await listOrUndefined<{ metadata: { name: string; labels?: Record<string, string> } }>(
        client,
        resourcePath(namespaces),
      )) ?? [];
    const leases =
      (await listOrUndefined<{ metadata: { name: string }; spec?: { holderIdentity?: string } }>(
        client,
        resourcePath(core.lease),
      )) ?? [];
    const leader = leases.find((l) => l.metadata.name === operatorLease && l.spec?.holderIdentity)?.spec
      ?.holderIdentity;
    const monitors = await listOrUndefined<{ metadata: { name: string } }>(client, resourcePath(serviceMonitors));
    const rules = await listOrUndefined<{ metadata: { name: string } }>(client, resourcePath(prometheusRules));
    return {
      source: `the cluster at ${server}`,
      agents,
      classes,
      nodes,
      current,
      cluster: {
        runtimeClasses: new Set(
          ((await listOrUndefined<{ metadata: { name: string } }>(client, resourcePath(runtimeClasses))) ?? []).map(
            (r) => r.metadata.name,
          ),
        ),
        secrets: secretList ? new Set(secretList.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)) : undefined,
        namespaces: new Map(namespaceList.map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
        claims,
        operator: {
          agents: rawAgents.length,
          observedAgents: rawAgents.filter(
            (a) => a.status?.observedGeneration !== undefined && a.status.observedGeneration === a.metadata.generation,
          ).length,
          ...(leader ? { leader } : {}),
        },
        serviceMonitor: (monitors ?? []).some((m) => m.metadata.name.includes("agentfleet")),
        prometheusRule: (rules ?? []).some((r) => r.metadata.name.includes("agentfleet")),
      },
    };
  } finally {
    await client.close();
  }
}

async function yamlFiles(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  // One file of manifests, as kubectl apply -f takes one.
  if (info?.isFile()) return [dir];
  if (!info?.isDirectory()) throw new AuditInputError(`${dir}: no such file or directory of manifests`);
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(full)));
    // As kubectl apply -f reads a directory: YAML and JSON.
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

/**
 * A file's YAML documents as plain values, each with the line it starts on; the first document that
 * does not parse, or one whose aliases run away (the YAML library refuses an alias bomb), is the
 * audit's input error, at its file and line.
 */
function yamlDocuments(file: string, text: string): { value: unknown; line: number }[] {
  return parseAllDocuments(text).map((doc) => {
    const line = text.slice(0, doc.range[0]).split("\n").length;
    const [error] = doc.errors;
    if (error) {
      const at = error.linePos?.[0];
      const message = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "");
      throw new AuditInputError(`${file}:${at ? `${at.line}:${at.col}` : "?"}: invalid YAML: ${message}`);
    }
    try {
      return { value: doc.toJS(), line };
    } catch (err) {
      throw new AuditInputError(
        `${file}:${line}: ${err instanceof Error ? err.message : String(err)}: its aliases (*name) expand past what a manifest holds; write the repeated parts out`,
      );
    }
  });
}

/** AgentDeployments and GPUClasses of a directory of manifests; anything else is passed over. */
export async function readManifests(dir: string): Promise<{ agents: AgentDeployment[]; classes: GPUClass[] }> {
  const agents: AgentDeployment[] = [];
  const classes: GPUClass[] = [];
  for (const file of await yamlFiles(dir)) {
    const text = await readText(file);
    for (const doc of yamlDocuments(file, text)) {
      const obj = doc.value as Manifest | null;
      if (obj?.kind !== "AgentDeployment" && obj?.kind !== "GPUClass") continue;
      const where = `${file}:${doc.line}`;
      const schema = obj.kind === "AgentDeployment" ? agentDeploymentSpecSchema : gpuClassSpecSchema;
      const spec = schema.safeParse(obj.spec);
      if (!spec.success) {
        const issue = spec.error.issues[0];
        throw new AuditInputError(
          `${where}: ${obj.kind} ${obj.metadata?.name ?? "(no name)"}: spec.${issue?.path.join(".")}: ${issue?.message}; fix the manifest (kubectl apply --dry-run=server says the same)`,
        );
      }
      const metadata = {
        name: obj.metadata?.name ?? "",
        ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
      };
      if (obj.kind === "AgentDeployment") {
        agents.push({
          apiVersion: "agentfleet.io/v1alpha1",
          kind: "AgentDeployment",
          metadata: { ...metadata, namespace: metadata.namespace ?? "default" },
          spec: spec.data as AgentDeployment["spec"],
        });
      } else {
        classes.push({
          apiVersion: "agentfleet.io/v1alpha1",
          kind: "GPUClass",
          metadata,
          spec: spec.data as GPUClass["spec"],
        });
      }
    }
  }
  return { agents, classes };
}

interface InventoryNode {
  name?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  labels?: Record<string, string>;
  allocatable?: Record<string, string>;
  status?: { allocatable?: Record<string, string> };
  ready?: boolean;
}

/**
 * A node inventory: `nodes: [{name, labels, allocatable}]`, or what `kubectl get nodes -o yaml`
 * prints (a List of Nodes), or Node documents.
 */
export async function readNodeInventory(file: string): Promise<Supply[]> {
  const text = await readText(file);
  const docs = yamlDocuments(file, text).map((d) => d.value as Record<string, unknown> | null);
  const entries: InventoryNode[] = docs.flatMap((d) => {
    if (!d) return [];
    if (Array.isArray(d.nodes)) return d.nodes as InventoryNode[];
    if (Array.isArray(d.items)) return d.items as InventoryNode[];
    if (d.kind === "Node") return [d as InventoryNode];
    return [];
  });
  if (entries.length === 0) {
    throw new AuditInputError(
      `${file}: no nodes; write "nodes: [{name, labels, allocatable}]" or the output of kubectl get nodes -o yaml`,
    );
  }
  return entries.map((n, i) => {
    const name = n.name ?? n.metadata?.name;
    if (!name) throw new AuditInputError(`${file}: node ${i + 1} has no name`);
    return {
      name,
      labels: n.labels ?? n.metadata?.labels ?? {},
      ready: n.ready ?? true,
      schedulable: true,
      allocatable: n.allocatable ?? n.status?.allocatable ?? {},
    };
  });
}

export const homeLab = { nodes: homeLabNodes, classes: homeLabClasses };
