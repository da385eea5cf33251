// A small REST client over the kubeconfig's credentials. The typed clients of @kubernetes/client-node
// serialise through generated models that drop fields they do not know, and cannot apply to /status;
// the operator needs raw JSON, server-side apply and a count of every request it makes
// (docs/adr/0002-raw-rest-client.md).
import { HttpMethod, type KubeConfig, RequestContext } from "@kubernetes/client-node";
import { type Dispatcher, fetch } from "undici";

/**
 * How long one connection pool serves every request. client-node's applySecurityAuthentication
 * builds a new undici Agent, so a new TLS connection, for each request: at a fleet's rollout that
 * was a TLS handshake per write, on both sides, and most of the operator's CPU. One pool multiplexes
 * every request over a kept-alive connection; renewing it now and then picks up rotated client
 * certificates, as the headers (tokens) are picked up on every request.
 */
const poolLifetimeMs = 5 * 60_000;

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly details: unknown;
  constructor(status: number, reason: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

export const isNotFound = (err: unknown) => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown) => err instanceof ApiError && err.status === 409;
/** The API server refused the object itself (422 Invalid, or 400 for a body it cannot read as the kind). */
export const isInvalid = (err: unknown): err is ApiError =>
  err instanceof ApiError && (err.status === 422 || err.status === 400);

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header: application/json unless told (a metadata-only list asks for PartialObjectMetadataList). */
  accept?: string;
  timeoutMs?: number;
}

export type RequestObserver = (method: string, code: number, path: string) => void;

/** The body as JSON; its text when it is not JSON (so that an error keeps its HTTP status and words). */
function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  private readonly server: string;
  private readonly observers: RequestObserver[] = [];
  private pool: { dispatcher: Dispatcher; renewAt: number } | undefined;

  constructor(kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster; set KUBECONFIG or its current-context");
    this.kubeConfig = kubeConfig;
    this.server = cluster.server.replace(/\/+$/, "");
  }

  /** Called after every request, with its method, HTTP status (0 when no answer came) and path. */
  onRequest(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  async request<T>(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const headers = ctx.getHeaders() as Record<string, string>;
    headers.Accept = opts.accept ?? "application/json";
    if (opts.body !== undefined) headers["Content-Type"] = opts.contentType ?? "application/json";
    let code = 0;
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
        dispatcher: this.dispatcher(ctx.getDispatcher()),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
      code = response.status;
      const text = await response.text();
      const parsed = parseBody(text);
      if (!response.ok) {
        // An API group that is not served answers 404 with plain text ("404 page not found"), not a Status.
        const status = (
          typeof parsed === "object" && parsed !== null ? parsed : { message: text.trim() || undefined }
        ) as {
          reason?: string;
          message?: string;
          details?: unknown;
        };
        throw new ApiError(
          response.status,
          status.reason ?? "Unknown",
          status.message ?? `${method} ${path}: HTTP ${response.status}`,
          status.details,
        );
      }
      return parsed as T;
    } finally {
      for (const observe of this.observers) observe(method, code, path);
    }
  }

  /** The kept pool while it is young; else the new request's own, kept from now on. */
  private dispatcher(fresh: Dispatcher | undefined): Dispatcher | undefined {
    const now = Date.now();
    if (this.pool && now < this.pool.renewAt) return this.pool.dispatcher;
    const old = this.pool;
    this.pool = fresh ? { dispatcher: fresh, renewAt: now + poolLifetimeMs } : undefined;
    // close() lets the requests in flight on the old pool finish.
    old?.dispatcher.close().catch(() => undefined);
    return fresh;
  }

  /** Closes the kept connections once the requests in flight finish. */
  async close(): Promise<void> {
    const old = this.pool;
    this.pool = undefined;
    await old?.dispatcher.close().catch(() => undefined);
  }

  get<T>(path: string, query?: RequestOptions["query"]): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }

  /** Server-side apply: the object as this field manager wants it; forced, since the operator owns its children. */
  apply<T>(path: string, object: unknown, fieldManager: string): Promise<T> {
    return this.request<T>("PATCH", path, {
      body: object,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager, force: true },
    });
  }

  /** A JSON merge patch, for changes a person would make with kubectl patch --type=merge. */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body: patch, contentType: "application/merge-patch+json" });
  }

  delete(path: string, query?: RequestOptions["query"]): Promise<unknown> {
    return this.request("DELETE", path, query ? { query } : {});
  }

  create<T>(path: string, object: unknown): Promise<T> {
    return this.request<T>("POST", path, { body: object });
  }

  /** PUT: an optimistic update; the object's resourceVersion makes a concurrent change a 409. */
  replace<T>(path: string, object: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body: object });
  }
}
