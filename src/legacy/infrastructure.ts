// Shared infrastructure: what agents point at that is not an agent (Redis, NATS, a database, an
// observability stack). Known by its image when a compose file defines it, else by a well-known port
// or URL scheme that an agent's address uses.
import type { LegacyAgent } from "./model.ts";

export interface InfrastructureKind {
  /** How a person names it. */
  kind: string;
  /** The Service name it conventionally has, when nothing defines it. */
  serviceName: string;
  image: RegExp;
  ports: number[];
  schemes: string[];
  /** It keeps data that a restart must not lose: it needs a PersistentVolumeClaim. */
  stateful: boolean;
  /**
   * Where its official image writes (its data first). An agent's pod has a read-only root file
   * system and runs as uid 1000 (render/deployment.ts): each of these needs a volume. Empty: it
   * writes nowhere but /tmp, which every pod has. Absent: not known here (its images differ by
   * vendor and version in where they write), which the import says.
   */
  writes?: readonly string[];
  /** Settings that keep the image's writes within those places; the service's own win. */
  settings?: Readonly<Record<string, string>>;
  /**
   * A home directory uid 1000 cannot enter (root's, mode 700, where an image that runs as root keeps
   * its data): a volume the service mounts under `from` is mounted under `to` instead, where its
   * settings point the image.
   */
  moveHome?: { from: string; to: string };
}

export const infrastructureKinds: readonly InfrastructureKind[] = [
  {
    kind: "Redis",
    serviceName: "redis",
    image: /(^|\/)(redis|redis-stack[-\w]*|valkey|keydb)(:|$)/,
    ports: [6379],
    schemes: ["redis", "rediss"],
    stateful: true,
    writes: ["/data"],
  },
  {
    kind: "NATS",
    serviceName: "nats",
    image: /(^|\/)nats(-streaming)?(:|$)/,
    ports: [4222],
    schemes: ["nats"],
    stateful: false,
    writes: [],
  },
  {
    kind: "PostgreSQL",
    serviceName: "postgres",
    image: /(^|\/)(postgres|postgis|timescaledb[-\w]*|pgvector)(:|$)/,
    ports: [5432],
    schemes: ["postgres", "postgresql"],
    stateful: true,
    writes: ["/var/lib/postgresql/data", "/var/run/postgresql"],
    settings: { PGDATA: "/var/lib/postgresql/data/pgdata" },
  },
  {
    kind: "MySQL",
    serviceName: "mysql",
    image: /(^|\/)(mysql|mariadb)(:|$)/,
    ports: [3306],
    schemes: ["mysql", "mariadb"],
    stateful: true,
    writes: ["/var/lib/mysql", "/var/run/mysqld"],
  },
  {
    kind: "MongoDB",
    serviceName: "mongodb",
    image: /(^|\/)mongo(db)?(:|$)/,
    ports: [27017],
    schemes: ["mongodb"],
    stateful: true,
    writes: ["/data/db", "/data/configdb"],
  },
  {
    kind: "RabbitMQ",
    serviceName: "rabbitmq",
    image: /(^|\/)rabbitmq(:|$)/,
    ports: [5672],
    schemes: ["amqp", "amqps"],
    stateful: true,
    writes: ["/var/lib/rabbitmq"],
  },
  {
    kind: "Kafka",
    serviceName: "kafka",
    image: /(^|\/)(kafka|cp-kafka|redpanda)(:|$)/,
    ports: [9092],
    schemes: ["kafka"],
    stateful: true,
  },
  {
    kind: "Memcached",
    serviceName: "memcached",
    image: /(^|\/)memcached(:|$)/,
    ports: [11211],
    schemes: ["memcached"],
    stateful: false,
    writes: [],
  },
  {
    kind: "Elasticsearch",
    serviceName: "elasticsearch",
    image: /(^|\/)(elasticsearch|opensearch)(:|$)/,
    ports: [9200],
    schemes: [],
    stateful: true,
  },
  {
    kind: "Qdrant",
    serviceName: "qdrant",
    image: /(^|\/)qdrant(:|$)/,
    ports: [6333],
    schemes: [],
    stateful: true,
    writes: ["/qdrant/storage", "/qdrant/snapshots"],
  },
  {
    kind: "ChromaDB",
    serviceName: "chromadb",
    image: /(^|\/)chroma(db)?(:|$)/,
    ports: [],
    schemes: [],
    stateful: true,
  },
  { kind: "MinIO", serviceName: "minio", image: /(^|\/)minio(:|$)/, ports: [], schemes: [], stateful: true },
  {
    kind: "InfluxDB",
    serviceName: "influxdb",
    image: /(^|\/)influxdb(:|$)/,
    ports: [8086],
    schemes: [],
    stateful: true,
  },
  {
    kind: "Prometheus",
    serviceName: "prometheus",
    image: /(^|\/)prometheus(:|$)/,
    ports: [9090],
    schemes: [],
    stateful: true,
    writes: ["/prometheus"],
  },
  {
    kind: "Grafana",
    serviceName: "grafana",
    image: /(^|\/)grafana(:|$)/,
    ports: [],
    schemes: [],
    stateful: true,
    writes: ["/var/lib/grafana"],
    settings: { GF_LOG_MODE: "console" },
  },
  {
    kind: "Loki",
    serviceName: "loki",
    image: /(^|\/)loki(:|$)/,
    ports: [3100],
    schemes: [],
    stateful: true,
    writes: ["/loki"],
  },
  {
    kind: "Jaeger",
    serviceName: "jaeger",
    image: /(^|\/)(jaeger|all-in-one)(:|$)/,
    ports: [16686, 14268],
    schemes: [],
    stateful: false,
    writes: [],
  },
  {
    kind: "OpenTelemetry Collector",
    serviceName: "otel-collector",
    image: /(^|\/)opentelemetry-collector[-\w]*(:|$)/,
    ports: [4317, 4318],
    schemes: [],
    stateful: false,
    writes: [],
  },
  {
    kind: "Ollama",
    serviceName: "ollama",
    image: /(^|\/)ollama(:|$)/,
    ports: [11434],
    schemes: [],
    stateful: true,
    // Its models and key under $HOME/.ollama, and HOME is /root in its image.
    writes: ["/home/ollama/.ollama"],
    settings: { HOME: "/home/ollama" },
    moveHome: { from: "/root", to: "/home/ollama" },
  },
];

