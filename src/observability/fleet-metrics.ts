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
      // Counted by a joined key first, then set once per series: prom-client hashes a label set at
      // every call, and an inc per condition cost 30 ms a scrape at 3,000 agents.
      const series = new Map<string, { labels: Record<string, string>; count: number }>();
      for (const a of source.agents()) {
        const namespace = a.metadata.namespace ?? "";
        const gpuClass = a.status?.gpuClass ?? "none";
        const required = String(a.spec.required ?? false);
        for (const c of a.status?.conditions ?? []) {
          const key = `${namespace}\0${gpuClass}\0${c.type}\0${c.status}\0${c.reason}\0${required}`;
          const found = series.get(key);
          if (found) found.count++;
          else {
            const { type: condition, status, reason } = c;
            series.set(key, {
              labels: { namespace, gpu_class: gpuClass, condition, status, reason, required },
              count: 1,
            });
          }
        }
      }
      for (const { labels, count } of series.values()) this.set(labels, count);
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
  perNode(
    "agentfleet_gpu_vram_leaving_mib",
    "VRAM still held on a GPU node by pods leaving it (a deleted agent's, a moved agent's old one), in MiB",
    (n) => n.leavingMiB ?? 0,
  );
  perNode("agentfleet_gpu_node_ready", "1 when a GPU node is Ready and schedulable", (n) => (n.ready ? 1 : 0));
}
