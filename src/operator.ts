// The operator's composition root, as Kueue's core.go: a generic manager, the shared caches, the
// fleet's planner, and each controller's own setup; then the probe server and the fleet's gauges.
import type { Server } from "node:http";
import type { AgentDeployment } from "./api/agentdeployment.ts";
import { group } from "./api/group.ts";
import type { ObjectCache } from "./controller/cache.ts";
import type { ClusterConnection } from "./controller/connection.ts";
import { EventRecorder } from "./controller/events.ts";
import { type LeaderElectionOptions, Manager } from "./controller/manager.ts";
import { startProbeServer } from "./controller/probe-server.ts";
import { registerFleetGauges } from "./observability/fleet-metrics.ts";
import type { Logger } from "./observability/logger.ts";
import { OperatorMetrics } from "./observability/metrics.ts";
import { setupAgentDeploymentController } from "./reconcilers/agentdeployment-controller.ts";
import { fleetCaches } from "./reconcilers/fleet-caches.ts";
import { setupGpuClassController } from "./reconcilers/gpuclass-controller.ts";
import { setupFleetPlanner } from "./reconcilers/planner.ts";

export interface OperatorOptions {
  /** The API server, as the kubeconfig or the service account reaches it (loadConnection). */
  connection: ClusterConnection;
  logger: Logger;
  /** Port of /metrics, /healthz and /readyz; 0 picks a free one, undefined serves none. */
  metricsPort?: number;
  workers?: number;
  /** Only the holder of this Lease reconciles; without it, this process always does. */
  leaderElection?: LeaderElectionOptions;
  /** Called when leadership is lost: the process should exit, as controller-runtime's does. */
  onLostLeadership?: () => void;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly manager: Manager;
  /** The cache of every agent, for a caller that reports progress (npm start). */
  readonly agents: ObjectCache<AgentDeployment>;
  private readonly opts: OperatorOptions;
  private server: Server | undefined;

  constructor(opts: OperatorOptions) {
    this.opts = opts;
    const { logger } = opts;
    const mgr = new Manager({
      connection: opts.connection,
      logger,
      metrics: this.metrics,
      ...(opts.leaderElection ? { leaderElection: opts.leaderElection } : {}),
      ...(opts.onLostLeadership ? { onLostLeadership: opts.onLostLeadership } : {}),
      onStartedReconciling: () => logger.info({ metricsAddress: this.metricsAddress() }, "caches synced; reconciling"),
    });
    this.manager = mgr;
    const caches = fleetCaches(mgr);
    this.agents = caches.agents;
    const planner = setupFleetPlanner(caches);
    const events = new EventRecorder(mgr.client, logger, { reportingController: `${group}/operator` });
    setupAgentDeploymentController(mgr, caches, planner, { events, workers: opts.workers ?? 4 });
    setupGpuClassController(mgr, caches, planner);
    registerFleetGauges(this.metrics.registry, {
      reporting: () => mgr.isReconciling,
      agents: () => caches.agents.list(),
      classes: () => caches.classes.list(),
    });
  }

  async start(): Promise<void> {
    if (this.opts.metricsPort !== undefined) {
      this.server = await startProbeServer({
        port: this.opts.metricsPort,
        registry: this.metrics.registry,
        ready: () => this.manager.isReady(),
      });
    }
    const election = this.opts.leaderElection;
    if (election) {
      this.opts.logger.info(
        { metricsAddress: this.metricsAddress(), lease: `${election.namespace}/${election.name}` },
        "serving; waiting for the caches to sync and to lead",
      );
    }
    await this.manager.start();
  }

  /** Finishes the reconciles in progress, then stops watching and serving. */
  async stop(): Promise<void> {
    await this.manager.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  metricsAddress(): string | undefined {
    const address = this.server?.address();
    return address && typeof address === "object" ? `http://127.0.0.1:${address.port}` : undefined;
  }
}
