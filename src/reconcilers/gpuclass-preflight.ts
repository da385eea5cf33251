// The GPU stack's checks (audit/preflight.ts) as a GPUClass's conditions, so that `kubectl get
// gpuclass -o wide` and `kubectl describe gpuclass` show what `agentfleet audit` finds. Pure.
import { GPUClassCondition, GPUClassReason } from "../api/conditions.ts";
import type { ClassPreflight } from "../audit/preflight.ts";
import type { ConditionInput } from "./conditions.ts";

const problems = (p: ClassPreflight, checks: readonly string[]) =>
  p.findings.filter((f) => checks.includes(f.check)).map((f) => `${f.object}: ${f.problem}`);

export function preflightConditions(p: ClassPreflight, runtimeClassName: string | undefined): ConditionInput[] {
  const notAdvertised = problems(p, ["gpu-resource-missing"]);
  const disagree = problems(p, ["sharing-mismatch", "memory-mismatch", "product-label-form", "gfd-labels-missing"]);
  return [
    p.nodes.length === 0
      ? {
          type: GPUClassCondition.NodesMatched,
          status: "False",
          reason: GPUClassReason.NoMatchingNode,
          message: problems(p, ["class-matches-no-node"]).join("; "),
        }
      : notAdvertised.length
        ? {
            type: GPUClassCondition.NodesMatched,
            status: "False",
            reason: GPUClassReason.ResourceNotAdvertised,
            message: notAdvertised.join("; "),
          }
        : {
            type: GPUClassCondition.NodesMatched,
            status: "True",
            reason: GPUClassReason.NodesFound,
            message: `${p.nodes.join(", ")} carr${p.nodes.length === 1 ? "ies" : "y"} it`,
          },
    runtimeClassName === undefined
      ? {
          type: GPUClassCondition.RuntimeClassFound,
          status: "True",
          reason: GPUClassReason.NoRuntimeClass,
          message: "names no RuntimeClass: the nodes' default runtime runs its pods",
        }
      : p.runtimeClassFound === false
        ? {
            type: GPUClassCondition.RuntimeClassFound,
            status: "False",
            reason: GPUClassReason.RuntimeClassMissing,
            message: problems(p, ["runtimeclass-missing"]).join("; "),
          }
        : {
            type: GPUClassCondition.RuntimeClassFound,
            status: "True",
            reason: GPUClassReason.RuntimeClassExists,
            message: `RuntimeClass ${runtimeClassName} exists`,
          },
    disagree.length
      ? {
          type: GPUClassCondition.SharingConsistent,
          status: "False",
          reason: GPUClassReason.LabelsDisagree,
          message: disagree.join("; "),
        }
      : {
          type: GPUClassCondition.SharingConsistent,
          status: "True",
          reason: GPUClassReason.LabelsAgree,
          message: "GPU Feature Discovery's labels agree with the class",
        },
  ];
}
