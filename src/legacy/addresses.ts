// Addresses that break in a pod, rewritten to Service names. In the legacy fleet an agent reached
// another on localhost (same PC) or by the other PC's LAN address; in Kubernetes each agent is its
// own Service. An address whose port an imported agent listens on becomes that agent's Service
// (localhost:7120 → system-digital-twin:7120); one whose port or scheme is shared infrastructure's
// becomes that service's name (redis://localhost:6379/0 → redis://redis:6379/0). Bind addresses
// (0.0.0.0, *) stay; where an agent itself listens on localhost or a PC's address, which no pod has
// or lets its Service reach, it listens on 0.0.0.0; an address of no known owner stays and is
// reported; credentials in a URL are never written out.
import { type InfrastructureKind, infrastructureOfName, infrastructureOfPort } from "./infrastructure.ts";
import { normaliseMachine } from "./startup-config.ts";

/** Something that listens: an imported agent's Service, or shared infrastructure's. */
export interface AddressOwner {
  name: string;
  machine: string;
  ports: readonly number[];
  /** A port published on the PC (18000) → the container's port behind it (8000), which its Service has. */
  publishedAs?: ReadonlyMap<number, number>;
  /** The kind of infrastructure it is, when it is. */
  infrastructure?: string;
  /**
   * The names other than its Service's that the legacy files reach it by: its compose service
   * (memory_hub, which no Service may be named), container_name, network aliases.
   */
  aliases?: readonly string[];
  /** The files that define it: a name resolves first among the services of the file that reaches it. */
  files?: readonly string[];
}

export interface AddressContext {
  /** The agent whose value this is: localhost meant its own machine; its files, their own services. */
  self: { name: string; machine: string; files?: readonly string[] };
  owners: readonly AddressOwner[];
  /** The machines' names, as host names other agents used (mainpc:7200, http://pc2:8100). */
  machines: readonly string[];
}

export interface AddressChange {
  from: string;
  to: string;
  /** The agent or infrastructure it now points at, when the fleet has it. */
  target?: string;
}

export interface TextRewrite {
  value: string;
  changes: AddressChange[];
  /**
   * Addresses left as they were: no owner, or several; byName when its host was a name, not
   * localhost or a PC's; missingName when that name is an '_' one no file defines.
   */
  left: { address: string; why: string; byName?: true; missingName?: string }[];
  /** What an address already named rightly (redis://redis:6379): reached, with nothing to change. */
  reached: string[];
  /** Shared infrastructure a rewrite pointed at that nothing defines (it gets its conventional name). */
  missing: InfrastructureKind[];
  /** The value held a URL with a password, which the rewritten value leaves out. */
  credentials: boolean;
  /**
   * The agent's own listen addresses that no pod has (localhost, a PC's address), now 0.0.0.0: in a
   * pod its Service and kubelet's probes reach it at the pod's address, never on its loopback.
   */
  listens: AddressChange[];
}

/**
 * The agent's own PC: its loopback, and the names Docker and Podman give a container for the PC it
 * runs on (host.docker.internal, the host-gateway of extra_hosts), where a program outside compose,
 * such as an Ollama installed on the PC, was reached.
 */
const loopbackHosts = String.raw`localhost|127(?:\.\d{1,3}){3}|\[::1\]|(?:host|gateway)\.docker\.internal|host\.containers\.internal`;
const loopback = new RegExp(`^(?:${loopbackHosts})$`, "i");
const ipv4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

function hostPattern(machines: readonly string[]): RegExp {
  const names = machines
    .filter((m) => m !== "")
    .map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|");
  // scheme://, then user:password@, then a host we know how to read, then :port. The look-behind
  // keeps the host from starting in the middle of a word or another address.
  // Last, any other host name (a Service's, a compose service's): read only with a scheme or a port,
  // and only where it is not the first label of a longer name (redis.example.com).
  return new RegExp(
    String.raw`(?<![\w.-])(?<scheme>[a-z][a-z0-9+.-]*:\/\/)?(?<cred>(?:[^\s:@\/]+|[^\s:@\/]*:[^\s@\/]+)@)?(?<host>${loopbackHosts}|(?:\d{1,3}\.){3}\d{1,3}${names ? `|${names}` : ""}|[a-z][\w-]*(?!\.\w))(?![\w-])(?::(?<port>\d{1,5})(?!\w))?`,
    "gi",
  );
}

