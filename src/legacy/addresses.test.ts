import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type AddressContext, rewriteText } from "./addresses.ts";
import { defaultClasses, importLegacy } from "./import.ts";
import { InputError, type LegacyFile } from "./model.ts";
import { textReport } from "./report.ts";

const ctx = (over: Partial<AddressContext> = {}): AddressContext => ({
  self: { name: "caller", machine: "mainpc" },
  owners: [
    { name: "system-digital-twin", machine: "mainpc", ports: [7120, 8120] },
    { name: "memory-hub", machine: "pc2", ports: [7140] },
    { name: "twin-pc2", machine: "pc2", ports: [7120] },
    { name: "caller", machine: "mainpc", ports: [5000] },
    { name: "redis", machine: "mainpc", ports: [6379], infrastructure: "Redis" },
  ],
  machines: ["mainpc", "pc2"],
  ...over,
});

describe("rewriteText", () => {
  it("points localhost at the agent of its own machine that listens on the port", () => {
    expect(rewriteText("localhost:7120", ctx())).toMatchObject({
      value: "system-digital-twin:7120",
      changes: [{ from: "localhost:7120", to: "system-digital-twin:7120", target: "system-digital-twin" }],
    });
    // The same port on pc2 is pc2's agent for an agent of pc2.
    expect(rewriteText("tcp://127.0.0.1:7120", ctx({ self: { name: "x", machine: "pc2" } })).value).toBe(
      "tcp://twin-pc2:7120",
    );
  });

  it("reads Docker's and Podman's names for the PC a container runs on as its own machine", () => {
    // Before, host.docker.internal:7120 was left as it was, and said nothing.
    expect(rewriteText("http://host.docker.internal:7120/api", ctx()).value).toBe(
      "http://system-digital-twin:7120/api",
    );
    expect(rewriteText("redis://gateway.docker.internal:6379/0", ctx()).value).toBe("redis://redis:6379/0");
    expect(rewriteText("host.containers.internal:7120", ctx({ self: { name: "x", machine: "pc2" } })).value).toBe(
      "twin-pc2:7120",
    );
    expect(rewriteText("http://host.docker.internal:9999", ctx())).toMatchObject({
      value: "http://host.docker.internal:9999",
      left: [{ why: "no imported agent or known infrastructure listens on 9999" }],
    });
    // A longer name is someone else's.
    expect(rewriteText("http://host.docker.internal.example.com:7120", ctx()).value).toBe(
      "http://host.docker.internal.example.com:7120",
    );
  });

  it("points the other PC's address, by IP or by name, at the agent that listens there", () => {
    expect(rewriteText("http://192.168.1.20:7140/api", ctx()).value).toBe("http://memory-hub:7140/api");
    expect(rewriteText("pc2:7120", ctx()).value).toBe("twin-pc2:7120");
  });

  it("rewrites URLs with schemes and paths, several in one value, and leaves bind addresses", () => {
    expect(rewriteText("redis://localhost:6379/0", ctx()).value).toBe("redis://redis:6379/0");
    expect(rewriteText("primary=tcp://localhost:7120,backup=tcp://localhost:7140", ctx()).value).toBe(
      "primary=tcp://system-digital-twin:7120,backup=tcp://memory-hub:7140",
    );
    for (const bind of ["tcp://*:5560", "0.0.0.0:8000", "http://0.0.0.0:5000"]) {
      expect(rewriteText(bind, ctx())).toMatchObject({ value: bind, changes: [], left: [] });
    }
  });

  it("uses the container's port behind a port compose published on the PC", () => {
    const owners = [{ name: "llm", machine: "mainpc", ports: [18000, 8000], publishedAs: new Map([[18000, 8000]]) }];
    expect(rewriteText("http://localhost:18000/v1", ctx({ owners })).value).toBe("http://llm:8000/v1");
  });

  it("keeps localhost for an agent's own port", () => {
    expect(rewriteText("http://localhost:5000/health", ctx())).toMatchObject({
      value: "http://localhost:5000/health",
      changes: [],
      left: [],
    });
  });

  it("leaves, and says why, a port no one listens on or one that two agents do", () => {
    const none = rewriteText("localhost:9999", ctx());
    expect(none).toMatchObject({ value: "localhost:9999", changes: [] });
    expect(none.left[0]?.why).toMatch(/no imported agent or known infrastructure listens on 9999/);
    const two = rewriteText(
      "localhost:7000",
      ctx({
        owners: [
          { name: "a", machine: "mainpc", ports: [7000] },
          { name: "b", machine: "mainpc", ports: [7000] },
        ],
      }),
    );
    expect(two.left[0]?.why).toMatch(/a, b all listen on 7000/);
  });

  it("names well-known infrastructure that nothing defines by its conventional name, and says it is missing", () => {
    const r = rewriteText("nats://localhost:4222", ctx());
    expect(r.value).toBe("nats://nats:4222");
    expect(r.missing.map((k) => k.kind)).toEqual(["NATS"]);
    expect(rewriteText("postgresql://localhost/app", ctx()).value).toBe("postgresql://postgres/app");
  });

  it("never writes out a password in a URL, whatever its host", () => {
    const local = rewriteText("redis://:s3cret@localhost:6379/0", ctx());
    expect(local).toMatchObject({ value: "redis://redis:6379/0", credentials: true });
    const remote = rewriteText("postgres://app:hunter2@db.example.com:5432/app", ctx());
    expect(remote.value).toBe("postgres://db.example.com:5432/app");
    expect(remote.credentials).toBe(true);
    expect(rewriteText("http://user@localhost:7120", ctx()).value).toBe("http://user@system-digital-twin:7120");
  });

  it("reads a bare host by the port beside it or by its name", () => {
    expect(rewriteText("localhost", ctx(), { name: "config.twin.host", siblingPort: 7120 }).value).toBe(
      "system-digital-twin",
    );
    expect(rewriteText("localhost", ctx(), { name: "REDIS_HOST" }).value).toBe("redis");
    // Not under a host's name, a word is a word: environment: pc2 stays.
    expect(rewriteText("pc2", ctx(), { name: "config.environment", siblingPort: 7120 })).toMatchObject({
      value: "pc2",
      changes: [],
      left: [],
    });
    expect(rewriteText("localhost", ctx(), { name: "config.cache.host" }).left[0]?.why).toMatch(/no port beside it/);
  });
});

