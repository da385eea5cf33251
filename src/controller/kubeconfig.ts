// What a kubeconfig says about reaching the cluster of its current context, read as kubectl reads
// it, without client-node: its KubeConfig loads every generated API and model (some 90 MiB of
// memory and a second of start, docs/adr/0006-own-kubeconfig-and-watch.md) for what is here a few
// fields. Credentials this module does not handle (exec plugins, auth providers, proxies) are named
// in `delegate`, and the caller hands the file to client-node, which does.
import path from "node:path";
import { parseDocument } from "yaml";

/** Bytes given inline (base64 `*-data` fields) or a file to read (relative to the kubeconfig's folder). */
export type Material = { data: string } | { file: string };

export interface ConnectionSettings {
  /** https://host:port, without a trailing slash. */
  server: string;
  ca?: Material;
  cert?: Material;
  key?: Material;
  /** A bearer token, or the file it is re-read from (a projected service-account token rotates). */
  token?: Material;
  basic?: { username: string; password: string };
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
}

export type KubeconfigReading = { settings: ConnectionSettings } | { delegate: string };

export class KubeconfigError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "KubeconfigError";
  }
}

type Named = { name?: unknown; [field: string]: unknown };

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function entry(doc: Record<string, unknown>, list: string, field: string, name: string, file: string) {
  const items = Array.isArray(doc[list]) ? (doc[list] as Named[]) : [];
  const found = items.find((i) => i?.name === name);
  const body = asRecord(found?.[field]);
  if (!body) throw new KubeconfigError(file, `${list} has no entry named "${name}" with a ${field}`);
  return body;
}

function material(
  body: Record<string, unknown>,
  dataField: string,
  fileField: string,
  dir: string,
): Material | undefined {
  const data = body[dataField];
  if (typeof data === "string" && data !== "") return { data: Buffer.from(data, "base64").toString("utf8") };
  const file = body[fileField];
  if (typeof file === "string" && file !== "") return { file: path.resolve(dir, file) };
  return undefined;
}

/**
 * The current context's cluster and user, from the kubeconfig's text. `file` names it in errors and
 * anchors its relative paths.
 */
export function readKubeconfig(text: string, file: string, context?: string): KubeconfigReading {
  let doc: Record<string, unknown> | undefined;
  try {
    const parsed = parseDocument(text);
    if (parsed.errors.length > 0) throw new Error(parsed.errors[0]?.message);
    doc = asRecord(parsed.toJS());
  } catch (err) {
    throw new KubeconfigError(file, `not a kubeconfig: ${(err as Error).message}`);
  }
  if (!doc) throw new KubeconfigError(file, "not a kubeconfig: expected a YAML mapping");
  const contextName = context ?? doc["current-context"];
  if (typeof contextName !== "string" || contextName === "") {
    throw new KubeconfigError(file, "current-context is not set; set it with kubectl config use-context");
  }
  const ctx = entry(doc, "contexts", "context", contextName, file);
  const cluster = entry(doc, "clusters", "cluster", String(ctx.cluster ?? ""), file);
  const user = ctx.user === undefined ? {} : entry(doc, "users", "user", String(ctx.user), file);

  for (const field of ["exec", "auth-provider"] as const) {
    if (user[field] !== undefined) return { delegate: `users[].user.${field}` };
  }
  if (cluster["proxy-url"] !== undefined) return { delegate: "clusters[].cluster.proxy-url" };

  const server = cluster.server;
  if (typeof server !== "string" || !/^https?:\/\//.test(server)) {
    throw new KubeconfigError(file, `clusters[${String(ctx.cluster)}].cluster.server must be an http(s) URL`);
  }
  const dir = path.dirname(file);
  const settings: ConnectionSettings = {
    server: server.replace(/\/+$/, ""),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
  };
  const ca = material(cluster, "certificate-authority-data", "certificate-authority", dir);
  const cert = material(user, "client-certificate-data", "client-certificate", dir);
  const key = material(user, "client-key-data", "client-key", dir);
  if (ca) settings.ca = ca;
  if (cert) settings.cert = cert;
  if (key) settings.key = key;
  // `token` is the token itself, not base64 as the *-data fields are.
  if (typeof user.token === "string" && user.token !== "") settings.token = { data: user.token };
  else if (typeof user.tokenFile === "string" && user.tokenFile !== "") {
    settings.token = { file: path.resolve(dir, user.tokenFile) };
  }
  if (typeof user.username === "string" && typeof user.password === "string") {
    settings.basic = { username: user.username, password: user.password };
  }
  if (typeof cluster["tls-server-name"] === "string") settings.tlsServerName = cluster["tls-server-name"];
  if (Boolean(settings.cert) !== Boolean(settings.key)) {
    throw new KubeconfigError(
      file,
      `users[${String(ctx.user)}].user has a client certificate or key without the other`,
    );
  }
  return { settings };
}

/** The in-cluster service account's connection, as client-go's rest.InClusterConfig. */
export function inClusterSettings(env: NodeJS.ProcessEnv, accountDir: string): ConnectionSettings | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: { file: path.join(accountDir, "ca.crt") },
    token: { file: path.join(accountDir, "token") },
    insecureSkipTlsVerify: false,
  };
}
