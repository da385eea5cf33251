// How every request reaches the API server: its address, a kept-alive connection pool with the
// kubeconfig's TLS material, and the credentials of the moment. Read from a kubeconfig (kubeconfig.ts)
// or the in-cluster service account; client-node is loaded only for what the kubeconfig reader hands
// it (exec plugins, auth providers, proxies, several KUBECONFIG files merged).
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent, type Dispatcher } from "undici";
import {
  type ConnectionSettings,
  inClusterSettings,
  KubeconfigError,
  type Material,
  readKubeconfig,
} from "./kubeconfig.ts";

export interface ClusterConnection {
  /** https://host:port, without a trailing slash. */
  readonly server: string;
  /** The headers and pool for the next request: credentials as they are now. */
  prepare(): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }>;
  /** Closes the kept connections once the requests in flight finish. */
  close(): Promise<void>;
}

/**
 * How long one connection pool serves every request. A new pool per request would be a TLS
 * handshake per write, on both sides (most of the operator's CPU at a rollout, when client-node
 * built one per request); renewing it now and then picks up rotated client certificates.
 */
const poolLifetimeMs = 5 * 60_000;
/** As client-go's cached token file: a projected service-account token is re-read once a minute. */
const tokenLifetimeMs = 60_000;

/** A pool that is replaced after its lifetime; the old one finishes its requests in flight. */
class RenewingPool {
  private pool: { dispatcher: Dispatcher; renewAt: number } | undefined;
  private readonly make: () => Dispatcher | undefined;
  constructor(make: () => Dispatcher | undefined) {
    this.make = make;
  }

  current(fresh?: Dispatcher): Dispatcher | undefined {
    const now = Date.now();
    if (this.pool && now < this.pool.renewAt) return this.pool.dispatcher;
    const old = this.pool;
    let next: Dispatcher | undefined;
    try {
      next = fresh ?? this.make();
    } catch (err) {
      // A certificate file being replaced as it is read: the pool that works serves a while longer.
      if (!old) throw err;
      old.renewAt = now + poolLifetimeMs;
      return old.dispatcher;
    }
    this.pool = next ? { dispatcher: next, renewAt: now + poolLifetimeMs } : undefined;
    old?.dispatcher.close().catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const old = this.pool;
    this.pool = undefined;
    await old?.dispatcher.close().catch(() => undefined);
  }
}

function read(m: Material | undefined): string | undefined {
  if (!m) return undefined;
  if ("data" in m) return m.data;
  try {
    return readFileSync(m.file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${m.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** A connection from settings this module handles itself: TLS files, a token or its file, basic auth. */
export class SettingsConnection implements ClusterConnection {
  readonly server: string;
  private readonly pool: RenewingPool;
  private readonly settings: ConnectionSettings;
  private token: { value: string; readAt: number } | undefined;

  constructor(settings: ConnectionSettings) {
    this.settings = settings;
    this.server = settings.server;
    this.pool = new RenewingPool(() => {
      const ca = read(settings.ca);
      const cert = read(settings.cert);
      const key = read(settings.key);
      return new Agent({
        connect: {
          ...(ca ? { ca } : {}),
          ...(cert ? { cert } : {}),
          ...(key ? { key } : {}),
          ...(settings.tlsServerName ? { servername: settings.tlsServerName } : {}),
          rejectUnauthorized: !settings.insecureSkipTlsVerify,
          // As client-go: TCP keep-alive probes after 30 s, within a cloud load balancer's idle timeout.
          keepAlive: true,
          keepAliveInitialDelay: 30_000,
        },
      });
    });
    // Files that are not there fail here, at start, with their names, not at the first request.
    this.pool.current();
  }

  async prepare() {
    const headers: Record<string, string> = {};
    const { token, basic } = this.settings;
    if (token) {
      if (!this.token || Date.now() - this.token.readAt > tokenLifetimeMs) {
        try {
          this.token = { value: (read(token) ?? "").trim(), readAt: Date.now() };
        } catch (err) {
          // The kubelet swaps a projected token's file atomically, but a file can vanish for a moment:
          // the token read a minute ago is still valid for a while; only the first read must succeed.
          if (!this.token) throw err;
          this.token.readAt = Date.now();
        }
      }
      headers.Authorization = `Bearer ${this.token.value}`;
    } else if (basic) {
      headers.Authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString("base64")}`;
    }
    return { headers, dispatcher: this.pool.current() };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The kubeconfig through client-node, for the credentials only it handles. Loaded on demand. */
async function clientNodeConnection(files: string): Promise<ClusterConnection> {
  const { KubeConfig, RequestContext, HttpMethod } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (files === "") kc.loadFromDefault();
  else kc.loadFromFile(files);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeconfigError(files || "KUBECONFIG", "has no current cluster; set its current-context");
  const server = cluster.server.replace(/\/+$/, "");
  const pool = new RenewingPool(() => undefined);
  return {
    server,
    async prepare() {
      const ctx = new RequestContext(server, HttpMethod.GET);
      await kc.applySecurityAuthentication(ctx);
      return { headers: ctx.getHeaders() as Record<string, string>, dispatcher: pool.current(ctx.getDispatcher()) };
    },
    close: () => pool.close(),
  };
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The cluster to talk to, as kubectl finds it: the file given (--kubeconfig), else KUBECONFIG, else
 * ~/.kube/config, else the in-cluster service account.
 */
export async function loadConnection(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClusterConnection> {
  const fromEnv = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "");
  // Several files are merged, as kubectl does; client-node does that too.
  if (!file && fromEnv.length > 1) return clientNodeConnection("");
  const home = path.join(env.HOME ?? os.homedir(), ".kube", "config");
  const chosen = file ?? fromEnv[0] ?? (existsSync(home) ? home : undefined);
  if (chosen === undefined) {
    const inCluster = inClusterSettings(env, serviceAccountDir);
    if (!inCluster)
      throw new Error("no cluster to talk to: set KUBECONFIG, pass --kubeconfig, or run inside a cluster");
    return new SettingsConnection(inCluster);
  }
  let text: string;
  try {
    text = readFileSync(chosen, "utf8");
  } catch (err) {
    throw new KubeconfigError(chosen, `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const reading = readKubeconfig(text, chosen);
  if ("delegate" in reading) return clientNodeConnection(chosen);
  return new SettingsConnection(reading.settings);
}