describe("where an agent itself listens", () => {
  it("moves a host beside its own port off localhost to every address", () => {
    expect(rewriteText("127.0.0.1", ctx(), { name: "config.server.host", siblingPort: 5000 })).toMatchObject({
      value: "0.0.0.0",
      changes: [],
      left: [],
      listens: [{ from: "127.0.0.1", to: "0.0.0.0" }],
    });
  });

  it("moves a value whose name says it is a listen address off localhost and a PC's address, keeping its port", () => {
    expect(rewriteText("localhost", ctx(), { name: "config.bind" }).value).toBe("0.0.0.0");
    expect(rewriteText("192.168.1.10", ctx(), { name: "BIND_HOST" }).value).toBe("0.0.0.0");
    expect(rewriteText("mainpc:8000", ctx(), { name: "config.server.listenAddr" }).value).toBe("0.0.0.0:8000");
    expect(rewriteText("tcp://127.0.0.1:5560", ctx(), { name: "config.zmq.bind_address" })).toMatchObject({
      value: "tcp://0.0.0.0:5560",
      changes: [],
      listens: [{ from: "tcp://127.0.0.1:5560", to: "tcp://0.0.0.0:5560" }],
    });
  });

  it("leaves its calls to itself, names that only look alike, and addresses that already listen everywhere", () => {
    expect(rewriteText("http://localhost:5000/health", ctx(), { name: "config.health_url" })).toMatchObject({
      value: "http://localhost:5000/health",
      listens: [],
    });
    expect(rewriteText("tcp://localhost:7120", ctx(), { name: "config.listen_to" })).toMatchObject({
      value: "tcp://system-digital-twin:7120",
      listens: [],
    });
    for (const bind of ["0.0.0.0", "tcp://*:5560", "tcp://0.0.0.0:5560"])
      expect(rewriteText(bind, ctx(), { name: "config.bind" })).toMatchObject({ value: bind, listens: [] });
  });
});

const run = (files: LegacyFile[], opts: { keepAddresses?: boolean } = {}) =>
  importLegacy(files, { namespace: "agents", classes: defaultClasses, ...opts });
/** The import of one compose file of mainpc's. */
const runCompose = (text: string) => run([{ path: "mainpc-docker-compose.yml", text }]);
const spec = (result: ReturnType<typeof run>, name: string) =>
  (
    parseAllDocuments(result.files.get(`${name}.yaml`) ?? "")[0]?.toJS() as
      | { spec: Record<string, unknown> }
      | undefined
  )?.spec;

const mainpc = `agent_groups:
  core:
    SystemDigitalTwin:
      script_path: twin.py
      port: 7120
      health_check_port: 8120
      config:
        redis: {host: localhost, port: 6379, db: 0}
        cache_url: "\${CACHE_URL:-redis://:pw@localhost:6379/1}"
    Caller:
      script_path: caller.py
      port: 7200
      config:
        upstream:
          twin: "tcp://localhost:7120"
          hubs: ["http://192.168.1.20:7140/api", "http://localhost:9999"]
        pub_address: "tcp://*:7200"
        events: nats://localhost:4222
      env:
        PC2_IP: 192.168.1.20
        TWIN_URL: http://localhost:7120
`;
const pc2 = `agents:
  - {name: MemoryHub, script_path: hub.py, port: 7140, config: {twin: "mainpc:7120"}}
`;
const compose = `services:
  redis:
    image: redis:7-alpine
    ports: ["6379:6379"]
    volumes: [redis_data:/data]
    healthcheck: {test: [CMD, redis-cli, ping]}
volumes: {redis_data: {}}
`;
const fleet = (): LegacyFile[] => [
  { path: "mainpc_startup_config.yaml", text: mainpc },
  { path: "pc2_startup_config.yaml", text: pc2 },
  { path: "mainpc-docker-compose.yml", text: compose },
];

/** An agent that listens on its PC's loopback and LAN addresses, which no pod has. */
const listeningOnItsPc: LegacyFile[] = [
  {
    path: "mainpc_startup_config.yaml",
    text: `agent_groups:
  speech:
    Transcriber:
      script_path: stt.py
      port: 7300
      config:
        server: {host: 127.0.0.1, port: 7300}
        zmq_bind: "tcp://localhost:7301"
        health_url: http://localhost:7300/health
      env:
        BIND_HOST: 192.168.1.10
`,
  },
];

