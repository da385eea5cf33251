// npm run bench -- --agents N [--change-seconds S] [--keep] [--cpu-prof] [--heap-snapshot] [--skip-ordered] [--skip-floor] [--node-flag F]...
// Rollout of N agents by the operator against the control plane's own floor (the same children
// applied directly), writes at steady state, change latency, memory and start time. Prints a table
// and writes bench/results/latest.json. Runs on a cluster of its own, agentfleet-bench.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { AgentDeployment } from "../src/api/agentdeployment.ts";
import type { GPUClass } from "../src/api/gpuclass.ts";
import { fieldManager } from "../src/api/group.ts";
import { loadConnection } from "../src/controller/connection.ts";
import { core, resourcePath } from "../src/controller/resources.ts";
import { KubeClient } from "../src/controller/rest.ts";
import { startDepth } from "../src/dependencies/graph.ts";
import type { Supply } from "../src/placement/plan.ts";
import { childKind } from "../src/reconcilers/child-kinds.ts";
import { agentDeploymentResource } from "../src/reconcilers/kinds.ts";
import { generateFleet, renderFleetChildren } from "./fleet-model.ts";
import { type ReadyWatch, watchReady } from "./ready-watch.ts";
import { statusChanges } from "./status-changes.ts";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "297" },
    "change-seconds": { type: "string", default: "60" },
    keep: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    // A heap snapshot of the operator once the first rollout is done, for `npm run bench:heap`.
    "heap-snapshot": { type: "boolean", default: false },
    // Leave out the rollout in dependency order (about a third of the time at 3,000 agents).
    "skip-ordered": { type: "boolean", default: false },
    // Leave out both floors: for trying the operator alone (its memory, its Node flags).
    "skip-floor": { type: "boolean", default: false },
    // Extra Node flags for the operator (repeatable), to weigh a heap setting against the shipped ones.
    "node-flag": { type: "string", multiple: true, default: [] },
  },
});
const agentsWanted = Number(values.agents);
const changeSeconds = Number(values["change-seconds"]);
process.env.AGENTFLEET_CLUSTER = "agentfleet-bench";
const cluster = await import("../hack/lib/cluster.ts");
const { kubeconfigPath, repoRoot } = await import("../hack/lib/paths.ts");
const { applyManifests, installCrds, sampleGpuClasses } = await import("../hack/lib/install.ts");
const { startOperator, sumOf, writesOf } = await import("../hack/lib/operator-process.ts");
type RunningOperator = import("../hack/lib/operator-process.ts").RunningOperator;
const topology = await import("../hack/lib/topology.ts");
const log = (msg: string) => process.stderr.write(`==> ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Enough simulated nodes to hold the fleet: GPU room per class, and pods per node.
function benchNodes(fleet: AgentDeployment[]) {
  const need = (cls: string) =>
    fleet.filter((a) => a.spec.gpu?.class === cls || a.spec.gpu?.fallbackClasses?.includes(cls));
  const nodes: ReturnType<typeof topology.simulatedNodes.slice> = [];
  for (const [cls, product, memoryMiB, replicas] of [
    ["rtx-4090", "NVIDIA-GeForce-RTX-4090", 24564, 16],
    ["rtx-3060", "NVIDIA-GeForce-RTX-3060", 12288, 8],
  ] as const) {
    const demand = need(cls);
    const vram = demand.reduce((s, a) => s + (a.spec.gpu?.vramMiB ?? 0), 0);
    const count = Math.max(Math.ceil(vram / (memoryMiB - 1024)), Math.ceil(demand.length / replicas)) + 1;
    for (let i = 0; i < count; i++) {
      nodes.push({
        name: `bench-${cls}-${i}`,
        cpu: "64",
        memory: "256Gi",
        pods: "250",
        gpu: { product, memoryMiB, family: "bench", computeMajor: 8, computeMinor: 6, count: 1, replicas },
      });
    }
  }
  const cpuNodes = Math.ceil((fleet.length * 1.2) / 250);
  for (let i = 0; i < cpuNodes; i++) {
    nodes.push({
      name: `bench-cpu-${i}`,
      cpu: "64",
      memory: "256Gi",
      pods: "250",
      gpu: { product: "none", memoryMiB: 0, family: "none", computeMajor: 0, computeMinor: 0, count: 0, replicas: 1 },
    });
  }
  return nodes;
}

async function inParallel<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs: number, everyMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The API server's own count of the writes it served, by verb and resource, and its CPU time (its /metrics). */
async function apiserverMetrics(): Promise<{ writes: Map<string, number>; cpuSeconds: number }> {
  const text = await cluster.kubectl(["get", "--raw", "/metrics"]);
  const counts = new Map<string, number>();
  let cpuSeconds = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("process_cpu_seconds_total ")) cpuSeconds = Number(line.split(" ").pop());
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!/^(CREATE|UPDATE|PATCH|APPLY|DELETE|DELETECOLLECTION)$/.test(labels.verb ?? "")) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(" ").pop()));
  }
  return { writes: counts, cpuSeconds };
}

/**
 * Waits until the API server uses under a fifth of a core over five seconds (idle, with 139
 * simulated nodes' heartbeats, it uses about 0.06), at most five minutes; says how long it waited. A
 * start measured while the control plane still worked through a rollout would measure that work
 * too. (It was written when a bench start at 3,000 agents took 11.4 s and starts over the kept,
 * quiet cluster 5.2 to 7.1 s; in the runs since, the control plane was quiet within five seconds.)
 */
/** The value at the p-th percentile, by nearest rank: p = 50 is the median. 0 for no values. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function controlPlaneQuiet(): Promise<number> {
  const began = performance.now();
  let before = (await apiserverMetrics()).cpuSeconds;
  while (performance.now() - began < 5 * 60_000) {
    await sleep(5000);
    const now = (await apiserverMetrics()).cpuSeconds;
    if (now - before < 0.2 * 5) break;
    before = now;
  }
  return (performance.now() - began) / 1000;
}

const delta = (after: Map<string, number>, before: Map<string, number>) =>
  new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0));

/** The operator's writes by kind, from its agentfleet_api_writes_total{resource}. */
function writesByKind(samples: Map<string, number>): {
  children: number;
  status: number;
  events: number;
  other: number;
} {
  const out = { children: 0, status: 0, events: 0, other: 0 };
  for (const [key, value] of samples) {
    const resource = /^agentfleet_api_writes_total\{.*resource="([^"]+)"/.exec(key)?.[1];
    if (!resource) continue;
    const kind = /^(deployments|services|configmaps|networkpolicies|poddisruptionbudgets)$/.test(resource)
      ? "children"
      : resource === "agentdeployments/status"
        ? "status"
        : resource === "events"
          ? "events"
          : "other";
    out[kind] += value;
  }
  return out;
}

/** Counts, largest first, and as text for the summary ("APPLY deployments 3010, …"). */
const byCount = (counts: ReadonlyMap<string, number>) => [...counts].sort((a, b) => b[1] - a[1]);
const listed = (entries: readonly (readonly [string, number])[]) => entries.map(([k, v]) => `${k} ${v}`).join(", ");

const perAgent = (w: ReturnType<typeof writesByKind>, n: number) =>
  Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Math.round((v / n) * 100) / 100])) as typeof w;

// Whatever happens (an error, Ctrl-C), the operator and the cluster this run started are stopped.
let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
let cleaned = false;
/** Asks the operator for a heap snapshot (it was started with --heapsnapshot-signal) and waits until written. */
async function heapSnapshot(running: RunningOperator, dir: string): Promise<string> {
  const existing = new Set(await readdir(dir));
  running.process.kill("SIGUSR2");
  let file: string | undefined;
  await waitFor(
    "the heap snapshot",
    async () => {
      file ??= (await readdir(dir)).find((f) => f.endsWith(".heapsnapshot") && !existing.has(f));
      // The process writes it synchronously: once it answers again, the file is whole.
      return (
        file !== undefined &&
        (await running.metrics().then(
          () => true,
          () => false,
        ))
      );
    },
    10 * 60_000,
  );
  return path.join(dir, file as string);
}

/** The watches that count what is Ready (ready-watch.ts), stopped with the rest. */
const readyWatches: ReadyWatch[] = [];

async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const watch of readyWatches) watch.stop();
  await operator?.stop().catch(() => undefined);
  if (!values.keep) await cluster.down().catch(() => undefined);
}
/** Set once Ctrl-C or SIGTERM stops the run: what fails after it (the operator it stopped) is no error. */
let stopping: Promise<never> | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping what the benchmark started`);
    stopping = cleanUp().then(() => process.exit(130));
  });
}

