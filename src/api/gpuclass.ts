// GPUClass: a model of GPU and the nodes that carry it. Cluster-scoped, like a StorageClass.
import { z } from "zod";
import { conditionList, objectMetaSchema } from "./common.ts";

export const nodeSelectorRequirementSchema = z
  .object({
    key: z.string().min(1).describe("The node label key, e.g. nvidia.com/gpu.product."),
    operator: z
      .enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"])
      .describe("How the label's value relates to values: In, NotIn, Exists, DoesNotExist, Gt or Lt."),
    values: z
      .array(z.string())
      .optional()
      .describe("The values to compare with; empty for Exists and DoesNotExist, one integer for Gt and Lt."),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.operator in ['Exists', 'DoesNotExist'] ? !has(self.values) || size(self.values) == 0 : has(self.values) && size(self.values) > 0",
        message: "values must be empty for Exists and DoesNotExist, and non-empty for In, NotIn, Gt and Lt",
      },
    ],
  })
  .describe("A label requirement on a node, as in a node affinity.");

export const nodeSelectorTermSchema = z
  .object({
    matchExpressions: z
      .array(nodeSelectorRequirementSchema)
      .min(1)
      .describe("Requirements on the node's labels; all of them must hold."),
  })
  .strict()
  .describe("One way a node can belong to the class; the terms of a class are ORed.");

export const gpuClassSpecSchema = z
  .object({
    nodeSelectorTerms: z
      .array(nodeSelectorTermSchema)
      .min(1)
      .describe(
        "Which nodes carry this GPU model, as the terms of a required node affinity (ORed). Match the GPU Feature Discovery product label with and without the -SHARED suffix that time-slicing adds.",
      ),
    resourceName: z
      .string()
      .regex(/^([a-z0-9.-]+\/)?[a-zA-Z0-9._-]+$/)
      .default("nvidia.com/gpu")
      .describe(
        "The extended resource the device plugin advertises: nvidia.com/gpu, or nvidia.com/gpu.shared when time-slicing renames it.",
      ),
    vramMiB: z
      .number()
      .int()
      .min(1)
      .describe("VRAM of one physical GPU of this model, in MiB (24564 for an RTX 4090)."),
    reservedMiB: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("VRAM per GPU kept free for the display, the driver and the CUDA context, in MiB."),
    sharing: z
      .object({
        replicas: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe("Time-sliced replicas one GPU is shared into by the device plugin; 1 means exclusive."),
      })
      .strict()
      .default({ replicas: 1 })
      .describe("How the device plugin shares one GPU among pods."),
    runtimeClassName: z
      .string()
      .optional()
      .describe(
        "The RuntimeClass of GPU pods (k3s creates `nvidia`); empty when the node's default runtime is nvidia.",
      ),
    placement: z
      .enum(["BinPack", "Spread"])
      .default("BinPack")
      .describe(
        "How agents are spread over several nodes of this class: BinPack fills one node first, Spread balances.",
      ),
  })
  .strict()
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.reservedMiB < self.vramMiB",
        message: "reservedMiB must be less than vramMiB",
        fieldPath: ".reservedMiB",
      },
    ],
  })
  .describe("Which nodes carry this GPU model, and how its VRAM is shared.");

export const gpuClassNodeStatusSchema = z
  .object({
    name: z.string().describe("The node's name."),
    ready: z.boolean().describe("Whether the node is Ready and schedulable."),
    gpus: z.number().int().describe("Physical GPUs of this class on the node."),
    capacityMiB: z.number().int().describe("VRAM agents may use on the node: GPUs × (vramMiB − reservedMiB)."),
    requestedMiB: z.number().int().describe("VRAM requested by the agents placed on the node."),
    leavingMiB: z
      .number()
      .int()
      .optional()
      .describe(
        "VRAM still held by pods leaving the node (of a deleted agent, or the old pod of one that moved): free once they stop.",
      ),
    freeMiB: z.number().int().describe("capacityMiB − requestedMiB − leavingMiB."),
    agents: z.array(z.string()).optional().describe("The agents placed on the node, as namespace/name."),
  })
  .describe("One node of the class and its VRAM ledger.");

export const gpuClassStatusSchema = z
  .object({
    observedGeneration: z.number().int().optional().describe("The generation of the spec this status reflects."),
    nodes: z.array(gpuClassNodeStatusSchema).optional().describe("The nodes that match the class."),
    readyNodes: z.number().int().optional().describe("How many of those nodes are Ready."),
    capacityMiB: z.number().int().optional().describe("VRAM agents may use over all Ready nodes, in MiB."),
    requestedMiB: z.number().int().optional().describe("VRAM requested by the agents placed on the class, in MiB."),
    freeMiB: z
      .number()
      .int()
      .optional()
      .describe("capacityMiB − the VRAM requested on, or held by pods leaving, its Ready nodes."),
    conditions: conditionList.optional(),
  })
  .describe("What the operator observed of the class: its nodes, their VRAM ledger, conditions.");

export const gpuClassSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal("GPUClass"),
  metadata: objectMetaSchema,
  spec: gpuClassSpecSchema,
  status: gpuClassStatusSchema.optional(),
});

export type GPUClassSpec = z.infer<typeof gpuClassSpecSchema>;
export type GPUClassStatus = z.infer<typeof gpuClassStatusSchema>;
export type GPUClass = z.infer<typeof gpuClassSchema>;
