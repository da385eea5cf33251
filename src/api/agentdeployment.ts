// AgentDeployment: one agent of the fleet. Namespaced; short name `agd`; category `agents`.
import { z } from "zod";
import {
  annotationMap,
  conditionList,
  dataKeyPattern,
  dnsLabel,
  dnsLabelPattern,
  labelMap,
  objectMetaSchema,
  portName,
  resourceList,
} from "./common.ts";

export const agentPortSchema = z
  .object({
    name: portName("The port's name, used by healthCheck.port and as the Service port's name (at most 15 characters)."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .describe("The port the agent listens on, in the container and on its Service."),
    protocol: z.enum(["TCP", "UDP"]).default("TCP").describe("TCP or UDP."),
  })
  .strict()
  .describe("A port the agent listens on.");

/** The bounds and defaults of a health check's timing: the schema's, and what the importer keeps within. */
export const healthCheckTiming = {
  periodSeconds: { min: 1, max: 300, default: 10 },
  timeoutSeconds: { min: 1, max: 300, default: 5 },
  failureThreshold: { min: 1, max: 100, default: 3 },
  startupSeconds: { min: 1, max: 3600, default: 600 },
} as const;

const timingField = (field: keyof typeof healthCheckTiming) => {
  const { min, max, default: fallback } = healthCheckTiming[field];
  return z.number().int().min(min).max(max).default(fallback);
};

export const healthCheckSchema = z
  .object({
    port: portName("The name of the declared port to probe."),
    path: z
      .string()
      .regex(/^\//)
      .optional()
      .describe("HTTP GET path to probe (/health); leave empty and set tcp for a TCP check."),
    tcp: z.boolean().optional().describe("Probe by opening a TCP connection instead of an HTTP GET."),
    periodSeconds: timingField("periodSeconds").describe("How often to probe."),
    timeoutSeconds: timingField("timeoutSeconds").describe(
      "How long one probe may take before it counts as a failure: longer for an agent whose health answer waits behind its work.",
    ),
    failureThreshold: timingField("failureThreshold").describe(
      "Consecutive failures before the agent is marked unready (and, for liveness, restarted).",
    ),
    startupSeconds: timingField("startupSeconds").describe(
      "How long the agent may take to start (loading a model) before liveness checks begin.",
    ),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "has(self.path) != (has(self.tcp) && self.tcp)",
        message: "set either path (an HTTP GET check) or tcp: true (a TCP check), not both and not neither",
      },
    ],
  })
  .describe("How to tell that the agent is healthy: readiness, liveness and startup probes are built from it.");

// Bounded, so that the CEL rule comparing env with secretEnv stays within the API server's cost budget.
const envVarName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/)
  .describe("The variable's name.");

export const envVarSchema = z
  .object({
    name: envVarName,
    value: z.string().describe("The variable's value. Never put a secret here: use secretEnv."),
  })
  .strict()
  .describe("An environment variable with a literal value.");

export const secretEnvVarSchema = z
  .object({
    name: envVarName,
    secretName: dnsLabel("The Secret, in the agent's namespace, that holds the value."),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(new RegExp(dataKeyPattern))
      .describe("The key of the value in the Secret: letters, digits, '-', '_' and '.'."),
    optional: z.boolean().optional().describe("Start the agent even when the Secret or key is missing."),
  })
  .strict()
  .describe("An environment variable taken from a Secret by reference; the value never appears in the agent.");

/**
 * A file a Secret volume's key becomes: one name under the mount, never "." or "..", so nothing lands
 * out of it. RE2, as the API server checks patterns, has no lookahead.
 */
export const secretFileNamePattern = /^(\.?[-_a-zA-Z0-9][-._a-zA-Z0-9]*|\.\.[-._a-zA-Z0-9]+)$/;