/** The kind of infrastructure an image runs, if it is one. */
export function infrastructureOfImage(image: string | undefined): InfrastructureKind | undefined {
  if (!image) return undefined;
  const repo = image.replace(/@.*$/, "");
  return infrastructureKinds.find((k) => k.image.test(repo));
}

/** The kind a well-known port or URL scheme stands for (6379, redis://). */
export function infrastructureOfPort(port: number | undefined, scheme?: string): InfrastructureKind | undefined {
  const s = scheme?.toLowerCase();
  return (
    (s ? infrastructureKinds.find((k) => k.schemes.includes(s)) : undefined) ??
    (port === undefined ? undefined : infrastructureKinds.find((k) => k.ports.includes(port)))
  );
}

/** The kind a variable or key names (REDIS_HOST, config.redis.host, nats_url). */
export function infrastructureOfName(name: string): InfrastructureKind | undefined {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  return infrastructureKinds.find(
    (k) =>
      words.includes(k.serviceName) || words.includes(k.kind.toLowerCase()) || k.schemes.some((s) => words.includes(s)),
  );
}

/** Whether a volume mounted at `target` holds `path`. */
const holds = (target: string, path: string) => path === target || path.startsWith(`${target.replace(/\/+$/, "")}/`);

/**
 * Each infrastructure service with what it needs beyond its compose definition to start in an
 * agent's pod: a scratch volume (emptyDir) wherever its image writes and the service mounts
 * nothing, as the container's own layer held those writes under compose; and the settings that
 * keep it writing there (Grafana logs to its console, not /var/log; PostgreSQL's data in a
 * directory of its own under the volume, which initdb, running as the pod's user, can own). Run
 * after env files are read: a setting the service gives itself, in either, wins.
 */
export function withReadOnlyRootNeeds<A extends LegacyAgent>(agents: readonly A[]): A[] {
  return agents.map((agent) => {
    const kind = infrastructureKinds.find((k) => k.kind === agent.infrastructure?.kind);
    if (!kind || !agent.infrastructure) return agent;
    if (kind.writes === undefined)
      return { ...agent, infrastructure: { ...agent.infrastructure, writesUnknown: true } };
    const set = new Set(agent.env.map((e) => e.name));
    // A service that sets its own home (HOME…) keeps its volumes where it put them.
    const home = Object.keys(kind.settings ?? {}).some((name) => set.has(name)) ? undefined : kind.moveHome;
    const moved: string[] = [];
    // Host paths are not carried into the pod (findings/scans.ts reports them): only volumes move.
    const volumes = (agent.volumes ?? []).map((v) => {
      if (!home || !holds(home.from, v.target)) return v;
      const target = `${home.to}${v.target.slice(home.from.replace(/\/+$/, "").length)}`;
      moved.push(`${v.target} → ${target}`);
      return { ...v, target };
    });
    // Where it writes under the home it would be given is no concern when it keeps its own.
    const skipped = !home && kind.moveHome ? kind.moveHome.to : undefined;
    const scratch = (kind.writes ?? [])
      .filter((path) => !(skipped && holds(skipped, path)) && !volumes.some((v) => holds(v.target, path)))
      .map((target) => ({ target, readOnly: false, source: agent.source, forImage: true as const }));
    const settings = Object.entries(kind.settings ?? {})
      .filter(([name]) => !set.has(name))
      .map(([name, value]) => ({ name, value, source: agent.source }));
    if (!scratch.length && !settings.length && !moved.length) return agent;
    return {
      ...agent,
      volumes: [...volumes, ...scratch],
      env: [...agent.env, ...settings],
      infrastructure: {
        ...agent.infrastructure,
        settingsAdded: settings.map((e) => `${e.name}=${e.value}`),
        ...(moved.length ? { volumesMoved: moved } : {}),
      },
    };
  });
}