/** A name Kubernetes cannot resolve: a DNS label has no '_' (compose's service names may). */
const notADnsName = /_/;

/**
 * The agent or infrastructure a host name means: its Service's name, or a name compose's network
 * knew it by; one on the agent's own machine first, as compose resolved it within its project. A
 * port it does not listen on, nor published, is no answer; nor is an '_' name nothing defines, when
 * it surely is an address (`surely`: a URL's host, or a host by its value's name, never a word such
 * as max_split_size_mb:128). Undefined for a name that is no one's and resolves as it is (an
 * external host).
 */
function resolveName(
  host: string,
  port: number | undefined,
  ctx: AddressContext,
  surely: boolean,
): Resolution | undefined {
  const h = host.toLowerCase();
  const named = ctx.owners.filter((o) => o.name === h || o.aliases?.some((a) => a.toLowerCase() === h));
  if (named.length === 0) {
    return surely && notADnsName.test(host)
      ? {
          why: `${host} is no name Kubernetes resolves ('_'), and no file given defines it: import the file that does, or point it at the Service that replaces it`,
          byName: true,
          missingName: host,
        }
      : undefined;
  }
  // As compose resolved it: in its own file's network (a stack's redis beside another stack's), on
  // its own PC; else one of no machine, else any.
  const ownFiles = ctx.self.files ?? [];
  const tier =
    [
      named.filter((o) => o.machine === ctx.self.machine && o.files?.some((f) => ownFiles.includes(f))),
      named.filter((o) => o.machine === ctx.self.machine),
      named.filter((o) => o.machine === "" || ctx.self.machine === ""),
    ].find((t) => t.length > 0) ?? named;
  // Of several, the Service of that very name is what the name reaches in a pod anyway; the others
  // are stacks' containers known by it only inside their own files.
  const exact = tier.filter((o) => o.name === h);
  const pool = tier.length > 1 && exact.length === 1 ? exact : tier;
  if (pool.length > 1)
    return {
      why: `${pool.map((o) => o.name).join(", ")} are all named ${host}; point it at the one it means`,
      byName: true,
    };
  const owner = pool[0] as AddressOwner;
  if (port !== undefined && !owner.ports.includes(port) && !owner.publishedAs?.has(port)) {
    // Its ports as its Service has them: a port it published on its PC is not one of them.
    const declared = owner.ports.filter((p) => !owner.publishedAs?.has(p));
    return {
      why: `${owner.name} declares ${declared.length ? `port ${declared.join(", ")}, not ${port}` : "no port"}, and its Service has only the ports it declares: if it listens on ${port}, add it to its spec.ports`,
      byName: true,
    };
  }
  return { owner };
}

/** A password in any URL, whatever its host: scheme://user:password@ */
const credentialsInUrl = /(?<scheme>[a-z][a-z0-9+.-]*:\/\/)(?:[^\s:@/]*:[^\s@/]+)@/gi;

type Resolution =
  | { owner: AddressOwner }
  | { self: true }
  | { missing: InfrastructureKind }
  | { why: string; byName?: true; missingName?: string };

/**
 * Who listens on a port, as the agent meant it: on its own machine for localhost, on another for a LAN
 * address or the other PC's name. Agents before infrastructure; several candidates is no answer.
 */
function resolvePort(port: number, remote: boolean, scheme: string | undefined, ctx: AddressContext): Resolution {
  const sameMachine = (o: AddressOwner) =>
    o.machine === ctx.self.machine || o.machine === "" || ctx.self.machine === "";
  const listening = ctx.owners.filter((o) => o.ports.includes(port));
  const preferred = listening.filter((o) => (remote ? !sameMachine(o) || o.machine === "" : sameMachine(o)));
  for (const pool of [preferred, listening]) {
    if (pool.length === 0) continue;
    if (!remote && pool.some((o) => o.name === ctx.self.name)) return { self: true };
    const agents = pool.filter((o) => !o.infrastructure);
    const chosen = agents.length ? agents : pool;
    if (chosen.length === 1) return { owner: chosen[0] as AddressOwner };
    return { why: `${chosen.map((o) => o.name).join(", ")} all listen on ${port}; point it at the one it means` };
  }
  const kind = infrastructureOfPort(port, scheme);
  if (kind) return resolveKind(kind, ctx);
  return { why: `no imported agent or known infrastructure listens on ${port}` };
}