export const volumeSchema = z
  .object({
    // The pod's volume is named vol-<name>, itself a DNS label of at most 63 characters.
    name: dnsLabel("The volume's name (at most 59 characters).").max(59),
    // Bounded (as Linux bounds a path), so that the CEL rules comparing mount paths stay within the
    // API server's cost budget.
    mountPath: z
      .string()
      .max(4096)
      .regex(/^\//)
      .describe(
        "Where the volume appears in the agent's container: one volume per path. A volume at /tmp takes the place of the scratch space the agent is otherwise given there.",
      ),
    readOnly: z.boolean().optional().describe("Mount read-only (model files usually are)."),
    subPath: z
      .string()
      .max(253)
      .regex(secretFileNamePattern)
      .optional()
      .describe(
        "Mount only this entry of the volume (one file or directory name), at mountPath itself: a Secret's one key as one file, beside what the image keeps in that directory.",
      ),
    hostPath: z
      .object({ path: z.string().regex(/^\//).describe("The directory on the node.") })
      .strict()
      .optional()
      .describe("A directory of the node, such as a shared model cache. Ties the agent to nodes that have it."),
    persistentVolumeClaim: z
      .object({ claimName: dnsLabel("The PersistentVolumeClaim in the agent's namespace.") })
      .strict()
      .optional()
      .describe("A PersistentVolumeClaim."),
    emptyDir: z
      .object({
        sizeLimit: z.string().optional().describe("Largest size, as a quantity (10Gi)."),
        medium: z
          .enum(["Memory"])
          .optional()
          .describe(
            "Memory: a tmpfs in RAM, counted in the container's memory. At /dev/shm it is the shared memory PyTorch's DataLoader workers, NCCL and shared-memory IPC need: a pod's own is 64 MiB.",
          ),
      })
      .strict()
      .optional()
      .describe("Scratch space that lives as long as the pod."),
    secret: z
      .object({
        secretName: dnsLabel("The Secret, in the agent's namespace, whose keys become files."),
        items: z
          .array(
            z
              .object({
                key: z.string().min(1).max(253).regex(new RegExp(dataKeyPattern)).describe("The Secret's key."),
                path: z
                  .string()
                  .min(1)
                  .max(253)
                  .regex(secretFileNamePattern)
                  .describe("The file's name under mountPath, without '/': openai_api_key."),
              })
              .strict(),
          )
          .min(1)
          .max(32)
          .optional()
          .describe("Which keys, as which files; without it, every key is a file of its name."),
        optional: z.boolean().optional().describe("Start the agent even when the Secret or a key is missing."),
      })
      .strict()
      .optional()
      .describe(
        "A Secret's keys as files, always read-only (what compose's secrets: gave under /run/secrets). The values never appear in the agent.",
      ),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "[has(self.hostPath), has(self.persistentVolumeClaim), has(self.emptyDir), has(self.secret)].filter(x, x).size() == 1",
        message: "set exactly one of hostPath, persistentVolumeClaim, emptyDir or secret",
      },
    ],
  })
  .describe("A volume mounted into the agent, for model files and caches.");

export const gpuOverrideSchema = z
  .object({
    class: dnsLabel("The fallback GPU class this override applies to."),
    vramMiB: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "The VRAM the agent needs on that class: a smaller model's, or its share of that card when it takes a share of whatever card it runs on.",
      ),
    env: z.array(envVarSchema).optional().describe("Extra environment for that class, such as a smaller model's name."),
  })
  .strict()
  .describe("What changes when the agent runs on a fallback class.");

export const gpuRequestSchema = z
  .object({
    class: dnsLabel("The GPUClass the agent runs on."),
    vramMiB: z.number().int().min(1).describe("The VRAM the agent needs, in MiB, counted against the card's ledger."),
    fallbackClasses: z
      .array(dnsLabel("A GPUClass."))
      .max(8)
      .optional()
      .meta({ "x-kubernetes-list-type": "set" })
      .describe("Classes to run on, in order, when the class has no Ready node or no room."),
    failback: z
      .boolean()
      .default(true)
      .describe("Move back to the class when it is Ready and has room again, one agent at a time."),
    overrides: z
      .array(gpuOverrideSchema)
      .max(8)
      .optional()
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["class"] })
      .describe("Per fallback class changes: the VRAM need there, other environment."),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "!has(self.fallbackClasses) || !(self.class in self.fallbackClasses)",
        message: "fallbackClasses must not contain the agent's own class",
        fieldPath: ".fallbackClasses",
      },
      {
        // An override of another class would be kept and never used: the agent runs on no class but
        // its own and its fallbacks.
        rule: "!has(self.overrides) || self.overrides.all(o, has(self.fallbackClasses) && o.class in self.fallbackClasses)",
        message: "each override must name one of fallbackClasses: the agent never runs on another class",
        fieldPath: ".overrides",
      },
    ],
  })
  .describe("The GPU the agent needs. Without it, the agent runs on CPU and sees no GPU.");

