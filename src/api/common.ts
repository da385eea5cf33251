// Building blocks shared by the AgentFleet kinds. Every field carries a description: the CRDs are
// generated from these schemas, and `kubectl explain` shows the descriptions to users.
import { z } from "zod";

/** RFC 1123 DNS label, as Kubernetes names Services and most objects. */
export const dnsLabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

export const dnsLabel = (description: string) =>
  z.string().min(1).max(63).regex(new RegExp(dnsLabelPattern)).describe(description);

/** IANA service name, as Kubernetes names container ports (lowercase, at most 15 characters). */
export const portName = (description: string) =>
  z
    .string()
    .min(1)
    .max(15)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .describe(description);

/** resource.Quantity's syntax, as controller-gen writes it into CRDs. */
const quantityPattern =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** A Kubernetes resource quantity ("500m", "2Gi", or a bare number). */
export const quantity = (description: string) =>
  z
    .union([z.string().regex(quantityPattern), z.number().nonnegative()])
    .meta({ "x-kubernetes-int-or-string": true })
    .describe(description);

export const resourceList = (description: string) =>
  z
    .object({
      cpu: quantity("CPU, in cores or millicores (500m).").optional(),
      memory: quantity("Memory, in bytes with a suffix (2Gi, 512Mi).").optional(),
      "ephemeral-storage": quantity("Local scratch space (10Gi).").optional(),
    })
    .strict()
    .describe(description);

export const labelMap = (description: string) => z.record(z.string(), z.string()).describe(description);

export const conditionSchema = z
  .object({
    type: z.string().min(1).max(316).describe("Type of the condition, in CamelCase: Ready, Placed, DependenciesReady…"),
    status: z.enum(["True", "False", "Unknown"]).describe("Status of the condition: True, False or Unknown."),
    observedGeneration: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("The .metadata.generation of the object that this condition was set from."),
    lastTransitionTime: z.string().describe("When the condition last changed status (RFC 3339)."),
    reason: z.string().min(1).max(1024).describe("One CamelCase word for the cause, for programs to match on."),
    message: z.string().max(32768).describe("What happened, with the numbers, in words a person can act on."),
  })
  .describe("The state of one aspect of the object, as in metav1.Condition.");

export type Condition = z.infer<typeof conditionSchema>;

export const conditionList = z
  .array(conditionSchema)
  .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
  .describe("The latest observations of the object's state, one per condition type.");

/** The metadata fields the operator reads; the API server validates metadata itself. */
export const objectMetaSchema = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    generation: z.number().optional(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    deletionTimestamp: z.string().optional(),
  })
  .loose();
