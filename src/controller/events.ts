// Kubernetes events about the objects a controller reconciles, so `kubectl describe` and `kubectl
// events` tell the story. What is written is limited as client-go limits it (event-limits.ts).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { EventCorrelator, type EventLimits } from "./event-limits.ts";
import { type KubeObject, objectKey } from "./objects.ts";
import { core, resourcePath } from "./resources.ts";
import { isNamespaceTerminating, type KubeClient } from "./rest.ts";

export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  action: string;
  message: string;
}

export interface EventSink {
  record(regarding: KubeObject, event: EventSpec): void;
}

export interface EventRecorderOptions {
  /** events.k8s.io's reportingController: who says it, as `<group>/<component>`. */
  reportingController: string;
  now?: () => number;
  /** Dedup, aggregation and rate limits (event-limits.ts); client-go's, and a fleet-wide bound, by default. */
  limits?: EventLimits;
}

export class EventRecorder implements EventSink {
  private readonly correlator: EventCorrelator;
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly opts: EventRecorderOptions;
  private readonly now: () => number;
  private readonly instance = process.env.POD_NAME ?? hostname();

  constructor(client: KubeClient, logger: Logger, opts: EventRecorderOptions) {
    this.client = client;
    this.logger = logger;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.correlator = new EventCorrelator(opts.limits, this.now());
  }

  record(regarding: KubeObject, event: EventSpec): void {
    const now = this.now();
    const decision = this.correlator.decide(
      {
        object: regarding.metadata.uid ?? objectKey(regarding.metadata),
        type: event.type,
        reason: event.reason,
        message: event.message,
      },
      now,
    );
    if (!decision.send) {
      this.logger.debug({ reason: event.reason, why: decision.why }, "event not recorded");
      return;
    }
    const namespace = regarding.metadata.namespace ?? "default";
    const body = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      // Named as kubelet and client-go name theirs: the object's name, a dot, a unique suffix.
      metadata: { name: `${regarding.metadata.name}.${now.toString(16)}${randomBytes(4).toString("hex")}`, namespace },
      eventTime: new Date(now).toISOString().replace("Z", "000Z"),
      reportingController: this.opts.reportingController,
      reportingInstance: this.instance,
      action: event.action,
      reason: event.reason,
      note: decision.message.slice(0, 1024),
      type: event.type,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: regarding.metadata.name,
        namespace: regarding.metadata.namespace,
        uid: regarding.metadata.uid,
      },
    };
    this.client.create(resourcePath(core.event, namespace), body).catch((err: unknown) => {
      // An event about an object whose namespace is being deleted has no one to read it: dropped, as
      // client-go's recorder drops it, without a warning per event while a namespace empties.
      const level = isNamespaceTerminating(err) ? "debug" : "warn";
      this.logger[level]({ err: String(err), reason: event.reason }, "could not record event");
    });
  }
}