const labelSelectorRequirementSchema = z
  .object({
    key: z.string().min(1).max(317).describe("The label's key."),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]).describe("How the label is compared to values."),
    values: z
      .array(z.string().max(63))
      .max(64)
      .optional()
      .describe("The values, for In and NotIn; empty for Exists and DoesNotExist."),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.operator in ['Exists', 'DoesNotExist'] ? !has(self.values) || size(self.values) == 0 : has(self.values) && size(self.values) > 0",
        message: "values must be empty for Exists and DoesNotExist, and non-empty for In and NotIn",
      },
    ],
  })
  .describe("A requirement on a label, as in a Kubernetes label selector.");

export const labelSelectorSchema = z
  .object({
    matchLabels: labelMap("Labels that must all be present with these values.").optional(),
    matchExpressions: z
      .array(labelSelectorRequirementSchema)
      .max(16)
      .optional()
      .describe("Requirements that must all hold."),
  })
  .strict()
  .describe("A Kubernetes label selector; an empty one selects everything.");

export const networkPeerSchema = z
  .object({
    namespaceSelector: labelSelectorSchema
      .optional()
      .describe(
        "Namespaces whose pods may connect (kubernetes.io/metadata.name: monitoring); this namespace when empty.",
      ),
    podSelector: labelSelectorSchema
      .optional()
      .describe("Pods that may connect, in those namespaces; every pod of them when empty."),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "has(self.namespaceSelector) || has(self.podSelector)",
        message: "set namespaceSelector, podSelector or both",
      },
    ],
  })
  .describe("Who else may connect to the agent's ports, as a NetworkPolicy peer.");

export const networkSchema = z
  .object({
    isolation: z
      .enum(["Dependents", "None"])
      .default("Dependents")
      .describe(
        "Dependents: only the agents that list this one in their dependencies (and allowFrom) may connect to its ports. None: no NetworkPolicy; anything may connect.",
      ),
    allowFrom: z
      .array(networkPeerSchema)
      .max(16)
      .optional()
      .describe("Others that may connect besides the dependents: a UI, Prometheus, an ingress controller."),
  })
  .strict()
  .describe("Who may connect to the agent. Without it, only its dependents may.");

/**
 * A request above its limit makes a pod the API server refuses (must be less than or equal to the
 * limit): refused here instead, naming the agent's field, not its Deployment's.
 */
const requestsWithinLimits = (["cpu", "memory", "ephemeral-storage"] as const).map((resource) => {
  // CEL spells a property's '-' as __dash__; an int-or-string quantity is read through string().
  const field = resource.replace(/-/g, "__dash__");
  const [request, limit] = [`self.requests.${field}`, `self.limits.${field}`].map((q) => `string(${q})`);
  return {
    rule: `!has(self.requests) || !has(self.limits) || !has(self.requests.${field}) || !has(self.limits.${field}) || !isQuantity(${request}) || !isQuantity(${limit}) || quantity(${request}).compareTo(quantity(${limit})) <= 0`,
    message: `requests.${resource} is more than limits.${resource}: a pod may not ask for more than it may use`,
    fieldPath: `.requests${resource.includes("-") ? `['${resource}']` : `.${resource}`}`,
  };
});

