// The CustomResourceDefinitions, built from the zod schemas: the single source of truth. crds/ holds
// their YAML (written by `npm run generate`, checked by a test).
import { agentDeploymentSpecSchema, agentDeploymentStatusSchema } from "./agentdeployment.ts";
import { dnsLabelPattern, serviceNamePattern } from "./common.ts";
import { gpuClassSpecSchema, gpuClassStatusSchema } from "./gpuclass.ts";
import { group, version } from "./group.ts";
import { type JSONSchema, toStructuralSchema } from "./openapi.ts";

interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date" | "boolean" | "number";
  jsonPath: string;
  description: string;
  priority?: number;
}

interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: JSONSchema;
  status: JSONSchema;
  columns: PrinterColumn[];
  /** The rule on metadata.name: what the name must be to name the objects made from it. */
  nameRule: { rule: string; message: string };
  /** Rules that read the name beside the spec, which the spec's own schema cannot see. */
  objectRules?: { rule: string; message: string; fieldPath: string; optionalOldSelf?: boolean }[];
  /** The scale subresource: `kubectl scale` and autoscalers read and set replicas through it. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

const nameIsDnsLabel = {
  rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches('${dnsLabelPattern}')`,
  message:
    "metadata.name must be a DNS label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
};

/** An agent's name is its Service's name, which Kubernetes wants an RFC 1035 label: it starts with a letter. */
const nameIsServiceName = {
  rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches('${serviceNamePattern}')`,
  message:
    "metadata.name must be a DNS label that starts with a letter (it names the agent's Service): at most 63 lowercase letters, digits and '-'",
};

function crd(def: CrdDefinition) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${group}`,
      labels: { "app.kubernetes.io/name": "agentfleet", "app.kubernetes.io/part-of": "agentfleet" },
    },
    spec: {
      group,
      scope: def.scope,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: def.categories,
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {}, ...(def.scale ? { scale: def.scale } : {}) },
          additionalPrinterColumns: def.columns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: def.description,
              required: ["spec"],
              "x-kubernetes-validations": [def.nameRule, ...(def.objectRules ?? [])],
              properties: {
                apiVersion: { type: "string", description: "The API version: agentfleet.io/v1alpha1." },
                kind: { type: "string", description: `The kind: ${def.kind}.` },
                // The API server owns metadata's schema and refuses a description here.
                metadata: { type: "object" },
                spec: def.spec,
                status: def.status,
              },
            },
          },
        },
      ],
    },
  };
}

export function gpuClassCrd() {
  return crd({
    kind: "GPUClass",
    nameRule: nameIsDnsLabel,
    plural: "gpuclasses",
    singular: "gpuclass",
    shortNames: ["gpuc"],
    categories: ["agents"],
    scope: "Cluster",
    description:
      "GPUClass names a GPU model, the nodes that carry it (by their NVIDIA GPU Feature Discovery labels), the device plugin's resource and how much VRAM agents may use on each card.",
    spec: toStructuralSchema(gpuClassSpecSchema),
    status: toStructuralSchema(gpuClassStatusSchema),
    columns: [
      { name: "VRAM", type: "integer", jsonPath: ".spec.vramMiB", description: "VRAM per GPU, in MiB." },
      { name: "Nodes", type: "integer", jsonPath: ".status.readyNodes", description: "Ready nodes of the class." },
      { name: "Free MiB", type: "integer", jsonPath: ".status.freeMiB", description: "VRAM not yet requested." },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Age." },
    ],
  });
}

export function agentDeploymentCrd() {
  return crd({
    kind: "AgentDeployment",
    nameRule: nameIsServiceName,
    objectRules: [
      {
        // Checked when the dependencies are written, not on every later write: an agent stored before
        // this rule must still take the operator's status (a rule on the object sees status writes).
        rule: [
          "!has(self.spec.dependencies) || !(self.metadata.name in self.spec.dependencies)",
          "(oldSelf.hasValue() && has(oldSelf.value().spec.dependencies) && oldSelf.value().spec.dependencies == self.spec.dependencies)",
        ].join(" || "),
        optionalOldSelf: true,
        message:
          "spec.dependencies names the agent itself: an agent cannot wait for itself to be Ready; remove its own name",
        fieldPath: ".spec.dependencies",
      },
    ],
    plural: "agentdeployments",
    singular: "agentdeployment",
    shortNames: ["agd", "agents"],
    categories: ["agents"],
    scope: "Namespaced",
    description:
      "AgentDeployment runs one AI agent: its image, ports, health check, configuration, secrets by reference, the GPU class and VRAM it needs with fallbacks, and the agents it depends on. The operator places it on a GPU, runs it, protects it with a PodDisruptionBudget and reports in its status.",
    spec: toStructuralSchema(agentDeploymentSpecSchema),
    status: toStructuralSchema(agentDeploymentStatusSchema),
    // As a Deployment: kubectl scale agd X --replicas=2, and a HorizontalPodAutoscaler on its pods.
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    },
    columns: [
      { name: "Class", type: "string", jsonPath: ".status.gpuClass", description: "The GPU class it runs on." },
      { name: "Node", type: "string", jsonPath: ".status.node", description: "The node it is placed on." },
      { name: "Ready", type: "string", jsonPath: ".status.ready", description: "Ready pods / pods." },
      { name: "VRAM", type: "integer", jsonPath: ".spec.gpu.vramMiB", description: "VRAM it needs, in MiB." },
      {
        name: "Status",
        type: "string",
        jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
        description: "Why it is or is not Ready.",
      },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Age." },
    ],
  });
}

export const allCrds = () => [agentDeploymentCrd(), gpuClassCrd()];
