// The operator's composition root: the caches it keeps, the controllers it runs, the endpoints it serves.
import type { Server } from "node:http";
import type { KubeConfig, V1Node, V1Pod } from "@kubernetes/client-node";
import type { AgentDeployment } from "./api/agentdeployment.ts";
import type { GPUClass } from "./api/gpuclass.ts";
import { mapOnChange, specSignature } from "./controller/change-filter.ts";
import { Controller, ownerKeyOf } from "./controller/controller.ts";
import { Informer } from "./controller/informer.ts";
import { defaultTimings, type LeaderElectionConfig, LeaderElector } from "./controller/leader-election.ts";
import { type KubeObject, objectKey } from "./controller/objects.ts";
import { core } from "./controller/resources.ts";
import { KubeClient } from "./controller/rest.ts";
import { EventRecorder } from "./observability/events.ts";
import { registerFleetGauges } from "./observability/fleet-metrics.ts";
import type { Logger } from "./observability/logger.ts";
import { OperatorMetrics } from "./observability/metrics.ts";
import { startProbeServer } from "./observability/server.ts";
import {
  agentDeploymentResource,
  agentReconciler,
  type ChildCaches,
  childResources,
  gpuClassResource,
  isReady,
} from "./reconcilers/agentdeployment.ts";
import { deploymentFields, metadataOnly, podFields } from "./reconcilers/cached-fields.ts";
import { gpuClassReconciler } from "./reconcilers/gpuclass.ts";
import { FleetPlanner, placementSignature } from "./reconcilers/planner.ts";
import { managedBySelector } from "./render/labels.ts";

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Port of /metrics, /healthz and /readyz; 0 picks a free one, undefined serves none. */
  metricsPort?: number;
  workers?: number;
  /** Only the holder of this Lease reconciles; without it, this process always does. */
  leaderElection?: Omit<LeaderElectionConfig, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs"> &
    Partial<LeaderElectionConfig>;
  /** Called when leadership is lost: the process should exit, as controller-runtime's does. */
  onLostLeadership?: () => void;
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly client: KubeClient;
  readonly agents: Informer<AgentDeployment>;
  readonly controller: Controller;
  readonly classController: Controller;
  private readonly informers: { start(): Promise<void>; stop(): void }[];
  private readonly opts: OperatorOptions;
  private server: Server | undefined;
  private synced = false;
  private elector: LeaderElector | undefined;
  private reconciling = false;

  constructor(opts: OperatorOptions) {
    this.opts = opts;
    const { logger } = opts;
    const client = new KubeClient(opts.kubeConfig);
    this.client = client;
    const host = new URL(opts.kubeConfig.getCurrentCluster()?.server ?? "http://unknown").host;
    client.onRequest((method, code, path) => {
      this.metrics.restRequests.inc({ method, code: String(code), host });
      // What the operator changed, request by request: at debug level, to find a write that should not be.
      if (method !== "GET") logger.debug({ method, path, code }, "api write");
    });

    const informer = <T extends KubeObject>(
      r: typeof core.pod,
      labelSelector?: string,
      transform?: (obj: KubeObject) => KubeObject,
    ) =>
      new Informer<T>(client, r, logger, {
        ...(labelSelector ? { labelSelector } : {}),
        ...(transform ? { transform } : {}),
        onError: () => this.metrics.watchErrors.inc({ resource: r.plural }),
      });
    this.agents = informer<AgentDeployment>(agentDeploymentResource);
    const classes = informer<GPUClass>(gpuClassResource);
    const nodes = informer<V1Node & KubeObject>(core.node);
    // The caches of pods and children keep only what is read of them (reconcilers/cached-fields.ts).
    const pods = informer<V1Pod & KubeObject>(core.pod, managedBySelector, podFields);
    const children: ChildCaches = {
      ConfigMap: informer(childResources.ConfigMap, managedBySelector, metadataOnly),
      Service: informer(childResources.Service, managedBySelector, metadataOnly),
      Deployment: informer(childResources.Deployment, managedBySelector, deploymentFields),
      PodDisruptionBudget: informer(childResources.PodDisruptionBudget, managedBySelector, metadataOnly),
    };
    this.informers = [this.agents, classes, nodes, pods, ...Object.values(children)];
    registerFleetGauges(this.metrics.registry, {
      reporting: () => this.reconciling,
      agents: () => this.agents.list(),
      classes: () => classes.list(),
    });

    const allAgents = () => this.agents.list().map((a) => objectKey(a.metadata));
    // An agent's readiness (and its existence) is its dependents' DependenciesReady.
    const dependents = mapOnChange(
      (a) => String(isReady(a as AgentDeployment)),
      (obj) =>
        this.agents
          .list(obj.metadata.namespace)
          .filter((a) => a.spec.dependencies?.includes(obj.metadata.name))
          .map((a) => objectKey(a.metadata)),
    );
    // Nodes report status often, and classes their ledgers: only what placement reads concerns agents.
    const nodeChange = (keys: () => string[]) => mapOnChange((n) => placementSignature(n as V1Node & KubeObject), keys);

    // The fleet's placement is one decision over every GPU agent: a change to one may move others.
    const planner = new FleetPlanner(
      { agents: this.agents, classes, nodes, deployments: children.Deployment },
      (keys) => {
        for (const key of keys) this.controller.queue.add(key);
        for (const c of classes.list()) this.classController.queue.add(c.metadata.name);
      },
    );

    this.controller = new Controller({
      name: "agentdeployment",
      primary: this.agents,
      watches: [
        { informer: this.agents, map: dependents },
        { informer: classes, map: mapOnChange(specSignature, allAgents) },
        { informer: nodes, map: nodeChange(allAgents) },
        {
          informer: pods,
          map: (p) => {
            const agent = p.metadata.labels?.["app.kubernetes.io/name"];
            return agent ? [objectKey({ name: agent, namespace: p.metadata.namespace })] : [];
          },
        },
        ...Object.values(children).map((i) => ({ informer: i, map: ownerKeyOf("AgentDeployment") })),
      ],
      reconcile: agentReconciler({
        client,
        agents: this.agents,
        classes,
        nodes,
        pods,
        children,
        events: new EventRecorder(client, logger),
        placement: (key) => planner.decisionFor(key),
        freeVram: (node) => planner.freeVram(node),
      }),
      workers: opts.workers ?? 4,
      logger,
      metrics: this.metrics,
    });

    const allClasses = () => classes.list().map((c) => c.metadata.name);
    this.classController = new Controller({
      name: "gpuclass",
      primary: classes,
      watches: [
        {
          informer: nodes,
          map: nodeChange(allClasses),
        },
      ],
      reconcile: gpuClassReconciler({ client, classes, ledger: (name) => planner.ledgerOf(name) }),
      workers: 1,
      logger,
      metrics: this.metrics,
    });
  }

  private get controllers(): Controller[] {
    return [this.controller, this.classController];
  }

  get ready(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    if (this.opts.metricsPort !== undefined) {
      this.server = await startProbeServer({
        port: this.opts.metricsPort,
        registry: this.metrics.registry,
        ready: () => this.synced,
      });
    }
    for (const c of this.controllers) c.bind();
    await Promise.all(this.informers.map((i) => i.start()));
    this.synced = true;
    const election = this.opts.leaderElection;
    if (!election) {
      this.startReconciling();
      return;
    }
    const leaseName = election.name;
    this.metrics.leaderStatus.set({ name: leaseName }, 0);
    this.elector = new LeaderElector(this.client, { ...defaultTimings, ...election }, this.opts.logger);
    this.opts.logger.info(
      { metricsAddress: this.metricsAddress(), lease: `${election.namespace}/${leaseName}` },
      "caches synced; waiting to lead",
    );
    this.elector.run({
      onStartedLeading: () => {
        this.metrics.leaderStatus.set({ name: leaseName }, 1);
        this.startReconciling();
      },
      onStoppedLeading: () => {
        this.metrics.leaderStatus.set({ name: leaseName }, 0);
        // Stop writing at once: another replica may already lead.
        for (const c of this.controllers) c.halt();
        this.reconciling = false;
        this.opts.onLostLeadership?.();
      },
    });
  }

  private startReconciling(): void {
    this.reconciling = true;
    for (const c of this.controllers) c.start();
    this.opts.logger.info({ metricsAddress: this.metricsAddress() }, "caches synced; reconciling");
  }

  get isReconciling(): boolean {
    return this.reconciling;
  }

  /** Finishes the reconciles in progress, then stops watching. */
  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await this.elector?.release();
    for (const i of this.informers) i.stop();
    await this.client.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  metricsAddress(): string | undefined {
    const address = this.server?.address();
    return address && typeof address === "object" ? `http://127.0.0.1:${address.port}` : undefined;
  }
}
