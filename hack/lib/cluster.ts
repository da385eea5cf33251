// The local control plane: real etcd, kube-apiserver, kube-controller-manager and kube-scheduler
// run as processes by kwokctl's binary runtime, with kwok simulating the two GPU nodes and their pods.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { kindDown, kindIsUp, kindSetNodePower, kindUp, useKind } from "./kind.ts";
import { binDir, clusterName, kubeconfigPath, kwokStagesDir, kwokWorkdir, repoRoot, stateDir, tool } from "./paths.ts";
import { run } from "./run.ts";
import {
  gpuLabels,
  nodeManifest,
  notReadyLabel,
  nvidiaRuntimeClass,
  pcLabel,
  type SimulatedNode,
  simulatedNodes,
} from "./topology.ts";

/** How long a pod tolerates a NotReady or unreachable node before eviction (Kubernetes' default: 300 s). */
export const tolerationSeconds = 10;

const kwokEnv = { KWOK_WORKDIR: kwokWorkdir };
const log = (msg: string) => process.stderr.write(`==> ${msg}\n`);

export async function ensureTools(): Promise<void> {
  try {
    await run("bash", [path.join(repoRoot, "hack/tools.sh"), "--check"]);
    await run("bash", [path.join(repoRoot, "hack/tools.sh")]); // links only
  } catch {
    log("Building the control plane's binaries (first use; cached for later runs)");
    await run("bash", [path.join(repoRoot, "hack/tools.sh")], { inherit: true });
  }
}

export function kubectl(args: readonly string[], input?: string): Promise<string> {
  return run(tool("kubectl"), ["--kubeconfig", kubeconfigPath, ...args], input === undefined ? {} : { input });
}

/** True when the cluster's processes run and its API server answers. */
export async function isUp(): Promise<boolean> {
  if (!existsSync(kubeconfigPath) || !existsSync(tool("kubectl"))) return false;
  if (useKind && !(await kindIsUp())) return false;
  try {
    const ready = await run(tool("kubectl"), [
      "--kubeconfig",
      kubeconfigPath,
      "--request-timeout=3s",
      "get",
      "--raw",
      "/readyz",
    ]);
    return ready.trim() === "ok";
  } catch {
    return false;
  }
}

/** How often the node lifecycle controller looks at nodes (kwokctl's default, 25 s, makes tests wait). */
const nodeMonitorPeriodMs = 2000;

/** kwokctl's configuration: faster node monitoring, and kwok's default stages plus its not-ready chaos stage. */
async function kwokConfig(): Promise<string> {
  const options = [
    "apiVersion: config.kwok.x-k8s.io/v1alpha1",
    "kind: KwokctlConfiguration",
    "options:",
    `  kubeControllerManagerNodeMonitorPeriodMilliseconds: ${nodeMonitorPeriodMs}`,
  ].join("\n");
  // kwok's stages, then ours (hack/kwok-stages): what kwok leaves out of a kubelet's part.
  const stageFiles = async (dir: string) =>
    (await readdir(dir))
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => path.join(dir, f));
  const files = [
    ...(await stageFiles(kwokStagesDir)),
    ...(await stageFiles(path.join(repoRoot, "hack", "kwok-stages"))),
  ];
  const stages = await Promise.all(files.map((f) => readFile(f, "utf8")));
  return [options, ...stages.map((d) => d.trim())].join("\n---\n");
}

export interface UpOptions {
  /** Lift the control plane's client rate limits (kwokctl --disable-qps-limits), for benchmarks at scale. */
  disableQpsLimits?: boolean;
}

export async function up(options: UpOptions = {}): Promise<void> {
  await ensureTools();
  if (useKind) {
    await kindUp();
    await labelKindNodes();
  } else if (await isUp()) {
    log(`Cluster "${clusterName}" is already up`);
  } else {
    await mkdir(stateDir, { recursive: true });
    // A cluster left half-made by an interrupted run would make kwokctl refuse to create it again.
    await run(tool("kwokctl"), ["delete", "cluster", "--name", clusterName, "--kubeconfig", kubeconfigPath], {
      env: kwokEnv,
    }).catch(() => undefined);
    const configPath = path.join(stateDir, `${clusterName}.kwok-config.yaml`);
    await writeFile(configPath, await kwokConfig());
    log(`Starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (cluster "${clusterName}")`);
    await run(
      tool("kwokctl"),
      [
        "create",
        "cluster",
        "--name",
        clusterName,
        "--runtime",
        "binary",
        "--kubeconfig",
        kubeconfigPath,
        "--config",
        configPath,
        "--etcd-binary",
        tool("etcd"),
        "--kube-apiserver-binary",
        tool("kube-apiserver"),
        "--kube-controller-manager-binary",
        tool("kube-controller-manager"),
        "--kube-scheduler-binary",
        tool("kube-scheduler"),
        "--kwok-controller-binary",
        tool("kwok"),
        // Admission (DefaultTolerationSeconds, PodSecurity, ServiceAccount…) and RBAC as on a real cluster.
        // kwokctl multiplies every heartbeat timing by this factor (5 by default).
        "--heartbeat-factor",
        "1",
        "--kube-admission",
        "--kube-authorization",
        // k3s's Service range: room for thousands of agents' Services (the apiserver's default /24 holds 254).
        "--extra-args",
        "kube-apiserver=service-cluster-ip-range=10.43.0.0/16",
        "--extra-args",
        `kube-apiserver=default-not-ready-toleration-seconds=${tolerationSeconds}`,
        "--extra-args",
        `kube-apiserver=default-unreachable-toleration-seconds=${tolerationSeconds}`,
        // One controller manager and one scheduler, as on a k3s server: without a rival they need no
        // lease, and keeping one would make them exit (for a supervisor to restart) whenever the API
        // server is away for longer than its renew deadline, which restartComponent's tests do on purpose.
        "--extra-args",
        "kube-controller-manager=leader-elect=false",
        "--extra-args",
        "kube-scheduler=leader-elect=false",
        ...(options.disableQpsLimits ? ["--disable-qps-limits"] : []),
        "--wait",
        "2m",
      ],
      { env: kwokEnv },
    );
  }
  await applyTopology();
  await waitForNodesReady();
}