/** The longest an agent may take to stop: a drain of a PC waits for it. */
export const maxTerminationGracePeriodSeconds = 3600;

/** An absolute path whose every part is letters, digits, '-', '_' and '.': where a config file can be. */
export const configMountPathPattern = /^(\/[-._a-zA-Z0-9]+)+$/;

export const agentDeploymentSpecSchema = z
  .object({
    image: z.string().min(1).describe("The container image, with a tag or digest (cascade/stt-service:1.4.2)."),
    imagePullPolicy: z
      .enum(["Always", "IfNotPresent", "Never"])
      .optional()
      .describe("When to pull the image; Kubernetes' default when empty."),
    command: z.array(z.string()).optional().describe("The entrypoint (python -m …); the image's when empty."),
    args: z.array(z.string()).optional().describe("Arguments to the entrypoint."),
    workingDir: z.string().optional().describe("The working directory of the agent's process."),
    replicas: z.number().int().min(0).max(100).default(1).describe("How many pods run the agent."),
    ports: z
      .array(agentPortSchema)
      .max(32)
      .optional()
      .meta({
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-validations": [
          {
            // One number may be both TCP and UDP (SIP on 5060, DNS on 53), as on a Service.
            rule: "self.all(p, self.filter(q, q.port == p.port && q.protocol == p.protocol).size() == 1)",
            message: "a port number is listed twice for one protocol: list each port and protocol once",
          },
        ],
      })
      .describe(
        "The ports the agent listens on, each number once per protocol. Each becomes a named port of its Service.",
      ),
    healthCheck: healthCheckSchema.optional(),
    env: z
      .array(envVarSchema)
      .max(128)
      .optional()
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] })
      .describe("Environment variables with literal values."),
    secretEnv: z
      .array(secretEnvVarSchema)
      .max(64)
      .optional()
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] })
      .describe("Environment variables taken from Secrets by reference."),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "Free-form configuration of the agent. It becomes a ConfigMap mounted as a YAML file (JSON when configMountPath ends in .json); a change rolls the pods.",
      ),
    configMountPath: z
      .string()
      .max(4096)
      .regex(configMountPathPattern)
      .default("/etc/agentfleet/config.yaml")
      .describe(
        "Where the config file appears in the container: an absolute path whose last part (the file's name) is letters, digits, '-', '_' and '.'. Only that file is mounted; the rest of its directory stays as the image has it.",
      ),
    resources: z
      .object({
        requests: resourceList("What the agent is guaranteed.").optional(),
        limits: resourceList("The most the agent may use.").optional(),
      })
      .strict()
      .optional()
      .meta({ "x-kubernetes-validations": requestsWithinLimits })
      .describe("CPU and memory; GPU is set by gpu, never here."),
    gpu: gpuRequestSchema.optional(),
    dependencies: z
      .array(dnsLabel("The name of another AgentDeployment in the same namespace."))
      .max(64)
      .optional()
      .meta({ "x-kubernetes-list-type": "set" })
      .describe(
        "Agents, in the same namespace, that this one needs: it starts once they are Ready (see startPolicy), reaches them by name, and only they and allowFrom may connect to it.",
      ),
    startPolicy: z
      .enum(["AfterDependencies", "Immediately"])
      .default("AfterDependencies")
      .describe(
        "AfterDependencies: no pod runs until every dependency is Ready (once started, it is never stopped for a dependency). Immediately: start without waiting for dependencies to be Ready; a dependency that does not exist yet is waited for at most 15 s after the agent's creation, so that a fleet applied at once starts each pod once.",
      ),
    network: networkSchema.optional(),
    required: z
      .boolean()
      .default(false)
      .describe("A required agent is placed first, may displace others, and is protected through a drain."),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .default(0)
      .describe("Among agents that are equally required, higher priority is placed first."),
    volumes: z
      .array(volumeSchema)
      .max(16)
      .optional()
      .meta({
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "x-kubernetes-validations": [
          {
            // Else the operator writes a pod the API server refuses (volumeMounts: must be unique).
            rule: "self.all(v, self.exists_one(w, w.mountPath == v.mountPath))",
            message: "two volumes are mounted at the same mountPath: give each its own",
          },
        ],
      })
      .describe("Volumes mounted into the agent, for model files and caches."),
    podLabels: labelMap("Extra labels for the agent's pods.").optional(),
    podAnnotations: annotationMap("Extra annotations for the agent's pods.").optional(),
    terminationGracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(maxTerminationGracePeriodSeconds)
      .optional()
      .describe(
        "How long the agent is given to stop after SIGTERM (a drain, an update, a move) before it is killed: time to finish its requests and write what it keeps. Kubernetes' 30 s when empty.",
      ),
    serviceAccountName: dnsLabel(
      "The ServiceAccount the agent's pods run as; the namespace's default when empty.",
    ).optional(),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "!has(self.healthCheck) || (has(self.ports) && self.ports.exists(p, p.name == self.healthCheck.port))",
        message: "healthCheck.port must name one of the declared ports",
        fieldPath: ".healthCheck.port",
      },
      {
        rule: "!has(self.env) || !has(self.secretEnv) || self.secretEnv.all(s, !self.env.exists(e, e.name == s.name))",
        message: "a variable is set both in env and in secretEnv",
        fieldPath: ".secretEnv",
      },
      {
        // The config file is mounted at configMountPath itself (render/deployment.ts): a second mount
        // at that path makes a pod the API server refuses (volumeMounts must be unique).
        rule: "!has(self.config) || (self.configMountPath != '/tmp' && (!has(self.volumes) || self.volumes.all(v, v.mountPath != self.configMountPath)))",
        message:
          "configMountPath is where a volume (or the agent's scratch space, /tmp) is mounted: put the config file at a path of its own",
        fieldPath: ".configMountPath",
      },
    ],
  })
  .describe("What the agent runs, what it needs, and how it is protected.");