try {
  const fleet = await generateFleet(agentsWanted);
  log(
    `Fleet: ${fleet.length} agents (${fleet.filter((a) => a.spec.gpu).length} on GPUs) over ${new Set(fleet.map((a) => a.metadata.namespace)).size} namespaces`,
  );
  if (await cluster.isUp()) await cluster.down();
  await cluster.up({ disableQpsLimits: true });
  const extra = benchNodes(fleet);
  log(`Adding ${extra.length} simulated nodes`);
  await cluster.addNodes(extra);
  await installCrds();
  await applyManifests(sampleGpuClasses);
  const client = new KubeClient(await loadConnection(kubeconfigPath));
  for (const ns of new Set(fleet.map((a) => a.metadata.namespace as string))) {
    for (const prefix of ["", "floor-", "floorst-", "now-"])
      await cluster.kubectl(["create", "namespace", `${prefix}${ns}`]).catch(() => undefined);
  }

  // The control plane's floors, to which the operator's rollout is compared (--skip-floor: not measured).
  // What each status write changed, read from the agents' ready watch (status-changes.ts).
  const changes = statusChanges();
  const counting = async (kind: "agents" | "deployments") => {
    const watch = await watchReady(client, kind, kind === "agents" ? changes.observe : undefined);
    readyWatches.push(watch);
    return watch;
  };
  const measureFloors = async () => {
    const available = await counting("deployments");
    // The floor: the children the render functions produce, applied directly with the same client.
    log("Floor: applying every agent's children directly");
    const classes = new Map(
      (JSON.parse(await cluster.kubectl(["get", "gpuclasses", "-o", "json"])) as { items: GPUClass[] }).items.map(
        (c) => [c.metadata.name, c],
      ),
    );
    const nodeList = (
      JSON.parse(await cluster.kubectl(["get", "nodes", "-o", "json"])) as {
        items: {
          metadata: { name: string; labels: Record<string, string> };
          status: { allocatable: Record<string, string> };
        }[];
      }
    ).items;
    const supplies: Supply[] = nodeList.map((n) => ({
      name: n.metadata.name,
      labels: n.metadata.labels,
      ready: true,
      schedulable: true,
      allocatable: n.status.allocatable,
    }));
    const floorByAgent = renderFleetChildren(fleet, "floor-", classes, supplies);
    const floorChildren = floorByAgent.flat();
    const floorStart = performance.now();
    await inParallel(floorChildren, 4, (c) =>
      client.apply(resourcePath(childKind(c.kind).resource, c.metadata.namespace, c.metadata.name), c, fieldManager),
    );
    const floorDeployments = floorChildren.filter((c) => c.kind === "Deployment").length;
    const floorNamespaces = new Set(fleet.map((a) => `floor-${a.metadata.namespace}`));
    await waitFor(
      "the floor's Deployments to be Available",
      async () => available.count(floorNamespaces) >= floorDeployments,
      30 * 60_000,
    );
    const floorSeconds = (performance.now() - floorStart) / 1000;
    log(`Floor: ${floorSeconds.toFixed(1)} s; removing it`);
    for (const ns of floorNamespaces)
      await cluster.kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=20m"]);

    // Floor + status: what any operator must write: the AgentDeployment (as the user applies it), its
    // children, and one status patch, per agent, with the same client and no operator running.
    log("Floor + status: each AgentDeployment, its children and one status patch, applied directly");
    const withStatus = fleet.map((a, i) => {
      const ns = `floorst-${a.metadata.namespace}`;
      const children = (floorByAgent[i] ?? []).map((c) => ({ ...c, metadata: { ...c.metadata, namespace: ns } }));
      return { agent: { ...a, metadata: { ...a.metadata, namespace: ns } }, children };
    });
    const floorStatusCpuBefore = (await apiserverMetrics()).cpuSeconds;
    const floorStatusStart = performance.now();
    await inParallel(withStatus, 4, async ({ agent, children }) => {
      const agentPath = resourcePath(agentDeploymentResource, agent.metadata.namespace, agent.metadata.name);
      await client.apply(agentPath, agent, "bench");
      for (const c of children) {
        await client.apply(
          resourcePath(childKind(c.kind).resource, c.metadata.namespace, c.metadata.name),
          c,
          fieldManager,
        );
      }
      await client.mergePatch(
        resourcePath(agentDeploymentResource, agent.metadata.namespace, agent.metadata.name, "status"),
        {
          status: {
            conditions: [
              {
                type: "Ready",
                status: "True",
                reason: "Available",
                message: "bench",
                lastTransitionTime: new Date().toISOString(),
              },
            ],
          },
        },
      );
    });
    const floorStatusDeployments = withStatus.reduce(
      (n, w) => n + w.children.filter((c) => c.kind === "Deployment").length,
      0,
    );
    const floorStatusNamespaces = new Set(withStatus.map((w) => w.agent.metadata.namespace as string));
    await waitFor(
      "the floor + status Deployments to be Available",
      async () => available.count(floorStatusNamespaces) >= floorStatusDeployments,
      30 * 60_000,
    );
    const floorPlusStatusSeconds = (performance.now() - floorStatusStart) / 1000;
    const floorPlusStatusApiServerCpu = (await apiserverMetrics()).cpuSeconds - floorStatusCpuBefore;
    log(`Floor + status: ${floorPlusStatusSeconds.toFixed(1)} s (${floorStatusDeployments} Deployments); removing it`);
    for (const ns of floorStatusNamespaces)
      await cluster.kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=20m"]);
    // Stopped before the operator's rollout: a watch of its Deployments would be load the floors lacked.
    available.stop();
    return { floorSeconds, floorPlusStatusSeconds, floorPlusStatusApiServerCpu };
  };
  const floors = values["skip-floor"] ? undefined : await measureFloors();

  // The operator's rollout: the AgentDeployments applied with the same client, until every one is Ready.
  log("Operator: applying the AgentDeployments");
  // Where the operator's CPU goes, with --cpu-prof: a .cpuprofile per operator process, for Chrome DevTools.
  const resultsDir = path.join(repoRoot, "bench/results");
  const profiling = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${resultsDir}`] : [];
  const snapshotting = values["heap-snapshot"]
    ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${resultsDir}`]
    : [];
  const nodeFlags = [...profiling, ...snapshotting, ...(values["node-flag"] ?? [])];
  operator = await startOperator("bench-operator", { logLevel: "warn", nodeFlags });
  const running = operator;
  const ready = await counting("agents");
  await running.idle();
  const memoryOf = (m: Map<string, number>) => ({
    rssMiB: sumOf(m, "process_resident_memory_bytes") / 2 ** 20,
    heapUsedMiB: sumOf(m, "nodejs_heap_size_used_bytes") / 2 ** 20,
    heapTotalMiB: sumOf(m, "nodejs_heap_size_total_bytes") / 2 ** 20,
    externalMiB: sumOf(m, "nodejs_external_memory_bytes") / 2 ** 20,
  });
  // Before any agent: what the runtime and the modules cost, with caches of an empty fleet.
  const emptyMemory = memoryOf(await running.metrics());
  let peakRssMiB = emptyMemory.rssMiB;
  /** One rollout of the fleet: seconds to every agent Ready, the operator's writes by kind, the API server's. */
  const rollout = async (agents: AgentDeployment[], label: string) => {
    const operatorBefore = await running.metrics();
    const serverBefore = await apiserverMetrics();
    const start = performance.now();
    await inParallel(agents, 4, (a) =>
      client.apply(resourcePath(agentDeploymentResource, a.metadata.namespace, a.metadata.name), a, "bench"),
    );
    const namespaces = new Set(agents.map((a) => a.metadata.namespace as string));
    await waitFor(
      `every agent (${label}) to be Ready`,
      async () => {
        // The operator's RSS as it goes: its peak is what a memory limit must hold.
        peakRssMiB = Math.max(peakRssMiB, memoryOf(await running.metrics()).rssMiB);
        return ready.count(namespaces) >= agents.length;
      },
      30 * 60_000,
    );
    const seconds = (performance.now() - start) / 1000;
    // Every agent Ready is the rollout's end for a person; the operator may still have status to
    // bring up to date (a dependent's DependenciesReady, a drain policy that depends on the ledger).
    // Its writes are counted, and steady state starts, when its queue is empty.
    const idleSeconds = ((await running.idle()) - start) / 1000;
    // What the operator's counters gained during the rollout.
    const operatorGained = delta(await running.metrics(), operatorBefore);
    const own = writesByKind(operatorGained);
    const serverAfter = await apiserverMetrics();
    const server = delta(serverAfter.writes, serverBefore.writes);
    // CPU is steadier than seconds on a shared machine: what the operator spent, and what the API
    // server spent on the rollout (its writes, and the watch events it sent the operator).
    const reconciles = sumOf(operatorGained, "controller_runtime_reconcile_total", /controller="agentdeployment"/);
    const cpu = {
      operatorSeconds: sumOf(operatorGained, "process_cpu_seconds_total"),
      apiServerSeconds: serverAfter.cpuSeconds - serverBefore.cpuSeconds,
    };
    log(
      `Operator (${label}): ${seconds.toFixed(1)} s over ${namespaces.size} namespaces; queue empty after ${idleSeconds.toFixed(1)} s; CPU: operator ${cpu.operatorSeconds.toFixed(1)} s, API server ${cpu.apiServerSeconds.toFixed(1)} s`,
    );
    const statusChanged = changes.tally(namespaces);
    return {
      seconds,
      writes: own,
      server,
      cpu,
      reconcilesPerAgent: reconciles / agents.length,
      // Most first; a write that changes two conditions counts for both.
      statusChangesPerAgent: Object.fromEntries(
        [...statusChanged.byKind]
          .sort(([, a], [, b]) => b - a)
          .map(([k, v]) => [k, Math.round((v / agents.length) * 100) / 100]),
      ),
    };
  };
  // startPolicy Immediately: the same order-free start as the floor's, for a fair ratio.
  const immediately = fleet.map((a) => ({
    ...a,
    metadata: { ...a.metadata, namespace: `now-${a.metadata.namespace}` },
    spec: { ...a.spec, startPolicy: "Immediately" as const },
  }));
  const fair = await rollout(immediately, "startPolicy Immediately");
  // Writing a snapshot grows the process by about its size, and glibc keeps much of it: the memory
  // read after it says more about the snapshot than the operator.
  if (values["heap-snapshot"])
    log(
      `Heap snapshot: ${await heapSnapshot(running, resultsDir)} (the RSS read after it counts the snapshot's writing)`,
    );
  // The fleet the later phases (steady state, change latency) run over: the last one rolled out.
  let live: AgentDeployment[] = immediately;
  let ordered: Awaited<ReturnType<typeof rollout>> | undefined;
  if (!values["skip-ordered"]) {
    for (const ns of new Set(immediately.map((a) => a.metadata.namespace as string)))
      await cluster.kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=20m"]);
    await running.idle();
    ordered = await rollout(fleet, "default startPolicy, in dependency order");
    live = fleet;
  }
  const depth = Math.max(
    ...[...new Set(fleet.map((a) => a.metadata.namespace))].map((ns) => {
      const inNs = fleet.filter((a) => a.metadata.namespace === ns);
      return startDepth(
        inNs.map((a) => a.metadata.name),
        new Map(inNs.map((a) => [a.metadata.name, a.spec.dependencies ?? []])),
      );
    }),
  );
  await sleep(3000);
  const afterRollout = memoryOf(await operator.metrics());
  // Settled: V8's memory reducer gives back what the rollout's garbage grew once allocation slows
  // (it starts after 8 s); this is what a quiet fleet's operator holds.
  await sleep(20_000);
  const settled = memoryOf(await operator.metrics());
  const rssMiB = afterRollout.rssMiB;
  const heapMiB = afterRollout.heapUsedMiB;

  // Start and steady state: a new operator over the settled fleet, three times, for time to synced
  // caches and an empty queue; then the writes the last one's full resync makes (the target is none).
  // One start on a shared 2-core machine varies by a second or more, so the median is reported, and
  // each start beside it.
  log(`Control plane quiet after ${(await controlPlaneQuiet()).toFixed(0)} s more`);
  const starts: { seconds: number; syncedSeconds: number; operatorCpuSeconds: number }[] = [];
  for (let i = 0; i < 3; i++) {
    await operator.stop();
    const startAt = performance.now();
    operator = await startOperator("bench-operator-restart", {
      logLevel: "debug",
      nodeFlags: [...profiling, ...(values["node-flag"] ?? [])],
    });
    // Its caches have synced once /readyz answers (polled every 100 ms); then it reconciles every agent once.
    const syncedSeconds = (performance.now() - startAt) / 1000;
    // Done when it logs that its queue ran empty after reconciling every agent once: /metrics is not
    // scraped meanwhile (a scrape at 3,000 agents costs the operator about 15 ms of the CPU the start
    // is measured by, and polling reads the end late). Then it must stay quiet: if it reconciled
    // anything after that line, the start ends when the quiet began (read to within 500 ms).
    const caughtUp = await operator.caughtUp();
    const operatorCpuSeconds = (await operator.metrics()).get("process_cpu_seconds_total") ?? 0;
    const idleAt = await operator.idle({ reconciles: fleet.length, pollMs: 500 });
    const reconciles = sumOf(await operator.metrics(), "controller_runtime_reconcile_total", /agentdeployment/);
    const doneAt = reconciles === caughtUp.reconciled ? caughtUp.at : idleAt;
    starts.push({ seconds: (doneAt - startAt) / 1000, syncedSeconds, operatorCpuSeconds });
    log(
      `Start ${i + 1} of 3: ${starts[i]?.seconds.toFixed(1)} s, caches synced at ${syncedSeconds.toFixed(1)} s, ` +
        `operator CPU ${operatorCpuSeconds.toFixed(1)} s`,
    );
  }
  const startSeconds = percentile(
    starts.map((s) => s.seconds),
    50,
  );
  const startSyncedSeconds = percentile(
    starts.map((s) => s.syncedSeconds),
    50,
  );
  await sleep(5000);
  const steadyStateWrites = writesOf(await operator.metrics());
  for (const write of operator.loggedWrites.slice(0, 20)) log(`Steady state wrote: ${write}`);
  if (operator.loggedWrites.length > 20) log(`Steady state wrote ${operator.loggedWrites.length - 20} more`);

  // Change latency: one agent's spec patched every second; time until its Deployment reflects it.
  log(`Change latency: ${changeSeconds} changes, one a second`);
  const latencies: number[] = [];
  for (let i = 0; i < changeSeconds; i++) {
    const a = live[(i * 37) % live.length] as AgentDeployment;
    const deploymentPath = resourcePath(core.deployment, a.metadata.namespace, a.metadata.name);
    const hashOf = async () =>
      (await client.get<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>(deploymentPath))
        .spec.template.metadata.annotations?.["agentfleet.io/config-hash"];
    const before = await hashOf();
    const t0 = performance.now();
    await client.mergePatch(resourcePath(agentDeploymentResource, a.metadata.namespace, a.metadata.name), {
      spec: { config: { bench_tick: i } },
    });
    while ((await hashOf()) === before) {
      if (performance.now() - t0 > 30_000)
        throw new Error(`${a.metadata.name}'s Deployment never reflected change ${i}`);
      await sleep(5);
    }
    latencies.push(performance.now() - t0);
    await sleep(Math.max(0, 1000 - (performance.now() - t0)));
  }
  const pct = (p: number) => percentile(latencies, p);

  await operator.stop();
  const result = {
    agents: fleet.length,
    rollout: {
      operatorSeconds: fair.seconds,
      floorSeconds: floors?.floorSeconds ?? null,
      ratio: floors ? fair.seconds / floors.floorSeconds : null,
      floorPlusStatusSeconds: floors?.floorPlusStatusSeconds ?? null,
      ratioToFloorPlusStatus: floors ? fair.seconds / floors.floorPlusStatusSeconds : null,
      startPolicy: "Immediately",
      // Its writes too: a held agent rewritten as the plan moved it showed only here (2026-12-06).
      dependencyOrdered: ordered
        ? {
            seconds: ordered.seconds,
            dependencyDepth: depth,
            writesPerAgent: perAgent(ordered.writes, fleet.length),
            statusChangesPerAgent: ordered.statusChangesPerAgent,
            apiServerWrites: Object.fromEntries(byCount(ordered.server)),
          }
        : null,
      writesPerAgent: perAgent(fair.writes, fleet.length),
      // What the status writes changed: the first status, a condition (by type), or only its words.
      statusChangesPerAgent: fair.statusChangesPerAgent,
      reconcilesPerAgent: fair.reconcilesPerAgent,
      apiServerWrites: Object.fromEntries(byCount(fair.server)),
      cpuSeconds: { ...fair.cpu, apiServerAtFloorPlusStatus: floors?.floorPlusStatusApiServerCpu ?? null },
    },
    steadyStateWrites,
    changeLatencyMs: { p50: pct(50), p99: pct(99) },
    rssMiB,
    heapMiB,
    memory: { emptyFleet: emptyMemory, afterRollout, settled, peakRssMiB },
    startSeconds,
    startSyncedSeconds,
    starts,
    machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    date: new Date().toISOString(),
  };
  await mkdir(path.join(repoRoot, "bench/results"), { recursive: true });
  await writeFile(path.join(repoRoot, "bench/results/latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  const seconds = (s: number | undefined) => (s === undefined ? "not measured" : `${s.toFixed(1)} s`);
  console.log(`
agents                ${result.agents}
rollout, operator     ${fair.seconds.toFixed(1)} s   (startPolicy Immediately)
rollout, floor        ${seconds(floors?.floorSeconds)}   (children only)
rollout, floor+status ${seconds(floors?.floorPlusStatusSeconds)}   (the AgentDeployment, its children, one status patch)
ratio                 ${result.rollout.ratio?.toFixed(2) ?? "-"} to the floor, ${result.rollout.ratioToFloorPlusStatus?.toFixed(2) ?? "-"} to floor+status   (target: 1.1 at 297, 1.2 at 3,000)
CPU                   operator ${fair.cpu.operatorSeconds.toFixed(1)} s (${((fair.cpu.operatorSeconds / fleet.length) * 1000).toFixed(0)} ms per agent, ${fair.reconcilesPerAgent.toFixed(1)} reconciles); API server ${fair.cpu.apiServerSeconds.toFixed(1)} s, against ${seconds(floors?.floorPlusStatusApiServerCpu)} at floor+status
in dependency order   ${ordered ? `${ordered.seconds.toFixed(1)} s` : "not measured (--skip-ordered)"}   (default startPolicy; ${depth} waves deep)${
    ordered
      ? `\n                      writes per agent ${listed(Object.entries(result.rollout.dependencyOrdered?.writesPerAgent ?? {}))}; API server ${listed(byCount(ordered.server).slice(0, 4))}` +
        `\n                      status writes changed, per agent: ${listed(Object.entries(ordered.statusChangesPerAgent))}`
      : ""
  }
writes per agent      ${listed(Object.entries(result.rollout.writesPerAgent))}
status writes changed ${listed(Object.entries(fair.statusChangesPerAgent))}   (per agent; a write that changes two conditions counts for both)
API server writes     ${listed(byCount(fair.server).slice(0, 8))}
steady-state writes   ${steadyStateWrites}   (target: 0)
change p50 / p99      ${pct(50).toFixed(0)} / ${pct(99).toFixed(0)} ms   (target p99: 1000 ms)
RSS / heap            ${rssMiB.toFixed(0)} / ${heapMiB.toFixed(0)} MiB   (target RSS: 250 MiB at 3,000)
memory in MiB         peak RSS ${peakRssMiB.toFixed(0)}; ${(["emptyFleet", "afterRollout", "settled"] as const)
    .map(
      (when) =>
        `${when}: RSS ${result.memory[when].rssMiB.toFixed(0)}, heap ${result.memory[when].heapUsedMiB.toFixed(0)} of ${result.memory[when].heapTotalMiB.toFixed(0)}, external ${result.memory[when].externalMiB.toFixed(0)}`,
    )
    .join("; ")}
start                 ${startSeconds.toFixed(1)} s, caches synced at ${startSyncedSeconds.toFixed(1)} s (medians; each start ${starts.map((s) => s.seconds.toFixed(1)).join(", ")} s)   (target: 5 s at 3,000)
machine               ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB
written to bench/results/latest.json`);
} catch (err) {
  // Stopped by a signal: the run fails as what it waits on goes away; exit as the signal says, quietly.
  if (stopping) await stopping;
  throw err;
} finally {
  await cleanUp();
}
