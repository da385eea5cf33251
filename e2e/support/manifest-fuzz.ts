// AgentDeployment manifests for property-based tests: a valid spec, or one with a mutation of any of
// its fields (wrong types, out of range, too long, unicode, unknown fields, empty and huge values,
// duplicates), as a person or a broken generator might write them.
import fc from "fast-check";

type Json = unknown;

const portName = fc.oneof(
  fc.constantFrom("http", "zmq", "health", "grpc", "metrics", "p1"),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
);
const validPorts = fc
  .uniqueArray(
    fc.record({ name: portName, port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom("TCP", "UDP") }),
    { minLength: 0, maxLength: 4, selector: (p) => p.name },
  )
  .chain((ports) =>
    // Sometimes a number taken twice, over the other protocol (SIP on 5060): a Service carries both.
    fc.boolean().map((twice) => {
      const first = ports[0];
      return twice && first && ports.length < 4 && !ports.some((p) => p.name === "other-proto")
        ? [...ports, { name: "other-proto", port: first.port, protocol: first.protocol === "TCP" ? "UDP" : "TCP" }]
        : ports;
    }),
  )
  .map((ports) => {
    // Each number once per protocol.
    const seen = new Set<string>();
    return ports.filter((p) => {
      if (seen.has(`${p.port}/${p.protocol}`)) return false;
      seen.add(`${p.port}/${p.protocol}`);
      return true;
    });
  });

const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/);

/** A spec the API server should accept. */
export const validSpec = fc
  .record({
    image: fc.constantFrom("cascade/agent:1.0", `registry.lan:5000/team/agent@sha256:${"a".repeat(64)}`, "busybox"),
    replicas: fc.integer({ min: 0, max: 3 }),
    ports: validPorts,
    env: fc.uniqueArray(fc.record({ name: envName, value: fc.string({ maxLength: 20 }) }), {
      maxLength: 3,
      selector: (e) => e.name,
    }),
    config: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })), {
      nil: undefined,
    }),
    // Beside what the image keeps in its directory, inside the scratch space, as JSON.
    configMountPath: fc.option(
      fc.constantFrom("/app/config.yaml", "/app/settings.json", "/tmp/agent.yaml", "/config.yaml"),
      { nil: undefined },
    ),
    terminationGracePeriodSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
    resources: fc.option(
      fc.constantFrom(
        { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: 1, memory: "1Gi" } },
        // Equal, however written.
        { requests: { cpu: 1, memory: "1536Mi" }, limits: { cpu: "1000m", memory: "1.5Gi" } },
        { limits: { memory: "2Gi" } },
      ),
      { nil: undefined },
    ),
    gpu: fc.option(
      fc.oneof(
        fc.record({
          class: fc.constantFrom("rtx-4090", "rtx-3060", "no-such-class"),
          vramMiB: fc.integer({ min: 1, max: 30_000 }),
        }),
        // A share of each card, as the import writes it: more on the larger fallback.
        fc.record({
          class: fc.constant("rtx-3060"),
          vramMiB: fc.integer({ min: 1, max: 12_000 }),
          fallbackClasses: fc.constant(["rtx-4090"]),
          overrides: fc.integer({ min: 1, max: 24_000 }).map((vramMiB) => [{ class: "rtx-4090", vramMiB }]),
        }),
      ),
      { nil: undefined },
    ),
    volumes: fc.option(
      fc.constantFrom(
        [{ name: "dshm", mountPath: "/dev/shm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } }],
        [{ name: "dshm", mountPath: "/dev/shm", emptyDir: { medium: "Memory" } }],
        [{ name: "scratch", mountPath: "/scratch", emptyDir: {} }],
        // In place of the agent's own scratch space.
        [{ name: "tmp", mountPath: "/tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }],
      ),
      { nil: undefined },
    ),
    required: fc.boolean(),
    priority: fc.integer({ min: -1000, max: 1000 }),
    dependencies: fc.uniqueArray(fc.constantFrom("hub", "stt", "tts", "ghost"), { maxLength: 2 }),
    startPolicy: fc.constantFrom("AfterDependencies", "Immediately"),
    podLabels: fc.option(
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}[a-z0-9]$/), fc.stringMatching(/^[a-z0-9]{0,10}$/), {
        maxKeys: 3,
      }),
      { nil: undefined },
    ),
  })
  .map((spec) => {
    const out: Record<string, Json> = { ...spec };
    for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
    const ports = spec.ports;
    if (ports.length && Math.abs(spec.priority) % 2 === 0) {
      out.healthCheck = {
        port: ports[0]?.name,
        path: "/health",
        ...(Math.abs(spec.priority) % 4 === 0 ? { timeoutSeconds: 1 + (Math.abs(spec.priority) % 60) } : {}),
      };
    }
    return out;
  });

/** Values that break a field: wrong type, out of range, too long, odd unicode, empty, huge. */
const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(
    null,
    "",
    " ",
    "0",
    "-1",
    "a--b",
    "A",
    "x".repeat(300),
    "😀",
    "ä",
    "\u0000",
    0,
    -1,
    65536,
    1e12,
    1.5,
    true,
    [],
    {},
    [1, 1],
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Where a mutation lands: a top-level field, a field of the first port or env var, or a new field. */
const mutationPaths = fc.constantFrom(
  ["image"],
  ["replicas"],
  ["ports"],
  ["ports", 0, "name"],
  ["ports", 0, "port"],
  ["ports", 0, "protocol"],
  ["env", 0, "name"],
  ["env", 0, "value"],
  ["secretEnv"],
  ["config"],
  ["configMountPath"],
  ["gpu"],
  ["gpu", "vramMiB"],
  ["gpu", "fallbackClasses"],
  ["dependencies"],
  ["startPolicy"],
  ["network"],
  ["volumes"],
  ["volumes", 0, "emptyDir", "medium"],
  ["gpu", "overrides"],
  ["podLabels"],
  ["podAnnotations"],
  ["healthCheck"],
  ["healthCheck", "timeoutSeconds"],
  ["resources"],
  ["resources", "requests", "memory"],
  ["terminationGracePeriodSeconds"],
  ["volumes", 0, "mountPath"],
  ["serviceAccountName"],
  ["unknownField"],
);

function setPath(obj: Record<string, Json>, path: readonly (string | number)[], value: Json): Record<string, Json> {
  const copy = structuredClone(obj) as Record<string, Json>;
  let at: Record<string | number, Json> = copy;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (next === null || typeof next !== "object") at[key] = typeof path[path.indexOf(key) + 1] === "number" ? [] : {};
    at = at[key] as Record<string | number, Json>;
  }
  at[path[path.length - 1] as string] = value;
  return copy;
}

/** A spec with one field broken, or (one time in four) left valid. */
export const mutatedSpec = fc.oneof(
  { weight: 1, arbitrary: validSpec },
  {
    weight: 3,
    arbitrary: fc.tuple(validSpec, mutationPaths, junk).map(([spec, path, value]) => setPath(spec, path, value)),
  },
);

/** A metadata.name: mostly valid, sometimes not. */
export const agentName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.constantFrom("1stt", "UPPER", "a".repeat(64), "with.dot", "-dash") },
);
