// The ports of a compose service: what it publishes on its PC (ports:), what its container listens
// on by protocol (ports: targets, expose:), and what its command line and environment say it serves
// on. Pure.
import { boundPort, flagPorts } from "./agent-fields.ts";
import type { Location, PortUse } from "./model.ts";
import { substitute, toPort } from "./values.ts";
import { child, scalar, toJS, type YNode } from "./yaml-source.ts";

/**
 * A port or a range of them, as compose writes either side of a ports: entry or an expose: one
 * ("9000-9002"). A range is cut at 1,024 ports: no Service carries more than 32 of an agent's.
 */
function portsOf(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!range) return [toPort(text)].filter((p): p is number => p !== undefined);
  const [first, last] = [toPort(range[1]), toPort(range[2])];
  if (first === undefined || last === undefined || last < first) return [];
  return Array.from({ length: Math.min(last - first + 1, 1024) }, (_, i) => first + i);
}

/** A port's text and whether compose's /udp suffix marks it UDP (/tcp and /sctp are dropped too). */
function withProtocol(text: string): { text: string; udp: boolean } {
  return { text: text.replace(/\/(tcp|udp|sctp)$/i, ""), udp: /\/udp$/i.test(text) };
}

interface PortEntry {
  /** Host ports published, paired with containers' by position; none for a port not published. */
  host: number[];
  container: number[];
  udp: boolean;
}

/**
 * One entry of compose's ports: "8080", "${PORT_OFFSET:-0}7200:7200", "127.0.0.1:80:8080/tcp",
 * "9000-9002:9000-9002", "5060:5060/udp", or {published, target, protocol}.
 */
function portEntry(item: YNode): PortEntry {
  const long = toJS(item) as { published?: unknown; target?: unknown; protocol?: unknown } | string | number;
  if (typeof long === "object" && long) {
    return {
      host: portsOf(substitute(String(long.published ?? "")).value),
      container: portsOf(String(long.target ?? "")),
      udp: String(long.protocol ?? "").toLowerCase() === "udp",
    };
  }
  const { text, udp } = withProtocol(substitute(String(long)).value.trim());
  const parts = text.split(":");
  // host:container or ip:host:container; a bare port is the container's, published on a random host port.
  return {
    host: parts.length >= 2 ? portsOf(parts[parts.length - 2] ?? "") : [],
    container: portsOf(parts[parts.length - 1] ?? ""),
    udp,
  };
}

export function publishedPorts(node: YNode | undefined): PortUse[] {
  if (node?.kind !== "seq") return [];
  return node.items.flatMap((item) => {
    const { host, container, udp } = portEntry(item);
    // A bare port ("8080", or {target: 8080}) is counted as the host's too, as the host port compose
    // picked is not known.
    const published = host.length ? host : scalar(item)?.includes(":") ? [] : container;
    return published.map((port, i) => {
      const target = container[Math.min(i, container.length - 1)];
      return { port, role: "host", source: item.loc, ...(target ? { target } : {}), ...(udp ? { udp } : {}) };
    });
  });
}

/** What the container listens on, by protocol: the target side of ports, and expose. */
export function containerPorts(spec: YNode): { tcp: number[]; udp: number[] } {
  const ports = child(spec, "ports");
  const exposed = child(spec, "expose");
  const entries = [
    ...(ports?.kind === "seq" ? ports.items.map(portEntry) : []),
    ...(exposed?.kind === "seq"
      ? exposed.items.map((i) => {
          const { text, udp } = withProtocol(scalar(i) ?? "");
          return { host: [], container: portsOf(text), udp };
        })
      : []),
  ];
  const of = (udp: boolean) => [...new Set(entries.filter((e) => e.udp === udp).flatMap((e) => e.container))];
  return { tcp: of(false), udp: of(true) };
}

/**
 * The ports its command line binds or serves on: NATS's -cluster nats://0.0.0.0:6222,
 * --bind=0.0.0.0:9100, uvicorn's or vLLM's --port 8000.
 */
export function commandPorts(commandLine: readonly string[], source: Location): number[] {
  const words = commandLine.map((w) => substitute(w).value);
  const ports = words.map((w) => boundPort(w.slice(w.indexOf("=") + 1)));
  return [...ports.filter((p): p is number => p !== undefined), ...flagPorts(words, source).map((p) => p.port)];
}

/**
 * The ports a service's own environment says it listens on (PROXY_GRPC_PORT=5715, METRICS_PORT=9100):
 * a *_PORT (or PORT) whose value is a port (its variables' defaults taken) with no *_HOST, *_ADDR, *_URL or *_ENDPOINT beside it of
 * the same prefix, which would make it the port of something it reaches (TARGET_MFH_HOST and
 * TARGET_MFH_PORT; REDIS_HOST and REDIS_PORT). compose's network let its dependents reach any port;
 * a Service and a NetworkPolicy let through only those they name.
 */
export function environmentPorts(env: readonly { name: string; value: string }[]): number[] {
  const names = new Set(env.map((e) => e.name.toUpperCase()));
  const reaches = (prefix: string) =>
    ["HOST", "HOSTNAME", "ADDR", "ADDRESS", "URL", "URI", "ENDPOINT", "SERVER", "SERVERS"].some((s) =>
      names.has(prefix ? `${prefix}_${s}` : s),
    );
  return env.flatMap((e) => {
    const own = /^(?:(.*)_)?PORT$/i.exec(e.name);
    const port = toPort(e.value);
    return own && port && !reaches((own[1] ?? "").toUpperCase()) ? [port] : [];
  });
}
