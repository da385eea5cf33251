// A small REST client over the cluster's connection (connection.ts). The typed clients of
// @kubernetes/client-node serialise through generated models that drop fields they do not know, and
// cannot apply to /status; the operator needs raw JSON, server-side apply and a count of every request
// it makes (docs/adr/0002-raw-rest-client.md), and watches of its own (docs/adr/0006). Requests go
// through undici's request(), not its fetch: fetch builds WHATWG Request, Headers, streams and
// dependent abort signals around every call, about 40 % more of the operator's CPU per request, for
// nothing a client of one API server reads.
import { request } from "undici";
import type { ClusterConnection } from "./connection.ts";
import { parseObjectWithoutManagedFields, parseWatchEvent } from "./watch-event-text.ts";

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

/**
 * The API server refused to create an object because its namespace is being deleted (a 403 whose
 * causes name NamespaceTerminating). Any creation there fails until the namespace is gone, and
 * everything in it is about to be deleted: Kubernetes' own controllers drop such an error rather
 * than retry it, and so does the operator.
 */
export function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.status !== 403) return false;
  const causes = (err.details as { causes?: { reason?: string }[] } | undefined)?.causes;
  return causes?.some((c) => c.reason === "NamespaceTerminating") ?? false;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header: application/json unless told (a metadata-only list asks for PartialObjectMetadataList). */
  accept?: string;
  timeoutMs?: number;
}

/** One event of a watch, as the API server sends it (a line of JSON). */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  /** The object; for ERROR, a Status (its code 410 says the resourceVersion is too old). */
  object: {
    metadata?: { name?: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> };
    code?: number;
    message?: string;
  };
}

export type RequestObserver = (method: string, code: number, path: string) => void;

/**
 * A client that asks for gzip (fetch does unless told) gets every answer over 128 KiB gzipped by the
 * API server: CPU on both sides for bandwidth a controller next to its API server does not lack. The
 * operator asks for none, as kube-controller-manager and kube-scheduler do (client-go's
 * DisableCompression, kubernetes/kubernetes#112296).
 */
const uncompressed = "identity";

/**
 * The body as JSON, without its object's managedFields; its text when it is not JSON (so that an
 * error keeps its HTTP status and words).
 */
function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return parseObjectWithoutManagedFields(text);
  } catch {
    return text;
  }
}

/**
 * The error for an answer that is not OK: the API server's Status when the body is one, else its
 * text (an API group that is not served answers 404 with plain text, "404 page not found").
 */
function apiErrorOf(httpStatus: number, text: string, fallback: string): ApiError {
  const parsed = parseBody(text);
  const status = (typeof parsed === "object" && parsed !== null ? parsed : { message: text.trim() || undefined }) as {
    reason?: string;
    message?: string;
    details?: unknown;
  };
  return new ApiError(httpStatus, status.reason ?? "Unknown", status.message ?? fallback, status.details);
}

const isOk = (httpStatus: number) => httpStatus >= 200 && httpStatus < 300;

export class KubeClient {
  readonly connection: ClusterConnection;
  private readonly observers: RequestObserver[] = [];

  constructor(connection: ClusterConnection) {
    this.connection = connection;
  }

  /** The API server's address, https://host:port. */
  get server(): string {
    return this.connection.server;
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
    const url = this.url(path, opts.query);
    const { headers, dispatcher } = await this.prepare(opts.accept);
    if (opts.body !== undefined) headers["Content-Type"] = opts.contentType ?? "application/json";
    let code = 0;
    try {
      const response = await request(url, {
        method,
        headers,
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
        dispatcher,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
      code = response.statusCode;
      const text = await response.body.text();
      if (!isOk(code)) throw apiErrorOf(code, text, `${method} ${path}: HTTP ${code}`);
      return parseBody(text) as T;
    } finally {
      for (const observe of this.observers) observe(method, code, path);
    }
  }

  /**
   * A watch: `onEvent` gets each event the server sends, until the server ends the stream ("ended"),
   * nothing arrives for `inactivityMs` ("silent": a half-dead connection, or a proxy that holds it
   * open), or `signal` aborts. With `specKept`, each object's spec is read as only those members. Rejects when the server refuses the watch or the connection breaks.
   */
  async watch(
    path: string,
    query: RequestOptions["query"],
    onEvent: (event: WatchEvent) => void,
    opts: { inactivityMs: number; signal: AbortSignal; specKept?: readonly string[] | undefined },
  ): Promise<"ended" | "silent"> {
    const url = this.url(path, { ...query, watch: true });
    const { headers, dispatcher } = await this.prepare();
    // Stopped while the credentials were read: an abort listener added now would never hear it.
    if (opts.signal.aborted) return "ended";
    const stop = new AbortController();
    const abort = () => stop.abort();
    opts.signal.addEventListener("abort", abort, { once: true });
    let silent = false;
    let timer: NodeJS.Timeout | undefined;
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        silent = true;
        stop.abort();
      }, opts.inactivityMs);
    };
    let code = 0;
    try {
      quiet();
      const response = await request(url, { headers, dispatcher, signal: stop.signal });
      code = response.statusCode;
      if (!isOk(code)) throw apiErrorOf(code, await response.body.text(), `watch ${path}: HTTP ${code}`);
      const decoder = new TextDecoder();
      let pending = "";
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        quiet();
        pending += decoder.decode(chunk, { stream: true });
        // One event per line; the rest of the chunk is kept once, not copied after every line.
        let start = 0;
        for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n", start)) {
          const line = pending.slice(start, newline);
          start = newline + 1;
          if (line.trim()) onEvent(parseWatchEvent(line, opts.specKept) as WatchEvent);
        }
        pending = pending.slice(start);
      }
      return "ended";
    } catch (err) {
      if (silent) return "silent";
      if (opts.signal.aborted) return "ended";
      throw err;
    } finally {
      clearTimeout(timer);
      // An event handler that threw, or a silent watch: the connection is let go either way.
      stop.abort();
      opts.signal.removeEventListener("abort", abort);
      for (const observe of this.observers) observe("GET", code, path);
    }
  }

  /** The connection's credentials and pool, and what every request accepts: JSON unless told, uncompressed. */
  private async prepare(accept = "application/json") {
    const prepared = await this.connection.prepare();
    prepared.headers.Accept = accept;
    prepared.headers["Accept-Encoding"] = uncompressed;
    return prepared;
  }

  private url(path: string, query: RequestOptions["query"]): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Closes the kept connections once the requests in flight finish. */
  close(): Promise<void> {
    return this.connection.close();
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
