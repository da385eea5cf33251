// What the machinery reports, as a small interface: the operator's Prometheus registry implements it
// (observability/metrics.ts) under controller-runtime's metric names; tests pass nothing, or a spy.
import type { QueueMetrics } from "./workqueue.ts";

export type ReconcileOutcome = "success" | "error" | "requeue_after";

export interface ControllerMetrics {
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void;
  activeWorkers(controller: string, count: number): void;
  queue(name: string): QueueMetrics;
}

export interface ManagerMetrics extends ControllerMetrics {
  /** One REST request the client made; code 0 when no answer came; `resource` as resourceOfPath names it. */
  request(method: string, code: number, host: string, resource: string): void;
  /** A watch or list that failed and will be restarted. */
  watchError(resource: string): void;
  leader(lease: string, leading: boolean): void;
}

const noQueueMetrics: QueueMetrics = { depth() {}, added() {}, retried() {}, waited() {}, worked() {} };

/** Metrics that go nowhere. */
export const noMetrics: ManagerMetrics = {
  reconciled() {},
  activeWorkers() {},
  queue: () => noQueueMetrics,
  request() {},
  watchError() {},
  leader() {},
};