/** On kind the nodes exist: give each the GPU labels and the device plugin's capacity of its PC. */
async function labelKindNodes(): Promise<void> {
  for (const pc of simulatedNodes) {
    const name = await nodeNameOf(pc.name);
    const labels = Object.entries(gpuLabels(pc.gpu)).map(([k, v]) => `${k}=${v}`);
    await kubectl(["label", "node", name, "--overwrite", ...labels]);
    const gpus = String(pc.gpu.count * pc.gpu.replicas);
    const patch = { status: { capacity: { "nvidia.com/gpu": gpus }, allocatable: { "nvidia.com/gpu": gpus } } };
    await kubectl(["patch", "node", name, "--subresource=status", "--type=merge", "-p", JSON.stringify(patch)]);
  }
}

/** The node that plays a PC: named after it on kwok, found by its agentfleet.io/pc label on kind. */
export async function nodeNameOf(pc: string): Promise<string> {
  if (!useKind) return pc;
  const name = (
    await kubectl(["get", "nodes", "-l", `${pcLabel}=${pc}`, "-o", "jsonpath={.items[0].metadata.name}"])
  ).trim();
  if (!name) throw new Error(`no node carries ${pcLabel}=${pc}`);
  return name;
}

/** Creates the GPU nodes and the RuntimeClass, or brings them back to their defined shape. */
async function applyTopology(): Promise<void> {
  if (useKind) {
    await kubectl(
      ["apply", "--server-side", "--field-manager=agentfleet-cluster", "-f", "-"],
      JSON.stringify(nvidiaRuntimeClass),
    );
    return;
  }
  await addNodes(simulatedNodes);
  await kubectl(
    ["apply", "--server-side", "--field-manager=agentfleet-cluster", "-f", "-"],
    JSON.stringify(nvidiaRuntimeClass),
  );
}

/** Creates simulated GPU nodes, or brings them back to their defined shape. */
export async function addNodes(nodes: readonly SimulatedNode[]): Promise<void> {
  for (const node of nodes) {
    const manifest = nodeManifest(node);
    // Nodes accept status on create; afterwards status only changes through its subresource.
    await kubectl(["create", "-f", "-"], JSON.stringify(manifest)).catch((err: Error) => {
      if (!/AlreadyExists/.test(err.message)) throw err;
    });
    await kubectl(
      ["apply", "--server-side", "--force-conflicts", "--field-manager=agentfleet-cluster", "-f", "-"],
      JSON.stringify(manifest),
    );
    await kubectl([
      "patch",
      "node",
      node.name,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({ status: manifest.status }),
    ]);
  }
}

async function waitForNodesReady(): Promise<void> {
  const names = await Promise.all(simulatedNodes.map(async (n) => `node/${await nodeNameOf(n.name)}`));
  await kubectl(["wait", "--for=condition=Ready", "--timeout=60s", ...names]);
}

export async function down(): Promise<void> {
  if (useKind) {
    await kindDown();
    await rm(kubeconfigPath, { force: true });
    return;
  }
  if (!existsSync(tool("kwokctl"))) {
    log("Nothing to stop: the tools were never built in this checkout");
    return;
  }
  log(`Stopping cluster "${clusterName}"`);
  // Its control plane's logs outlive it (until the next stop replaces them), so that a run that
  // failed, in CI above all, can still be read: kwokctl deletes them with the cluster.
  const logs = path.join(kwokWorkdir, "clusters", clusterName, "logs");
  if (existsSync(logs)) {
    const kept = path.join(stateDir, "cluster-logs", clusterName);
    await rm(kept, { recursive: true, force: true });
    await cp(logs, kept, { recursive: true }).catch((err: Error) => log(`keeping the logs: ${err.message}`));
    log(`The control plane's logs are kept in ${path.relative(repoRoot, kept)}`);
  }
  await run(tool("kwokctl"), ["delete", "cluster", "--name", clusterName, "--kubeconfig", kubeconfigPath], {
    env: kwokEnv,
  }).catch((err: Error) => log(`kwokctl: ${err.message}`));
  await rm(kubeconfigPath, { force: true });
  await rm(path.join(kwokWorkdir, "clusters", clusterName), { recursive: true, force: true });
}