describe("importing with addresses rewritten", () => {
  it("keeps on an agent's Service only the ports it listens on, not the ones it reaches", () => {
    const result = run(fleet());
    expect(((spec(result, "system-digital-twin")?.ports ?? []) as { port: number }[]).map((p) => p.port)).toEqual([
      7120, 8120,
    ]);
  });

  it("rewrites nested config and environment, drops the other PC's address, and reports each with file:line", () => {
    const result = run(fleet());
    const caller = spec(result, "caller");
    expect(caller?.config).toEqual({
      upstream: {
        twin: "tcp://system-digital-twin:7120",
        hubs: ["http://memory-hub:7140/api", "http://localhost:9999"],
      },
      pub_address: "tcp://*:7200",
      events: "nats://nats:4222",
    });
    expect(caller?.env).toEqual([{ name: "TWIN_URL", value: "http://system-digital-twin:7120" }]);
    expect(spec(result, "system-digital-twin")?.config).toEqual({
      redis: { host: "redis", port: 6379, db: 0 },
      cache_url: "redis://redis:6379/1",
    });
    expect(spec(result, "memory-hub")?.config).toEqual({ twin: "system-digital-twin:7120" });
    const { rewrites } = result.report.addresses;
    expect(rewrites).toContainEqual({
      agent: "Caller",
      source: "mainpc_startup_config.yaml:15",
      path: "config.upstream.twin",
      from: "tcp://localhost:7120",
      to: "tcp://system-digital-twin:7120",
    });
    expect(rewrites).toContainEqual(
      expect.objectContaining({ agent: "Caller", path: "env.PC2_IP", from: "192.168.1.20", to: null }),
    );
    expect(result.report.addresses).toMatchObject({ rewritten: 7, dropped: 1, left: 1 });
    // Each agent depends on what it now reaches, so its NetworkPolicy lets it in.
    expect(spec(result, "caller")?.dependencies).toEqual(["system-digital-twin", "memory-hub"]);
    expect(spec(result, "system-digital-twin")?.dependencies).toEqual(["redis"]);
  });

  it("reports what it left, the password it left out, and the infrastructure the fleet needs", () => {
    const { report } = run(fleet());
    const messages = (kind: string) => report.findings.filter((f) => f.kind === kind).map((f) => f.message);
    expect(messages("hardcoded-address")).toEqual([
      expect.stringMatching(/^http:\/\/localhost:9999 in Caller's config\.upstream\.hubs\[1\] is left as it is/),
    ]);
    expect(messages("secret").join("\n")).toMatch(/SystemDigitalTwin's config\.cache_url held a URL with a password/);
    expect(JSON.stringify(report)).not.toContain(":pw@");
    expect(messages("infrastructure-missing")).toEqual([
      expect.stringMatching(/^NATS is needed by 1 agent \(caller\) and no file defines it/),
    ]);
    expect(report.infrastructure).toEqual([
      { name: "redis", kind: "Redis", definedAt: "mainpc-docker-compose.yml:2", neededBy: ["system-digital-twin"] },
      { name: "nats", kind: "NATS", definedAt: null, neededBy: ["caller"] },
    ]);
  });

  it("imports infrastructure a compose file defines with a TCP probe and a claim for its data", () => {
    const result = run(fleet());
    const docs = parseAllDocuments(result.files.get("redis.yaml") ?? "").map((d) => d.toJS());
    expect(docs[0].spec).toMatchObject({
      image: "redis:7-alpine",
      ports: [{ name: "tcp-6379", port: 6379 }],
      healthCheck: { port: "tcp-6379", tcp: true },
      volumes: [{ name: "redis-data", mountPath: "/data", persistentVolumeClaim: { claimName: "redis-redis-data" } }],
    });
    expect(docs[1]).toMatchObject({
      kind: "PersistentVolumeClaim",
      metadata: { name: "redis-redis-data", namespace: "agents" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    expect(result.report.findings.find((f) => f.kind === "infrastructure-stateful")?.message).toMatch(
      /redis \(Redis\) keeps data: imported with a PersistentVolumeClaim for \/data/,
    );
  });

  it("gives infrastructure a place to write where compose's container layer held it, on the pod's read-only root", () => {
    const result = runCompose(`services:
  grafana:
    image: grafana/grafana:11.1.0
  grafana-files:
    image: grafana/grafana:11.1.0
    environment: [GF_LOG_MODE=file]
    volumes: ["dashboards:/var/lib/grafana"]
  db:
    image: postgres:16
    volumes: ["pgdata:/var/lib/postgresql/data"]
`);
    expect(spec(result, "grafana")).toMatchObject({
      volumes: [{ name: "var-lib-grafana", mountPath: "/var/lib/grafana", emptyDir: {} }],
      env: [{ name: "GF_LOG_MODE", value: "console" }],
    });
    // Its own volume and its own setting are kept as they are.
    expect(spec(result, "grafana-files")).toMatchObject({
      volumes: [{ mountPath: "/var/lib/grafana", persistentVolumeClaim: { claimName: "grafana-files-dashboards" } }],
      env: [{ name: "GF_LOG_MODE", value: "file" }],
    });
    expect(spec(result, "db")).toMatchObject({
      volumes: [
        { mountPath: "/var/lib/postgresql/data", persistentVolumeClaim: { claimName: "db-pgdata" } },
        { name: "var-run-postgresql", mountPath: "/var/run/postgresql", emptyDir: {} },
      ],
      env: [{ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
    });
    const stateful = result.report.findings.filter((f) => f.kind === "infrastructure-stateful");
    expect(stateful.map((f) => [f.agents[0], f.severity, f.message])).toEqual([
      [
        "grafana",
        "warning",
        expect.stringMatching(
          /^grafana \(Grafana\) keeps data: where its image writes \(\/var\/lib\/grafana\), its compose service mounts nothing: it is given an emptyDir there.*lost with the pod.*It is given GF_LOG_MODE=console/,
        ),
      ],
      ["grafana-files", "info", expect.not.stringMatching(/emptyDir|GF_LOG_MODE/)],
      [
        "db",
        "info",
        expect.stringMatching(
          /PersistentVolumeClaim for \/var\/lib\/postgresql\/data .*Where else its image writes \(\/var\/run\/postgresql\).*PGDATA=\/var\/lib\/postgresql\/data\/pgdata/,
        ),
      ],
    ]);
    // Scratch space it was given is no compose volume of its own.
    expect(result.report.findings.filter((f) => f.kind === "data-volume")).toEqual([]);
  });

  it("warns that an image whose writes it does not know may not start on a read-only root, and leaves quiet what writes nothing", () => {
    const result = runCompose(`services:
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.13.0
    volumes: ["esdata:/usr/share/elasticsearch/data"]
  blobs:
    image: minio/minio:RELEASE.2024-01-01T00-00-00Z
    command: server /data
  bus:
    image: nats:2.10
  cache:
    image: memcached:1.6
`);
    const stateful = result.report.findings.filter((f) => f.kind === "infrastructure-stateful");
    expect(stateful.map((f) => [f.agents[0], f.severity, f.message])).toEqual([
      [
        "search",
        "warning",
        expect.stringMatching(
          /PersistentVolumeClaim for \/usr\/share\/elasticsearch\/data .*Where else its image writes is not known to the import, and a pod's root file system is read-only and it runs as uid 1000: if it stops with "Read-only file system" or "permission denied", give it an emptyDir in spec\.volumes at that path/,
        ),
      ],
      [
        "blobs",
        "warning",
        expect.stringMatching(
          /mounts no volume, so its data is lost with the pod.*Where its image writes is not known/,
        ),
      ],
    ]);
    // Nothing was guessed into their pods.
    expect(spec(result, "search")?.volumes).toHaveLength(1);
    expect(spec(result, "blobs")?.volumes).toBeUndefined();
  });

  it("gives an image that keeps its data in root's home (Ollama) a home uid 1000 can enter, and moves its volume there", () => {
    const result = runCompose(`services:
  ollama:
    image: ollama/ollama:0.5.7
    volumes: ["models:/root/.ollama"]
  ollama-bare:
    image: ollama/ollama:0.5.7
  ollama-own-home:
    image: ollama/ollama:0.5.7
    environment: [HOME=/root]
    volumes: ["models2:/root/.ollama"]
`);
    expect(spec(result, "ollama")).toMatchObject({
      volumes: [{ mountPath: "/home/ollama/.ollama", persistentVolumeClaim: { claimName: "ollama-models" } }],
      env: [{ name: "HOME", value: "/home/ollama" }],
    });
    expect(spec(result, "ollama-bare")).toMatchObject({
      volumes: [{ mountPath: "/home/ollama/.ollama", emptyDir: {} }],
      env: [{ name: "HOME", value: "/home/ollama" }],
    });
    // A home it sets itself is its own choice: nothing moves.
    expect(spec(result, "ollama-own-home")).toMatchObject({
      volumes: [{ mountPath: "/root/.ollama" }],
      env: [{ name: "HOME", value: "/root" }],
    });
    const said = (agent: string) =>
      result.report.findings.find((f) => f.kind === "infrastructure-stateful" && f.agents[0] === agent)?.message;
    expect(said("ollama")).toContain(
      "its volumes are mounted under the home it is given instead (/root/.ollama → /home/ollama/.ollama)",
    );
    expect(said("ollama-own-home")).not.toContain("instead");
    expect(result.report.findings.filter((f) => f.kind === "data-volume")).toEqual([]);
  });

  it("has an agent listen on 0.0.0.0 where it listened on localhost, and says so with file:line", () => {
    const result = run(listeningOnItsPc);
    expect(spec(result, "transcriber")?.config).toEqual({
      server: { host: "0.0.0.0", port: 7300 },
      zmq_bind: "tcp://0.0.0.0:7301",
      health_url: "http://localhost:7300/health",
    });
    // A PC's address as where it listens is moved, not dropped as the other PC's address would be.
    expect(spec(result, "transcriber")?.env).toEqual([{ name: "BIND_HOST", value: "0.0.0.0" }]);
    const listens = result.report.findings.filter((f) => f.kind === "listen-address");
    expect(listens.map((f) => [f.source, f.message])).toEqual([
      [
        "mainpc_startup_config.yaml:7",
        expect.stringMatching(
          /^Transcriber listened on 127\.0\.0\.1 \(config\.server\.host\).* It now listens on 0\.0\.0\.0;/,
        ),
      ],
      [
        "mainpc_startup_config.yaml:8",
        expect.stringMatching(/^Transcriber listened on tcp:\/\/localhost:7301 \(config\.zmq_bind\)/),
      ],
      [
        "mainpc_startup_config.yaml:11",
        expect.stringMatching(/^Transcriber listened on 192\.168\.1\.10 \(env\.BIND_HOST\)/),
      ],
    ]);
    expect(result.report.addresses.rewrites).toContainEqual({
      agent: "Transcriber",
      source: "mainpc_startup_config.yaml:7",
      path: "config.server.host",
      from: "127.0.0.1",
      to: "0.0.0.0",
      listen: true,
    });
    // Nothing it reaches was rewritten, and nothing was left.
    expect(
      result.report.findings.filter((f) => f.kind === "address-rewritten" || f.kind === "hardcoded-address"),
    ).toEqual([]);
    expect(textReport(result.report, "")).toContain(
      "Transcriber config.zmq_bind: tcp://localhost:7301 → tcp://0.0.0.0:7301 (where it listens)",
    );
  });

  it("reads a host variable by the port variable of its stem: HOST beside PORT, REDIS_HOST beside REDIS_PORT", () => {
    const result = run([
      {
        path: "mainpc_startup_config.yaml",
        text: `agent_groups:
  web:
    Gateway:
      script_path: gateway.py
      port: 8080
      env:
        HOST: 127.0.0.1
        PORT: "8080"
        REDIS_HOST: localhost
        REDIS_PORT: "6379"
        CACHE_HOST: localhost
`,
      },
    ]);
    expect(spec(result, "gateway")?.env).toEqual([
      { name: "HOST", value: "0.0.0.0" },
      { name: "PORT", value: "8080" },
      { name: "REDIS_HOST", value: "redis" },
      { name: "REDIS_PORT", value: "6379" },
      { name: "CACHE_HOST", value: "localhost" },
    ]);
    // A host with no port of its stem, and a name that says not what it is, is left and reported.
    const left = result.report.findings.filter((f) => f.kind === "hardcoded-address").map((f) => f.message);
    expect(left).toEqual([expect.stringMatching(/^localhost in Gateway's env\.CACHE_HOST is left as it is/)]);
  });

  it("leaves every address as it was with --keep-addresses, and says so as before", () => {
    const result = run(fleet(), { keepAddresses: true });
    expect((spec(result, "caller")?.config as { upstream: { twin: string } } | undefined)?.upstream.twin).toBe(
      "tcp://localhost:7120",
    );
    expect(result.report.addresses).toEqual({ rewritten: 0, dropped: 0, left: 0, rewrites: [] });
    expect(result.report.findings.filter((f) => f.kind === "hardcoded-address").length).toBeGreaterThan(2);
  });

  it("warns, with --keep-addresses, of an agent left listening where its Service cannot reach it", () => {
    const result = run(listeningOnItsPc, { keepAddresses: true });
    expect(spec(result, "transcriber")?.config).toMatchObject({ server: { host: "127.0.0.1", port: 7300 } });
    const listens = result.report.findings.filter((f) => f.kind === "listen-address");
    expect(listens.map((f) => [f.severity, f.source])).toEqual([
      ["warning", "mainpc_startup_config.yaml:7"],
      ["warning", "mainpc_startup_config.yaml:8"],
      ["warning", "mainpc_startup_config.yaml:11"],
    ]);
    expect(listens[0]?.message).toMatch(
      /^Transcriber listens on 127\.0\.0\.1 \(config\.server\.host\).* cannot reach it\. --keep-addresses leaves it as it is: make it listen on 0\.0\.0\.0/,
    );
    // Said once: not again as a hardcoded address.
    const hardcoded = result.report.findings.filter((f) => f.kind === "hardcoded-address").map((f) => f.message);
    expect(hardcoded.join("\n")).not.toContain("7301");
    // Its own health URL is right in its pod: nothing to report.
    expect(hardcoded.join("\n")).not.toContain("7300/health");
  });
});

describe("addresses by a compose service's name", () => {
  const language = `services:
  redis_language:
    image: redis:7.2-alpine
    ports: ["6385:6379"]
  nats_language:
    image: nats:2.10
    networks: {language_net: {aliases: [language-bus]}}
  hub:
    image: cascade/hub:1
    container_name: memory_hub
    expose: ["7140"]
  translator:
    image: cascade/translator:1
    environment:
      REDIS_URL: redis://redis_language:6379/0
      CACHE_URL: redis://redis_language:6385/1
      BUS: nats://language-bus:4222
      HUB_URL: http://memory_hub:7140/api
      HUB_HOST: memory_hub
      PEER_URL: http://hub:9999
      SESSIONS: redis://redis_sessions:6379
      PYTORCH_CUDA_ALLOC_CONF: max_split_size_mb:128
`;
  const left = (result: ReturnType<typeof run>) =>
    result.report.findings.filter((f) => f.kind === "hardcoded-address").map((f) => f.message);

  it("names the Service where compose's name has an '_', or was a container_name or network alias", () => {
    const result = runCompose(language);
    // redis_language is no DNS name: in a pod the address would not resolve at all.
    expect(spec(result, "translator")?.env).toEqual(
      expect.arrayContaining([
        { name: "REDIS_URL", value: "redis://redis-language:6379/0" },
        // 6385 is the port redis_language published on its PC; its Service has the container's 6379.
        { name: "CACHE_URL", value: "redis://redis-language:6379/1" },
        { name: "BUS", value: "nats://nats-language:4222" },
        { name: "HUB_URL", value: "http://hub:7140/api" },
        { name: "HUB_HOST", value: "hub" },
        { name: "PYTORCH_CUDA_ALLOC_CONF", value: "max_split_size_mb:128" },
      ]),
    );
    // What it reaches, it depends on: it starts after them and their NetworkPolicies let it in.
    expect(spec(result, "translator")?.dependencies).toEqual(["redis-language", "nats-language", "hub"]);
    expect(result.report.infrastructure).toContainEqual(
      expect.objectContaining({ name: "redis-language", neededBy: ["translator"] }),
    );
  });

  it("says where a name's port is not one its Service has, or the name is no one's", () => {
    const result = runCompose(language);
    expect(left(result)).toEqual([
      expect.stringMatching(
        /^http:\/\/hub:9999 in translator's env\.PEER_URL is left as it is: hub declares port 7140, not 9999, and its Service has only the ports it declares: if it listens on 9999, add it to its spec\.ports$/,
      ),
      "redis_sessions is no name Kubernetes resolves ('_'), and no file given defines it; translator reaches it at redis://redis_sessions:6379, left as written: import the file that runs redis_sessions, or change that address to the Service that replaces it",
    ]);
  });

  it("says once per name that a name no file defines is reached, whatever number of files reach it", () => {
    // Each agent's own compose file reaches its stack's Redis, which the stack's file (not given) runs.
    const agentFile = (agent: string) => ({
      path: `docker/${agent}/docker-compose.yml`,
      machine: "mainpc",
      text: `services:\n  ${agent}:\n    image: cascade/${agent}:1\n    environment:\n      REDIS_URL: redis://redis_learning:6379/0\n      REGISTRY_URL: redis://redis_learning:6379/1\n`,
    });
    const result = run([agentFile("learning_manager"), agentFile("active_learning_monitor")]);
    expect(result.report.findings.filter((f) => f.kind === "hardcoded-address")).toEqual([
      expect.objectContaining({
        agents: ["active_learning_monitor", "learning_manager"],
        message:
          "redis_learning is no name Kubernetes resolves ('_'), and no file given defines it; 2 agents (active_learning_monitor, learning_manager) reach it at redis://redis_learning:6379, left as written: import the file that runs redis_learning, or change those 4 addresses to the Service that replaces it",
      }),
    ]);
  });

  it("makes an agent that binds its own compose name listen everywhere, and name itself by its Service", () => {
    const result = runCompose(`services:
  memory_hub:
    image: cascade/hub:1
    expose: ["7140"]
    environment:
      BIND_HOST: memory_hub
      ZMQ_BIND: tcp://memory_hub:7140
      ADVERTISE_HOST: memory_hub
`);
    // In a pod its own Service's name is an address it cannot bind, and memory_hub resolves nowhere.
    expect(spec(result, "memory-hub")?.env).toEqual([
      { name: "BIND_HOST", value: "0.0.0.0" },
      { name: "ZMQ_BIND", value: "tcp://0.0.0.0:7140" },
      { name: "ADVERTISE_HOST", value: "memory-hub" },
    ]);
    expect(spec(result, "memory-hub")).not.toHaveProperty("dependencies");
  });

  it("takes a name both PCs' compose files use to the one of the agent's own PC", () => {
    const redis = (agent: string) => `services:
  redis:
    image: redis:7
  ${agent}:
    image: cascade/${agent}:1
    environment: {REDIS_URL: "redis://redis:6379/0"}
`;
    const result = run([
      { path: "mainpc-docker-compose.yml", text: redis("planner") },
      { path: "pc2-docker-compose.yml", text: redis("dreamer") },
    ]);
    expect(spec(result, "planner")?.env).toEqual([{ name: "REDIS_URL", value: "redis://redis:6379/0" }]);
    expect(spec(result, "dreamer")?.env).toEqual([{ name: "REDIS_URL", value: "redis://redis-pc2:6379/0" }]);
    expect(spec(result, "dreamer")?.dependencies).toEqual(["redis-pc2"]);
  });

  it("prefers the agent's own PC's service to one of a file that names no machine", () => {
    const result = run([
      {
        path: "mainpc-docker-compose.yml",
        text: `services:
  redis: {image: "redis:7"}
  planner:
    image: cascade/planner:1
    environment: {REDIS_URL: "redis://redis:6379/0"}
`,
      },
      {
        path: "docker/extra/docker-compose.yml",
        text: `services:
  redis: {image: "redis:7"}
`,
      },
    ]);
    // The PC's keeps the plain name; the one of no machine is named for that.
    expect(result.report.agents.map((a) => `${a.name}@${a.machine || "none"}`)).toEqual(
      expect.arrayContaining(["redis@mainpc", "redis-unassigned@none"]),
    );
    expect(spec(result, "planner")?.env).toEqual([{ name: "REDIS_URL", value: "redis://redis:6379/0" }]);
    expect(spec(result, "planner")?.dependencies).toEqual(["redis"]);
  });
});

describe("the legacy shell's variables", () => {
  const file = (text: string): LegacyFile[] => [{ path: "mainpc_startup_config.yaml", text }];

  it("expands ${PWD} to the image's working directory, leaves $(VAR) of the agent's own env to Kubernetes, and reports the rest", () => {
    const result = run(
      file(`global_settings:
  environment:
    PYTHONPATH: \${PYTHONPATH}:\${PWD}/..
    DATA_DIR: /data
agents:
  A:
    script_path: a.py
    port: 1
    env:
      MODELS: \${DATA_DIR}/models
      VERSION_TAG: \${VERSION:-1.0}
      TOKEN_FILE: \${UNSET_DIR}/token
    config:
      cache: \${PWD}/cache
`),
    );
    expect(spec(result, "a")?.env).toEqual([
      { name: "PYTHONPATH", value: "/app/.." },
      { name: "DATA_DIR", value: "/data" },
      { name: "MODELS", value: "$(DATA_DIR)/models" },
      { name: "VERSION_TAG", value: "1.0" },
      { name: "TOKEN_FILE", value: "/token" },
    ]);
    expect(spec(result, "a")?.config).toEqual({ cache: "/app/cache" });
    const unresolved = result.report.findings.filter((f) => f.kind === "variable-unresolved");
    expect(unresolved.map((f) => [f.severity, f.message.split(" is set")[0]])).toEqual(
      expect.arrayContaining([
        ["warning", "${PYTHONPATH}"],
        ["warning", "${UNSET_DIR}"],
        ["info", "${VERSION}"],
      ]),
    );
    expect(unresolved.map((f) => f.message).join("\n")).not.toMatch(/PWD|DATA_DIR|PORT_OFFSET/);
  });

  it("never prints a default that is a secret", () => {
    const result = run(
      file(
        "agents:\n  A: {script_path: a.py, port: 1, env: {DB_PASSWORD: '${DB_PASSWORD:-hunter2}', URL: '${U:-redis://:pw@x:1}'}}\n",
      ),
    );
    const text = JSON.stringify(result.report);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain(":pw@");
  });

  it("expands compose's variables in command and entrypoint as Kubernetes would read them", () => {
    const result = runCompose(`services:
  api:
    image: cascade/api:1
    entrypoint: ["\${PWD}/run.sh"]
    command: serve --port \${API_PORT:-8000} --workers \${WORKERS} --token \${API_TOKEN:-letmein} --model \${MODEL} --cost $$5
    environment:
      MODEL: llama
`);
    expect(spec(result, "api")?.command).toEqual(["/app/run.sh"]);
    // $(MODEL) from its env and $(API_TOKEN) for a Secret to fill; the others' defaults, or nothing.
    expect(spec(result, "api")?.args).toEqual([
      ...["serve", "--port", "8000", "--workers", "", "--token", "$(API_TOKEN)"],
      ...["--model", "$(MODEL)", "--cost", "$5"],
    ]);
    expect([...result.files.values(), JSON.stringify(result.report)].join("\n")).not.toContain("letmein");
    const unresolved = result.report.findings.filter((f) => f.kind === "variable-unresolved");
    expect(unresolved.map((f) => f.message.split(" is set")[0])).toEqual(
      expect.arrayContaining(["${API_PORT}", "${WORKERS}", "${API_TOKEN}"]),
    );
    expect(unresolved.find((f) => f.message.startsWith("${API_TOKEN}"))?.message).toMatch(
      /it stays \$\(API_TOKEN\) for Kubernetes to fill\. Give API_TOKEN .* from a Secret, through spec\.secretEnv/,
    );
  });
});

describe("compose, as kompose reads it and what it drops", () => {
  const compose = (text: string) => run([{ path: "mainpc-docker-compose.yml", text }]);

  it("maps deploy.resources, command and entrypoint, HTTP and TCP healthchecks, and GPU reservations", () => {
    const result = compose(`services:
  llm:
    image: cascade/llm:1
    entrypoint: [python, -m, llm]
    command: [--port, "8000"]
    ports: ["18000:8000"]
    healthcheck: {test: ["CMD-SHELL", "wget -qO- http://localhost:8000/ready || exit 1"]}
    deploy:
      resources:
        limits: {cpus: "2", memory: 8G}
        reservations:
          cpus: "0.5"
          memory: 2G
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
  queue:
    image: cascade/queue:1
    expose: ["5555"]
    healthcheck: {test: ["CMD", "nc", "-z", "localhost", "5555"]}
  odd:
    image: cascade/odd:1
    expose: ["7000"]
    healthcheck: {test: ["CMD", "python", "check.py"]}
`);
    expect(spec(result, "llm")).toMatchObject({
      command: ["python", "-m", "llm"],
      args: ["--port", "8000"],
      ports: [{ name: "tcp-8000", port: 8000 }],
      healthCheck: { port: "tcp-8000", path: "/ready" },
      resources: { requests: { cpu: "0.5", memory: "2Gi" }, limits: { cpu: "2", memory: "8Gi" } },
      gpu: { class: "rtx-4090" },
    });
    expect(spec(result, "queue")?.healthCheck).toEqual({ port: "tcp-5555", tcp: true });
    expect(spec(result, "odd")?.healthCheck).toBeUndefined();
    expect(result.report.findings.find((f) => f.kind === "healthcheck-dropped")?.message).toMatch(
      /^odd's healthcheck \(python check\.py\) is neither an HTTP GET nor a TCP connect/,
    );
  });

  it("gives shared infrastructure with neither ports nor expose the port its image listens on", () => {
    // On compose's network, memory reached redis:6379 though redis published nothing.
    const result = compose(`services:
  redis:
    image: redis:7-alpine
    healthcheck: {test: ["CMD", "redis-cli", "ping"]}
  memory:
    image: cascade/memory:1
    environment: {REDIS_URL: "redis://redis:6379/0"}
    depends_on: [redis]
`);
    expect(spec(result, "redis")).toMatchObject({
      ports: [{ name: "tcp-6379", port: 6379 }],
      healthCheck: { port: "tcp-6379", tcp: true },
    });
    expect(spec(result, "memory")?.env).toContainEqual({ name: "REDIS_URL", value: "redis://redis:6379/0" });
    expect(result.report.findings.filter((f) => f.kind === "healthcheck-dropped")).toEqual([]);
  });

  it("gives a service's Service the ports its command line binds, beside the ones its image listens on", () => {
    // A NATS cluster: each node reaches the others on the cluster port only its command names.
    const node = (n: number, peers: number[]) => `  nats-${n}:
    image: nats:2.10
    command: ["-p", "4222", "-cluster", "nats://0.0.0.0:6222", "-routes", "${peers.map((p) => `nats://nats-${p}:6222`).join(",")}"]
`;
    const result = compose(`services:\n${node(1, [2])}${node(2, [1])}  api:
    image: cascade/api:1
    command: [gunicorn, --bind=0.0.0.0:8000, app:app]
`);
    expect(spec(result, "nats-2")?.ports).toEqual([
      { name: "tcp-4222", port: 4222, protocol: "TCP" },
      { name: "tcp-6222", port: 6222, protocol: "TCP" },
    ]);
    expect(spec(result, "api")?.ports).toEqual([{ name: "tcp-8000", port: 8000, protocol: "TCP" }]);
    expect(result.report.findings.filter((f) => f.kind === "hardcoded-address")).toEqual([]);
    expect(spec(result, "nats-1")?.dependencies).toEqual(["nats-2"]);
  });

  it("reads compose's older service-level cpus, mem_limit and mem_reservation where deploy.resources says nothing", () => {
    const result = compose(`services:
  planner:
    image: cascade/planner:1
    mem_limit: 2048m
    mem_reservation: \${PLANNER_MEMORY:-512m}
    cpus: 1.5
  llm:
    image: cascade/llm:1
    mem_limit: 1g
    deploy: {resources: {limits: {memory: 8G}}}
`);
    expect(spec(result, "planner")?.resources).toEqual({
      requests: { memory: "512Mi" },
      limits: { cpu: "1.5", memory: "2048Mi" },
    });
    // deploy.resources wins, as in compose.
    expect(spec(result, "llm")?.resources).toEqual({ limits: { memory: "8Gi" } });
  });

  it("requests no more than a service's limit, which Kubernetes refuses, and says so", () => {
    const result = compose(`services:
  embedder:
    image: cascade/embedder:1
    deploy: {resources: {reservations: {cpus: "2", memory: 8g}, limits: {cpus: "1.5", memory: 4096m}}}
  reranker:
    image: cascade/reranker:1
    mem_reservation: 1536m
    mem_limit: 1.5g
    cpus: "0.5"
    deploy: {resources: {reservations: {cpus: "0.25"}}}
`);
    // Before, the manifest asked for 8Gi under a 4Gi limit, and its pods were refused.
    expect(spec(result, "embedder")?.resources).toEqual({
      requests: { cpu: "1.5", memory: "4096Mi" },
      limits: { cpu: "1.5", memory: "4096Mi" },
    });
    // 1536Mi is 1.5Gi: equal, not above; a request below its limit is kept.
    expect(spec(result, "reranker")?.resources).toEqual({
      requests: { cpu: "0.25", memory: "1536Mi" },
      limits: { cpu: "0.5", memory: "1.5Gi" },
    });
    expect(result.report.findings.filter((f) => f.kind === "resource-limits")).toEqual([
      expect.objectContaining({
        severity: "warning",
        agents: ["embedder"],
        source: "mainpc-docker-compose.yml:2",
        message: expect.stringContaining(
          "embedder reserves cpu 2 above its limit of 1.5, and memory 8Gi above its limit of 4096Mi: Kubernetes refuses a pod that requests more than its limit",
        ),
      }),
    ]);
  });

  it("mounts compose's secrets where the service read them, from legacy-secrets, and says which keys to create from which files", () => {
    const result = compose(`services:
  planner:
    image: cascade/planner:1
    secrets:
      - openai_api_key
      - {source: hf_token, target: hf}
secrets:
  openai_api_key: {file: ./secrets/openai_api_key}
  hf_token: {environment: HF_TOKEN}
`);
    expect(result.report.findings.filter((f) => f.kind === "secret")).toEqual([
      expect.objectContaining({
        severity: "warning",
        source: "mainpc-docker-compose.yml:5",
        message:
          "planner reads compose's 2 secrets as files: openai_api_key at /run/secrets/openai_api_key (from ./secrets/openai_api_key) and hf_token at /run/secrets/hf (from the variable HF_TOKEN). The manifest mounts them at the same paths, read-only, from the Secret legacy-secrets (planner.openai_api_key and planner.hf_token): create those keys with the files' contents (SECRETS TO CREATE), never in the manifests",
      }),
    ]);
    expect(spec(result, "planner")?.volumes).toEqual([
      {
        name: "secrets-run-secrets",
        mountPath: "/run/secrets",
        readOnly: true,
        secret: {
          secretName: "legacy-secrets",
          items: [
            { key: "planner.openai_api_key", path: "openai_api_key" },
            { key: "planner.hf_token", path: "hf" },
          ],
        },
      },
    ]);
    expect(result.report.secrets).toEqual([
      {
        secret: "legacy-secrets",
        key: "planner.openai_api_key",
        file: "/run/secrets/openai_api_key",
        fromFile: "secrets/openai_api_key",
        agent: "planner",
        source: "mainpc-docker-compose.yml:5",
      },
      {
        secret: "legacy-secrets",
        key: "planner.hf_token",
        file: "/run/secrets/hf",
        agent: "planner",
        source: "mainpc-docker-compose.yml:6",
      },
    ]);
    expect(textReport(result.report, "")).toContain(
      "  kubectl create secret generic legacy-secrets -n agents \\\n    --from-file=planner.openai_api_key=secrets/openai_api_key \\\n    --from-literal=planner.hf_token='…'\n",
    );
  });

  it("lists a key once in SECRETS TO CREATE when a service reads one secret from its environment and as a file", () => {
    const result = compose(`services:
  planner:
    image: cascade/planner:1
    environment: {OPENAI_API_KEY: "sk-abcdefghijklmnopqrstuvwx"}
    secrets: [OPENAI_API_KEY]
secrets:
  OPENAI_API_KEY: {file: ./openai}
`);
    expect(result.report.secrets.map((s) => s.key)).toEqual(["planner.OPENAI_API_KEY"]);
  });

  it("mounts a compose secret outside /run/secrets as one file beside the image's, and leaves out one no Secret can name", () => {
    const result = compose(`services:
  planner:
    image: cascade/planner:1
    secrets:
      - {source: gcp, target: "/etc/app/gcp key.json"}
      - {source: creds, target: /app/credentials.json}
      - hf_token
secrets:
  gcp: {file: ./gcp.json}
  creds: {file: ./creds.json}
  hf_token: {file: ./hf}
`);
    expect(spec(result, "planner")?.volumes).toEqual([
      {
        name: "secrets-run-secrets",
        mountPath: "/run/secrets",
        readOnly: true,
        secret: { secretName: "legacy-secrets", items: [{ key: "planner.hf_token", path: "hf_token" }] },
      },
      // compose mounted one file in /app, where the agent's code is: a volume at /app would hide it.
      {
        name: "secrets-app-credentials-json",
        mountPath: "/app/credentials.json",
        subPath: "credentials.json",
        readOnly: true,
        secret: { secretName: "legacy-secrets", items: [{ key: "planner.creds", path: "credentials.json" }] },
      },
    ]);
    expect(result.report.secrets.map((s) => s.key)).toEqual(["planner.creds", "planner.hf_token"]);
    expect(result.report.findings.find((f) => f.kind === "secret")?.message).toContain(
      "No Secret volume can give /etc/app/gcp key.json (a Secret gives a file a name of letters, digits, '-', '_' and '.' alone): it is not mounted",
    );
  });

  it("reads deploy.resources and replicas through their variables, as compose does; 0 or unset is no limit", () => {
    const result = compose(`services:
  llm:
    image: cascade/llm:1
    deploy:
      replicas: \${LLM_REPLICAS:-2}
      resources:
        limits: {cpus: '\${CPU_LIMIT:-2.0}', memory: '\${MEM_LIMIT:-8G}'}
        reservations: {cpus: "0", memory: "\${MEM_RESERVATION}"}
`);
    expect(spec(result, "llm")).toMatchObject({ replicas: 2, resources: { limits: { cpu: "2.0", memory: "8Gi" } } });
    expect(spec(result, "llm")?.resources).not.toHaveProperty("requests");
  });

  it("stops at a CPU or memory figure compose refuses too, naming the field and its line", () => {
    let error: unknown;
    try {
      compose(`services:
  llm:
    image: cascade/llm:1
    deploy:
      resources:
        limits:
          memory: \${MEM_LIMIT:-lots}
`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      'mainpc-docker-compose.yml:7:19: services.llm.deploy.resources.limits.memory is "${MEM_LIMIT:-lots}" ("lots" once its variables are replaced): compose takes a size such as 512m or 4g; fix or remove it',
    );
  });

  it("rewrites the addresses of command and entrypoint: a server bound to loopback listens everywhere, a flag's host finds its owner", () => {
    const result = compose(`services:
  api:
    image: cascade/api:1
    command: uvicorn app:app --host 127.0.0.1 --port 8000
    expose: ["8000"]
  worker:
    image: cascade/worker:1
    entrypoint: [python, worker.py, "--api-url=http://localhost:8000/v1"]
    command: [--redis-host, localhost, --redis-port, "6379", --bind, "127.0.0.1:9100", --mode, fast]
    expose: ["9100"]
  redis:
    image: redis:7-alpine
`);
    expect(spec(result, "api")?.args).toEqual(["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]);
    expect(spec(result, "worker")?.command).toEqual(["python", "worker.py", "--api-url=http://api:8000/v1"]);
    expect(spec(result, "worker")?.args).toEqual([
      ...["--redis-host", "redis", "--redis-port", "6379"],
      ...["--bind", "0.0.0.0:9100", "--mode", "fast"],
    ]);
    expect(result.report.addresses.rewrites).toContainEqual({
      agent: "worker",
      source: "mainpc-docker-compose.yml:6",
      path: "command[2]",
      from: "http://localhost:8000",
      to: "http://api:8000",
    });
    // What it now reaches lets it in: the worker depends on both.
    expect(spec(result, "worker")?.dependencies).toEqual(expect.arrayContaining(["api", "redis"]));
  });

  it("reads a shell's script as a command line of its own: its flags' hosts are rewritten, the rest is left as written", () => {
    const result = compose(`services:
  api:
    image: cascade/api:1
    entrypoint: [/bin/sh, -ec]
    command:
      - >-
        python app.py --host 127.0.0.1 --port 8000 --redis-host "localhost" --redis-port 6379
        && echo 'up; cache at localhost:6379' > /tmp/ready
    expose: ["8000"]
  worker:
    image: cascade/worker:1
    command: bash -c "exec worker --api=http://localhost:8000/v1 --log-host localhost --log-port 9999"
  redis:
    image: redis:7-alpine
`);
    expect(spec(result, "api")?.args).toEqual([
      `python app.py --host 0.0.0.0 --port 8000 --redis-host "redis" --redis-port 6379 && echo 'up; cache at redis:6379' > /tmp/ready`,
    ]);
    expect(spec(result, "worker")?.args).toEqual([
      "bash",
      "-c",
      "exec worker --api=http://api:8000/v1 --log-host localhost --log-port 9999",
    ]);
    const rewrites = result.report.addresses.rewrites.filter((r) => r.agent === "api");
    expect(rewrites.map((r) => [r.path, r.from, r.to, r.listen ?? false])).toEqual([
      ["args[0]", "127.0.0.1", "0.0.0.0", true],
      ["args[0]", "localhost", "redis", false],
      ["args[0]", "localhost:6379", "redis:6379", false],
    ]);
    // What nothing listens on is left as written, and said so.
    expect(result.report.findings.filter((f) => f.kind === "hardcoded-address").map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^localhost in worker's args\[2\] is left as it is: no imported agent or known infrastructure listens on 9999/,
      ),
    ]);
    expect(spec(result, "worker")?.dependencies).toEqual(["api"]);
  });

  it("turns named volumes into claims and anonymous ones into emptyDir, and says what to do with model directories and env files", () => {
    const result = compose(`services:
  worker:
    image: cascade/worker:1
    volumes: [work_data:/data, /scratch, ./models:/models:ro, {type: tmpfs, target: /tmp/cache}]
    env_file: [.env, {path: worker.env, required: false}]
volumes: {work_data: {}}
`);
    expect(spec(result, "worker")?.volumes).toEqual([
      { name: "work-data", mountPath: "/data", persistentVolumeClaim: { claimName: "worker-work-data" } },
      { name: "scratch", mountPath: "/scratch", emptyDir: {} },
      { name: "tmp-cache", mountPath: "/tmp/cache", emptyDir: { medium: "Memory" } },
    ]);
    const messages = (kind: string) => result.report.findings.filter((f) => f.kind === kind).map((f) => f.message);
    expect(messages("data-volume")[0]).toMatch(
      /work_data at \/data becomes a PersistentVolumeClaim.*\/scratch becomes an emptyDir/,
    );
    expect(messages("host-mount")[0]).toMatch(
      /mounts \.\/models at \/models:.*model files on one PC's disk.*PersistentVolumeClaim.*Pod Security level is privileged/,
    );
    expect(messages("env-file")).toEqual([
      expect.stringMatching(/^worker reads its environment from \.env, which is not imported/),
      // Optional (compose 2.24): compose ran the service without it where it was absent.
      expect.stringMatching(/^worker's env file worker\.env is optional \(required: false\) and was not read/),
    ]);
  });

  it("reads depends_on in all its forms, and links", () => {
    const result = compose(`services:
  a: {image: a:1, depends_on: [b]}
  b: {image: b:1, depends_on: {c: {condition: service_healthy}, gone: {condition: service_started, required: false}}}
  c: {image: c:1, links: ["d:dee"]}
  d: {image: d:1}
`);
    expect(spec(result, "a")?.dependencies).toEqual(["b"]);
    expect(spec(result, "b")?.dependencies).toEqual(["c"]);
    expect(spec(result, "c")?.dependencies).toEqual(["d"]);
    const missing = result.report.findings.filter((f) => f.kind === "missing-dependency");
    expect(missing).toEqual([expect.objectContaining({ severity: "warning", agents: ["b", "gone"] })]);
  });
});
