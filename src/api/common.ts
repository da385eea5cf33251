// Building blocks shared by the AgentFleet kinds. Every field carries a description: the CRDs are
// generated from these schemas, and `kubectl explain` shows the descriptions to users.
import { z } from "zod";

/** RFC 1123 DNS label, as Kubernetes names Services and most objects. */
export const dnsLabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

export const dnsLabel = (description: string) =>
  z.string().min(1).max(63).regex(new RegExp(dnsLabelPattern)).describe(description);

/** RFC 1035 label, as Kubernetes names Services: a DNS label that starts with a letter. */
export const serviceNamePattern = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

/**
 * IANA service name, as Kubernetes names container and Service ports: at most 15 lowercase letters,
 * digits and '-', at least one letter, no '-' at either end and no '--'. A name Kubernetes would
 * refuse on the Service (`0`, `a--b`) is refused here, at admission, not later on the child.
 */
export const portName = (description: string) =>
  z
    .string()
    .min(1)
    .max(15)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .refine((s) => /[a-z]/.test(s) && !s.includes("--"), "a port name needs at least one letter, and no '--'")
    .meta({
      "x-kubernetes-validations": [
        {
          rule: "self.matches('[a-z]') && !self.contains('--')",
          message: "a port name (an IANA service name) needs at least one letter, and no '--'",
        },
      ],
    })
    .describe(description);

/** A ConfigMap or Secret key, as Kubernetes accepts one. */
export const dataKeyPattern = "^[-._a-zA-Z0-9]+$";

/** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
const qualifiedNamePattern =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
const labelValuePattern = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
const qualifiedName = new RegExp(qualifiedNamePattern);
const qualifiedKeys = (obj: Record<string, string>) =>
  Object.keys(obj).every((k) => k.length <= 317 && qualifiedName.test(k));
const keysAreQualifiedNames = {
  // In a CEL string literal a backslash is escaped again.
  rule: `self.all(k, k.size() <= 317 && k.matches('${qualifiedNamePattern.replaceAll("\\", "\\\\")}'))`,
  message:
    "keys must be qualified names: an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
};

/**
 * resource.Quantity's syntax, as controller-gen writes it into CRDs, without its leading minus: a
 * pod may not ask for less than nothing, and its Deployment would be refused.
 */
const quantityPattern =
  /^(\+)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** A Kubernetes resource quantity ("500m", "2Gi", or a bare number), never negative. */
export const quantity = (description: string) =>
  z
    // Bounded, so that CEL rules comparing quantities stay within the API server's cost budget.
    .union([z.string().max(64).regex(quantityPattern), z.number().int().nonnegative()])
    .meta({
      "x-kubernetes-int-or-string": true,
      // The integer's bound, which the int-or-string schema has no place for.
      "x-kubernetes-validations": [{ rule: "type(self) == string || self >= 0", message: "must not be negative" }],
    })
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

/** Labels, as Kubernetes validates them on the objects they end up on: qualified-name keys, short values. */
export const labelMap = (description: string) =>
  z
    .record(
      z.string(),
      z
        .string()
        .max(63)
        .regex(new RegExp(labelValuePattern))
        .describe(
          "A label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
        ),
    )
    .refine(qualifiedKeys, keysAreQualifiedNames.message)
    .meta({ maxProperties: 64, "x-kubernetes-validations": [keysAreQualifiedNames] })
    .describe(description);

/** Annotations: qualified-name keys, any value. */
export const annotationMap = (description: string) =>
  z
    .record(z.string(), z.string().max(65536).describe("An annotation value."))
    .refine(qualifiedKeys, keysAreQualifiedNames.message)
    .meta({ maxProperties: 64, "x-kubernetes-validations": [keysAreQualifiedNames] })
    .describe(description);

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