/**
 * Stops the whole control plane (etcd, kube-apiserver, the controllers, kwok) for a while and starts
 * it again, as a power cut of mainpc's k3s server would: for tests that the operator rides it out.
 */
export async function restartControlPlane(downMs: number, whileDown?: () => Promise<void>): Promise<void> {
  if (useKind) throw new Error("restartControlPlane runs on the kwok cluster only");
  const kwokctl = (verb: string) => run(tool("kwokctl"), [verb, "cluster", "--name", clusterName], { env: kwokEnv });
  await kwokctl("stop");
  const downAt = Date.now();
  await whileDown?.();
  await new Promise((r) => setTimeout(r, Math.max(0, downMs - (Date.now() - downAt))));
  await kwokctl("start");
  for (let i = 0; i < 120 && !(await isUp()); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await isUp())) throw new Error(`cluster "${clusterName}" did not answer within 60 s of its restart`);
}

/** The control plane's components that a test can restart on their own. */
export type ControlPlaneComponent = "etcd" | "kube-apiserver";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops one component of the control plane (SIGTERM, as systemd would on a restart) and starts it
 * again with the same command line, environment and log file, after `downMs`. kwokctl only stops and
 * starts its components together, so this reads what it started from its pid file and /proc, and
 * writes the new pid back so that `kwokctl stop` and `delete` still find it.
 */
export async function restartComponent(
  component: ControlPlaneComponent,
  downMs: number,
  whileDown?: () => Promise<void>,
): Promise<void> {
  if (useKind) throw new Error("restartComponent runs on the kwok cluster only");
  const clusterDir = path.join(kwokWorkdir, "clusters", clusterName);
  const pidFile = path.join(clusterDir, "pids", `${component}.pid`);
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  if (!Number.isInteger(pid) || !isAlive(pid)) throw new Error(`${component} of "${clusterName}" is not running`);
  const nulSeparated = async (file: string) => (await readFile(file, "utf8")).split("\0").filter((s) => s !== "");
  const [command, ...args] = await nulSeparated(`/proc/${pid}/cmdline`);
  const env = Object.fromEntries(
    (await nulSeparated(`/proc/${pid}/environ`)).map((kv) => [
      kv.slice(0, kv.indexOf("=")),
      kv.slice(kv.indexOf("=") + 1),
    ]),
  );
  if (!command) throw new Error(`cannot read the command line of ${component} (pid ${pid})`);
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  const downAt = Date.now();
  await whileDown?.();
  await new Promise((r) => setTimeout(r, Math.max(0, downMs - (Date.now() - downAt))));
  const logFd = openSync(path.join(clusterDir, "logs", `${component}.log`), "a");
  const child = spawn(command, args, { cwd: clusterDir, env, detached: true, stdio: ["ignore", logFd, logFd] });
  child.unref();
  closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start ${component} again`);
  await writeFile(pidFile, String(child.pid));
  for (let i = 0; i < 120 && !(await isUp()); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await isUp()))
    throw new Error(`cluster "${clusterName}" did not answer within 60 s of restarting ${component}`);
  const pidsDir = path.join(clusterDir, "pids");
  for (const file of await readdir(pidsDir)) {
    const other = Number((await readFile(path.join(pidsDir, file), "utf8")).trim());
    if (!isAlive(other)) throw new Error(`${file.replace(/\.pid$/, "")} exited while ${component} restarted`);
  }
}

/** Switches a simulated PC off (kwok's not-ready stage turns its Ready condition False) or back on. */
export async function setNodePower(name: string, power: "down" | "up"): Promise<void> {
  if (!simulatedNodes.some((n) => n.name === name)) {
    throw new Error(`unknown node "${name}": the simulated nodes are ${simulatedNodes.map((n) => n.name).join(", ")}`);
  }
  const node = await nodeNameOf(name);
  if (useKind) await kindSetNodePower(node, power);
  else if (power === "down") await kubectl(["label", "node", node, `${notReadyLabel}=true`, "--overwrite"]);
  else await kubectl(["label", "node", node, `${notReadyLabel}-`]);
  const timeout = useKind ? "180s" : "60s";
  await kubectl([
    "wait",
    `--for=condition=Ready${power === "down" ? "=False" : ""}`,
    `--timeout=${timeout}`,
    `node/${node}`,
  ]);
}

export { binDir, kubeconfigPath };