/** Infrastructure of a kind: the one a compose file defines (on the agent's machine first), else its conventional name. */
function resolveKind(kind: InfrastructureKind, ctx: AddressContext): Resolution {
  const defined = ctx.owners.filter((o) => o.infrastructure === kind.kind);
  const local = defined.filter((o) => o.machine === ctx.self.machine);
  const chosen = local[0] ?? defined[0];
  return chosen ? { owner: chosen } : { missing: kind };
}

/**
 * A name that says its value is where the agent itself listens: bind, listen_address, ZMQ_BIND,
 * listenAddr; not listen_to or binding_key, which name something else.
 */
function isListenName(name: string | undefined): boolean {
  const last = (name ?? "").split(".").at(-1) ?? "";
  const snake = last.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
  return /(^|[_-])(bind|listen)([_-]?(addr|address|host|hostname|ip|url|uri|endpoint|on|at))?$/.test(snake);
}

const hostSuffix = /(host|hostname|server|address|addr|ip)$/i;

/**
 * The name of the port that goes with a host's name: the same stem, as agents name them in pairs
 * (REDIS_HOST and REDIS_PORT, redis_host and redis_port, HOST and PORT); none for another name.
 */
export function portNameBeside(hostName: string): string | undefined {
  const suffix = hostSuffix.exec(hostName);
  if (!suffix) return undefined;
  const port = suffix[0] === suffix[0].toUpperCase() ? "PORT" : "port";
  return `${hostName.slice(0, suffix.index)}${port}`;
}

const isHost = (host: string, machines: readonly string[]) =>
  loopback.test(host) ||
  ipv4.test(host) ||
  machines.some((m) => m !== "" && normaliseMachine(m) === normaliseMachine(host));

/**
 * Rewrites the addresses in one value. `hint` is what the value's name says (REDIS_HOST,
 * config.redis.host) and `siblingPort` the port beside a bare host ({host: localhost, port: 6379}).
 */