export const agentDeploymentStatusSchema = z
  .object({
    observedGeneration: z.number().int().optional().describe("The generation of the spec this status reflects."),
    replicas: z.number().int().optional().describe("Pods the agent's Deployment has."),
    readyReplicas: z.number().int().optional().describe("Pods that are Ready."),
    ready: z.string().optional().describe("readyReplicas/replicas, for kubectl get."),
    selector: z
      .string()
      .optional()
      .describe("The label selector of the agent's pods, as text: the scale subresource's, for autoscalers."),
    gpuClass: z.string().optional().describe("The GPU class the agent runs on (a fallback class while one is active)."),
    node: z.string().optional().describe("The node the agent's pods are placed on."),
    vramMiB: z.number().int().optional().describe("The VRAM counted against that node's ledger."),
    conditions: conditionList.optional(),
  })
  .describe("What the operator observed and decided: where the agent runs, and why not when it does not.");

export const agentDeploymentSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal("AgentDeployment"),
  metadata: objectMetaSchema,
  spec: agentDeploymentSpecSchema,
  status: agentDeploymentStatusSchema.optional(),
});

export const agentNamePattern = dnsLabelPattern;

export type AgentPort = z.infer<typeof agentPortSchema>;
export type EnvVar = z.infer<typeof envVarSchema>;
export type AgentVolume = z.infer<typeof volumeSchema>;
export type NetworkPeer = z.infer<typeof networkPeerSchema>;
export type LabelSelector = z.infer<typeof labelSelectorSchema>;
export type HealthCheck = z.infer<typeof healthCheckSchema>;
export type GpuRequest = z.infer<typeof gpuRequestSchema>;
export type AgentDeploymentSpec = z.infer<typeof agentDeploymentSpecSchema>;
export type AgentDeploymentStatus = z.infer<typeof agentDeploymentStatusSchema>;
export type AgentDeployment = z.infer<typeof agentDeploymentSchema>;
