// The GPUClass reconciler: its status shows its nodes, whether each is Ready, and the VRAM ledger of
// the agents placed there, so `kubectl get gpuclasses` answers "how much room is left?"; and its
// conditions say whether the GPU stack under it is sound (the audit's preflight checks).
import { GPUClassCondition, GPUClassReason } from "../api/conditions.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { fieldManager } from "../api/group.ts";
import { preflightClass } from "../audit/preflight.ts";
import type { ObjectCache } from "../controller/cache.ts";
import type { ReconcileResult } from "../controller/controller.ts";
import type { KubeClient } from "../controller/rest.ts";
import { applyStatus, sameStatus } from "../controller/status.ts";
import type { ClassLedger } from "../placement/ledger.ts";
import type { Supply } from "../placement/plan.ts";
import { type ConditionInput, mergeConditions } from "./conditions.ts";
import { preflightConditions } from "./gpuclass-preflight.ts";
import { gpuClassResource } from "./kinds.ts";
import { replanDelayMs } from "./planner.ts";
import { ledgerWriteDelay } from "./status-coalescing.ts";

export interface GpuClassReconcilerDeps {
  client: KubeClient;
  classes: ObjectCache<GPUClass>;
  /** The class's ledger by the fleet's current plan (the planner keeps one per class). */
  ledger: (gpuClass: string) => ClassLedger | undefined;
  /** The nodes as placement sees them, and the RuntimeClasses there are: what the preflight checks read. */
  nodes: () => Supply[];
  runtimeClasses: () => ReadonlySet<string>;
  now?: () => Date;
}

export function gpuClassReconciler(deps: GpuClassReconcilerDeps) {
  const now = deps.now ?? (() => new Date());
  /** When this process last wrote each class's status. */
  const lastWrittenAt = new Map<string, number>();
  return async function reconcile(key: string): Promise<ReconcileResult | undefined> {
    const gpuClass = deps.classes.get(key);
    if (!gpuClass || gpuClass.metadata.deletionTimestamp) return undefined;
    const ledger = deps.ledger(key);
    // A class created a moment ago is in the next plan; until then there is nothing true to say.
    if (!ledger) return { requeueAfterMs: replanDelayMs };
    const total = ledger.nodes?.length ?? 0;
    const ready: ConditionInput =
      total === 0
        ? {
            type: GPUClassCondition.Ready,
            status: "False",
            reason: GPUClassReason.NoMatchingNode,
            message:
              "no node matches the class's nodeSelectorTerms: check the GPU Feature Discovery labels on your nodes",
          }
        : ledger.readyNodes === 0
          ? {
              type: GPUClassCondition.Ready,
              status: "False",
              reason: GPUClassReason.NoReadyNode,
              message: `none of its ${total} nodes is Ready and schedulable`,
            }
          : {
              type: GPUClassCondition.Ready,
              status: "True",
              reason: GPUClassReason.NodesReady,
              // The free VRAM is in the status's figures (Free MiB): in the message, every placement
              // would change the condition and nothing of the ledger could wait (status-coalescing.ts).
              message: `${ledger.readyNodes} of ${total} nodes Ready`,
            };
    const preflight = preflightClass(gpuClass, deps.nodes(), deps.runtimeClasses());
    const conditions = mergeConditions(
      gpuClass.status?.conditions,
      [ready, ...preflightConditions(preflight, gpuClass.spec.runtimeClassName)],
      gpuClass.metadata.generation,
      now(),
    );
    const status = { observedGeneration: gpuClass.metadata.generation, ...ledger, conditions };
    if (sameStatus(gpuClass.status, status)) return undefined;
    const at = now().getTime();
    const wait = ledgerWriteDelay(gpuClass.status?.conditions, conditions, lastWrittenAt.get(key), at);
    if (wait > 0) return { requeueAfterMs: wait };
    await applyStatus(deps.client, gpuClassResource, gpuClass, status, fieldManager);
    lastWrittenAt.set(key, at);
    return undefined;
  };
}