export function rewriteText(
  raw: string,
  ctx: AddressContext,
  hint: { name?: string; siblingPort?: number | undefined } = {},
): TextRewrite {
  const changes: AddressChange[] = [];
  const left: TextRewrite["left"] = [];
  const reached: string[] = [];
  const missing: InfrastructureKind[] = [];
  const listens: AddressChange[] = [];
  let credentials = false;
  /** The rewrite of the whole value, with what was found on the way. */
  const done = (value: string): TextRewrite => ({ value, changes, left, reached, missing, credentials, listens });
  const listenEverywhere = (original: string, to: string) => {
    listens.push({ from: original, to });
    return to;
  };
  const apply = (
    resolution: Resolution,
    original: string,
    render: (host: string, publishedAs?: ReadonlyMap<number, number>) => string,
  ) => {
    if ("self" in resolution) return original;
    if ("why" in resolution) {
      const { why, byName, missingName } = resolution;
      left.push({ address: original, why, ...(byName ? { byName } : {}), ...(missingName ? { missingName } : {}) });
      return original;
    }
    const host = "owner" in resolution ? resolution.owner.name : resolution.missing.serviceName;
    if ("missing" in resolution) missing.push(resolution.missing);
    const to = render(host, "owner" in resolution ? resolution.owner.publishedAs : undefined);
    if (to !== original) changes.push({ from: original, to, ...("owner" in resolution ? { target: host } : {}) });
    else if ("owner" in resolution) reached.push(host);
    return to;
  };

  const trimmed = raw.trim();
  // A bare host, under a name that says it is one (host, REDIS_HOST, server_ip): its port is beside
  // it, or its name says what it is. Elsewhere a machine's name is only a word (environment: pc2).
  const hostNamed = /(^|[._])(host|hostname|server|address|addr|ip|endpoint)$/i.test(hint.name ?? "");
  const listenNamed = isListenName(hint.name);
  // REDIS_HOST=redis_pc2_memory: a compose service's name, which its Service cannot have. Its own
  // name is where it listens under a listen name (BIND_HOST=memory_hub), else how it names itself.
  const byName =
    (hostNamed || listenNamed) && /^[a-z][\w-]*$/i.test(trimmed)
      ? resolveName(trimmed, hint.siblingPort, ctx, true)
      : undefined;
  if (byName) {
    const itself = "owner" in byName && byName.owner.name === ctx.self.name;
    return done(itself && listenNamed ? listenEverywhere(trimmed, "0.0.0.0") : apply(byName, trimmed, (host) => host));
  }
  if ((hostNamed || listenNamed) && isHost(trimmed, ctx.machines) && trimmed !== "0.0.0.0") {
    if (listenNamed) return done(listenEverywhere(trimmed, "0.0.0.0"));
    const remote = !loopback.test(trimmed);
    const kind = hint.name ? infrastructureOfName(hint.name) : undefined;
    const resolution =
      hint.siblingPort !== undefined
        ? resolvePort(hint.siblingPort, remote, undefined, ctx)
        : kind
          ? resolveKind(kind, ctx)
          : ({ why: "a host with no port beside it, and its name says not what it is" } as Resolution);
    // A host beside the agent's own port ({host: 127.0.0.1, port: 7120} in its server section) is
    // where it listens: its own Service name there would be an address the pod cannot bind.
    if ("self" in resolution || ("owner" in resolution && resolution.owner.name === ctx.self.name))
      return done(listenEverywhere(trimmed, "0.0.0.0"));
    return done(apply(resolution, trimmed, (host) => host));
  }

  let value = raw.replace(hostPattern(ctx.machines), (match, ...rest: unknown[]) => {
    const groups = rest.at(-1) as { scheme?: string; cred?: string; host: string; port?: string };
    const { scheme, cred, host } = groups;
    const port = groups.port === undefined ? undefined : Number(groups.port);
    // Only a URL or host:port is an address: a bare word that is a machine's name is not.
    if (!scheme && port === undefined) return match;
    if (host === "0.0.0.0") return match;
    // Another agent by its name (memory_hub:7140 → memory-hub:7140); a name that is no one's stays.
    const named = !isHost(host, ctx.machines);
    const byName = named ? resolveName(host, port, ctx, scheme !== undefined) : undefined;
    if (named && !byName) return match;
    if (cred?.includes(":")) credentials = true;
    const schemeName = scheme?.slice(0, -3);
    const remote = !loopback.test(host);
    const keptCred = cred && !cred.includes(":") ? cred : "";
    const withoutCred = `${scheme ?? ""}${keptCred}${host}${groups.port !== undefined ? `:${groups.port}` : ""}`;
    // bind: tcp://127.0.0.1:5560 is where the agent listens, on the same port, on every address.
    if (listenNamed)
      return listenEverywhere(
        withoutCred,
        `${scheme ?? ""}0.0.0.0${groups.port !== undefined ? `:${groups.port}` : ""}`,
      );
    const kindOfScheme = schemeName ? infrastructureOfPort(undefined, schemeName) : undefined;
    const resolution: Resolution =
      byName ??
      (port !== undefined
        ? resolvePort(port, remote, schemeName, ctx)
        : kindOfScheme
          ? resolveKind(kindOfScheme, ctx)
          : { why: "a URL with no port, of no known service" });
    // localhost:18000 reached a container's 8000 through compose's published port; the Service has 8000.
    return apply(resolution, withoutCred, (to, publishedAs) => {
      const servicePort = port === undefined ? undefined : (publishedAs?.get(port) ?? port);
      return `${scheme ?? ""}${keptCred}${to}${servicePort !== undefined ? `:${servicePort}` : ""}`;
    });
  });
  // Passwords in URLs of any other host are left out too.
  value = value.replace(credentialsInUrl, (_m, scheme: string) => {
    credentials = true;
    return scheme;
  });
  return done(value);
}

/** Variables that carried a PC's address (PC2_IP, MAINPC_HOST): they mean nothing in a pod. */
export function isMachineAddressVariable(name: string, value: string, machines: readonly string[]): boolean {
  if (!/(^|_)(IP|HOST|HOSTNAME|ADDR|ADDRESS)$/i.test(name)) return false;
  const v = value.trim();
  const pointsAtAMachine =
    (ipv4.test(v) && v !== "0.0.0.0" && !v.startsWith("127.")) ||
    machines.some((m) => m !== "" && normaliseMachine(m) === normaliseMachine(v));
  const namesAMachine = machines.some((m) => m !== "" && normaliseMachine(name).startsWith(normaliseMachine(m)));
  return pointsAtAMachine || (namesAMachine && isHost(v, machines));
}
