// Shared infrastructure: what agents point at that is not an agent (Redis, NATS, a database, an
// observability stack). Known by its image when a compose file defines it, else by a well-known port
// or URL scheme that an agent's address uses.

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
}

export const infrastructureKinds: readonly InfrastructureKind[] = [
  {
    kind: "Redis",
    serviceName: "redis",
    image: /(^|\/)(redis|redis-stack[-\w]*|valkey|keydb)(:|$)/,
    ports: [6379],
    schemes: ["redis", "rediss"],
    stateful: true,
  },
  {
    kind: "NATS",
    serviceName: "nats",
    image: /(^|\/)nats(-streaming)?(:|$)/,
    ports: [4222],
    schemes: ["nats"],
    stateful: false,
  },
  {
    kind: "PostgreSQL",
    serviceName: "postgres",
    image: /(^|\/)(postgres|postgis|timescaledb[-\w]*|pgvector)(:|$)/,
    ports: [5432],
    schemes: ["postgres", "postgresql"],
    stateful: true,
  },
  {
    kind: "MySQL",
    serviceName: "mysql",
    image: /(^|\/)(mysql|mariadb)(:|$)/,
    ports: [3306],
    schemes: ["mysql", "mariadb"],
    stateful: true,
  },
  {
    kind: "MongoDB",
    serviceName: "mongodb",
    image: /(^|\/)mongo(db)?(:|$)/,
    ports: [27017],
    schemes: ["mongodb"],
    stateful: true,
  },
  {
    kind: "RabbitMQ",
    serviceName: "rabbitmq",
    image: /(^|\/)rabbitmq(:|$)/,
    ports: [5672],
    schemes: ["amqp", "amqps"],
    stateful: true,
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
  },
  {
    kind: "Elasticsearch",
    serviceName: "elasticsearch",
    image: /(^|\/)(elasticsearch|opensearch)(:|$)/,
    ports: [9200],
    schemes: [],
    stateful: true,
  },
  { kind: "Qdrant", serviceName: "qdrant", image: /(^|\/)qdrant(:|$)/, ports: [6333], schemes: [], stateful: true },
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
  },
  { kind: "Grafana", serviceName: "grafana", image: /(^|\/)grafana(:|$)/, ports: [], schemes: [], stateful: true },
  { kind: "Loki", serviceName: "loki", image: /(^|\/)loki(:|$)/, ports: [3100], schemes: [], stateful: true },
  {
    kind: "Jaeger",
    serviceName: "jaeger",
    image: /(^|\/)(jaeger|all-in-one)(:|$)/,
    ports: [16686, 14268],
    schemes: [],
    stateful: false,
  },
  {
    kind: "OpenTelemetry Collector",
    serviceName: "otel-collector",
    image: /(^|\/)opentelemetry-collector[-\w]*(:|$)/,
    ports: [4317, 4318],
    schemes: [],
    stateful: false,
  },
  { kind: "Ollama", serviceName: "ollama", image: /(^|\/)ollama(:|$)/, ports: [11434], schemes: [], stateful: true },
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
