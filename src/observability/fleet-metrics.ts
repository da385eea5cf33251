// Fleet gauges, computed from the caches at scrape time: agents by class and condition, and each GPU
// node's VRAM ledger. Only the reconciling replica reports them, so sums across replicas stay right.
import { Gauge, type Registry } from "prom-client";
import type { AgentDeployment } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";

type NodeLedger = NonNullable<NonNullable<GPUClass["status"]>["nodes"]>[number];

export interface FleetSource {
  reporting: () => boolean;
  agents: () => readonly AgentDeployment[];
  classes: () => readonly GPUClass[];
}

export function registerFleetGauges(registry: Registry, source: FleetSource): void {
  new Gauge({
    name: "agentfleet_agents",
    help: "AgentDeployments by namespace, GPU class, condition, status and reason (InsufficientVRAM, NodeNotReady, …)",
    labelNames: ["namespace", "gpu_class", "condition", "status", "reason", "required"] as const,
    registers: [registry],
    collect() {
      this.reset();
      if (!source.reporting()) return;
      for (const a of source.agents()) {
        for (const c of a.status?.conditions ?? []) {
          this.inc({
            namespace: a.metadata.namespace ?? "",
            gpu_class: a.status?.gpuClass ?? "none",
            condition: c.type,
            status: c.status,
            reason: c.reason,
            required: String(a.spec.required ?? false),
          });
        }
      }
    },
  });
  const perNode = (name: string, help: string, value: (n: NodeLedger) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["gpu_class", "node"] as const,
      registers: [registry],
      collect() {
        this.reset();
        if (!source.reporting()) return;
        for (const c of source.classes()) {
          for (const n of c.status?.nodes ?? []) this.set({ gpu_class: c.metadata.name, node: n.name }, value(n));
        }
      },
    });
  perNode("agentfleet_gpu_vram_capacity_mib", "VRAM agents may use on a GPU node, in MiB", (n) => n.capacityMiB);
  perNode(
    "agentfleet_gpu_vram_requested_mib",
    "VRAM requested by the agents placed on a GPU node, in MiB",
    (n) => n.requestedMiB,
  );
  perNode("agentfleet_gpu_node_ready", "1 when a GPU node is Ready and schedulable", (n) => (n.ready ? 1 : 0));
}
