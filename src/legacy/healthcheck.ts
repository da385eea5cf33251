// A compose service's healthcheck, read as the probe Kubernetes can run: an HTTP GET or a TCP
// connect, with compose's interval and retries. Anything else needs an exec probe, which
// spec.healthCheck does not offer: it is kept as a note, and one that checks nothing says so.
import { healthCheckTiming } from "../api/agentdeployment.ts";
import type { HealthCheckTiming, LegacyAgent } from "./model.ts";
import { substitute } from "./values.ts";
import { child, scalar, toJS, type YNode } from "./yaml-source.ts";

const local = String.raw`(?:localhost|127\.0\.0\.1|0\.0\.0\.0)`;
/** A local URL, as curl, wget, python's requests or urllib, or a probe script's --url fetches it. */
const localUrl = new RegExp(String.raw`https?://${local}(?::(\d+))?(/[^\s'")\]]*)?`);
/** nc -z localhost 4222 */
const netcat = new RegExp(String.raw`\bnc\b[^|;&]*\s-z[^|;&]*?\s${local}\s+(\d+)`);
/**
 * A connect to a local port: python's socket (s.connect(('localhost', 8572)), connect_ex), a ZeroMQ
 * socket (s.connect('tcp://localhost:7220'): its request is more than a TCP probe checks, but its
 * port is the one to probe), bash's </dev/tcp/localhost/6379. The port may be a name read from
 * the environment (p=int(os.getenv('HEALTH_PORT', 8000))).
 */
const socketConnect = new RegExp(
  [
    String.raw`\.connect(?:_ex)?\(\s*\(\s*['"]${local}['"]\s*,\s*(\w+)\s*\)\s*\)`,
    String.raw`\.connect\(\s*['"]tcp://${local}:(\d+)['"]\s*\)`,
    String.raw`/dev/tcp/${local}/(\d+)`,
  ].join("|"),
);
/** Clients whose ping is a connect to the server's own port. */
const pingClients = /\b(redis-cli|pg_isready|mysqladmin|nats-server|mongosh|mongo)\b/;
/** A command that cannot fail: echo, true, exit 0, or python printing and nothing else. */
const checksNothing = /^(?:echo\b.*|true|exit 0|python3? -c (?:print\([^)]*\)\s*;?\s*)+)$/;

/** A Go duration as compose writes it (30s, 1m30s, 500ms), in whole seconds, rounded up. */
export function durationSeconds(raw: string): number | undefined {
  const text = raw.trim();
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) return undefined;
  return Math.ceil(parts.reduce((sum, [, n, unit]) => sum + Number(n) * (units[unit as string] ?? 0), 0));
}

/**
 * A healthcheck block's interval, timeout and retries, where they differ from spec.healthCheck's defaults,
 * and its start_period when longer than the time an agent is given to start; each within the API's
 * bounds. Durations as compose writes them (30s, 1m30s); with `bareSeconds`, a plain number is
 * seconds too, as a launcher's own config writes it.
 */
export function healthCheckTimingOf(
  healthcheck: YNode | undefined,
  { bareSeconds = false } = {},
): HealthCheckTiming | undefined {
  // compose's keys, or a launcher's with their unit in their name (interval_seconds).
  const read = (key: string) => {
    const raw = scalar(child(healthcheck, key) ?? child(healthcheck, `${key}_seconds`));
    return raw === undefined ? undefined : substitute(raw).value;
  };
  const seconds = (raw: string | undefined) =>
    durationSeconds(raw ?? "") ?? (bareSeconds && /^\d+$/.test(raw?.trim() ?? "") ? Number(raw) : undefined);
  const within = (field: keyof HealthCheckTiming, value: number | undefined, keep: (v: number) => boolean) => {
    const { min, max } = healthCheckTiming[field];
    return value !== undefined && Number.isInteger(value) && value >= 1 && keep(value)
      ? { [field]: Math.min(Math.max(value, min), max) }
      : {};
  };
  const { periodSeconds, timeoutSeconds, failureThreshold, startupSeconds } = healthCheckTiming;
  const out: HealthCheckTiming = {
    ...within("periodSeconds", seconds(read("interval")), (v) => v !== periodSeconds.default),
    ...within("timeoutSeconds", seconds(read("timeout")), (v) => v !== timeoutSeconds.default),
    ...within("failureThreshold", Number(read("retries")), (v) => v !== failureThreshold.default),
    ...within("startupSeconds", seconds(read("start_period")), (v) => v > startupSeconds.default),
  };
  return Object.keys(out).length ? out : undefined;
}

/**
 * A port as the check's code has it: a number, or a name it read from the environment
 * (p = int(os.getenv('HEALTH_PORT', 8000))), which the service's environment or the default gives.
 */
function portNamed(port: string | undefined, code: string, env: readonly { name: string; value: string }[]) {
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  const read = new RegExp(
    String.raw`\b${port}\s*=\s*int\(\s*os\.(?:getenv|environ\.get)\(\s*['"](\w+)['"]\s*(?:,\s*['"]?(\d+)['"]?\s*)?\)\s*\)`,
  ).exec(code);
  if (!read) return undefined;
  const value = Number(env.find((e) => e.name === read[1])?.value ?? read[2]);
  return Number.isInteger(value) && value > 0 && value < 65536 ? value : undefined;
}

/**
 * compose's healthcheck as a probe: an HTTP GET when its command fetches a local URL, a TCP
 * connect for nc -z, a socket connect or a redis-cli/pg_isready-style ping (on the container's
 * first port). Its variables are read as compose reads them (${PORT_OFFSET:-0}9001 is 9001).
 */
export function readHealthCheck(
  spec: YNode,
  ports: readonly number[],
  env: readonly { name: string; value: string }[],
): LegacyAgent["healthCheck"] {
  const healthcheck = child(spec, "healthcheck");
  const node = child(healthcheck, "test");
  if (!node || scalar(child(healthcheck, "disable")) === "true") return undefined;
  const test = toJS(node);
  const words = (Array.isArray(test) ? test.map(String) : String(test ?? "").split(/\s+/))
    .filter((w) => !/^(CMD|CMD-SHELL)$/.test(w))
    .map((w) => substitute(w).value);
  const text = words.join(" ").trim();
  if (text === "" || text === "NONE") return undefined;
  const kept = healthCheckTimingOf(healthcheck);
  const every = kept ? { timing: kept } : {};
  const url = localUrl.exec(text);
  if (url) return { port: url[1] ? Number(url[1]) : 80, path: url[2] ?? "/", ...every };
  const connect = netcat.exec(text) ?? socketConnect.exec(text);
  const port = portNamed(
    connect?.slice(1).find((p) => p !== undefined),
    text,
    env,
  );
  if (port) return { tcp: true, port, ...every };
  // With no port of its own in the file, the probe takes the first the manifest declares (emit.ts):
  // for Redis or PostgreSQL, the port its image listens on.
  if (pingClients.test(text)) return { tcp: true, ...(ports[0] ? { port: ports[0] } : {}), ...every };
  return {
    unsupported: { command: text, source: node.loc, ...(checksNothing.test(text) ? { checksNothing: true } : {}) },
  };
}
