// Kubernetes events about the objects a controller reconciles, so `kubectl describe` and `kubectl
// events` tell the story. The same event for the same object is not repeated within the dedup window.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { KubeObject } from "./objects.ts";
import { core, resourcePath } from "./resources.ts";
import type { KubeClient } from "./rest.ts";

export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  action: string;
  message: string;
}

export interface EventSink {
  record(regarding: KubeObject, event: EventSpec): void;
}

const dedupWindowMs = 10 * 60_000;

export interface EventRecorderOptions {
  /** events.k8s.io's reportingController: who says it, as `<group>/<component>`. */
  reportingController: string;
  now?: () => number;
}

export class EventRecorder implements EventSink {
  private readonly recent = new Map<string, number>();
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
  }

  record(regarding: KubeObject, event: EventSpec): void {
    const key = `${regarding.metadata.uid}|${event.reason}|${event.message}`;
    const now = this.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < dedupWindowMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
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
      note: event.message.slice(0, 1024),
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
      this.logger.warn({ err: String(err), reason: event.reason }, "could not record event");
    });
  }

  private prune(now: number): void {
    for (const [k, t] of this.recent) if (now - t >= dedupWindowMs) this.recent.delete(k);
  }
}
