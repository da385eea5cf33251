// The operator as a user runs it: a host process (`agentfleet run`) against a local cluster, with the
// Node flags it ships with. Shared by the e2e tests and the benchmark: start it, read its metrics,
// wait until it has nothing left to do, stop it or kill it.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { compileCacheVariable, operatorEnvironment, operatorNodeFlags } from "../../src/cli/node-flags.ts";
import { caughtUpMessage } from "../../src/controller/controller.ts";
import { kubeconfigPath, repoRoot, stateDir } from "./paths.ts";

export interface OperatorProcessOptions {
  /** Extra flags of `agentfleet run`. */
  args?: string[];
  logLevel?: "debug" | "info" | "warn";
  /** Extra Node flags (for example --cpu-prof). */
  nodeFlags?: string[];
}

/** Metric samples by name and labels, as `name{labels}` → value (summed when repeated). */
export type Samples = Map<string, number>;

export interface RunningOperator {
  process: ChildProcess;
  /** Where it serves /metrics, /healthz and /readyz. */
  url: string;
  /** Where its log goes. */
  logFile: string;
  /** Every write it logged at debug level, as `METHOD path code`: what a steady state should not have. */
  loggedWrites: string[];
  /** SIGTERM, and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, with no chance to finish anything. */
  kill(): Promise<void>;
  /** Its /metrics, retried through a transient connection error. */
  metrics(): Promise<Samples>;
  /** Mutating requests the operator made, from its /metrics (rest_client_requests_total). */
  writes(): Promise<number>;
  /** leader_election_master_status: 1 while it holds the lease. */
  leading(): Promise<boolean>;
  /**
   * Waits until the agent controller has reconciled at least `reconciles` keys and has had nothing to
   * do for `quietMs` (an empty queue between two watch events is not yet idle); returns when the
   * quiet began (performance.now()), to within `pollMs` (100 ms; each poll is a scrape of /metrics,
   * which costs the operator CPU a benchmark would count).
   */
  idle(opts?: { reconciles?: number; quietMs?: number; timeoutMs?: number; pollMs?: number }): Promise<number>;
  /**
   * When the agent controller said it had reconciled every agent once since its start (read from
   * its log as the line came, performance.now()), and how many reconciles it had made by then.
   */
  caughtUp(): Promise<{ at: number; reconciled: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on now, for the operator's /metrics. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export function parseSamples(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ""}`, (out.get(`${m[1]}${m[2] ?? ""}`) ?? 0) + Number(m[3]));
  }
  return out;
}

/** The sum of the samples whose name starts with `prefix` and whose labels match `filter`. */
export const sumOf = (m: Samples, prefix: string, filter: RegExp = /./) =>
  [...m].filter(([k]) => k.startsWith(prefix) && filter.test(k)).reduce((s, [, v]) => s + v, 0);

export const writesOf = (m: Samples) => sumOf(m, "rest_client_requests_total", /method="(POST|PUT|PATCH|DELETE)"/);

export async function startOperator(
  name: string,
  argsOrOptions: string[] | OperatorProcessOptions = {},
): Promise<RunningOperator> {
  const opts = Array.isArray(argsOrOptions) ? { args: argsOrOptions } : argsOrOptions;
  const port = await freePort();
  const logDir = path.join(stateDir, "operator-logs");
  await mkdir(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(
    process.execPath,
    [
      ...operatorNodeFlags,
      ...(opts.nodeFlags ?? []),
      path.join(repoRoot, "src/cli/main.ts"),
      "run",
      "--kubeconfig",
      kubeconfigPath,
      "--metrics-port",
      String(port),
      ...(opts.logLevel ? ["--log-level", opts.logLevel] : []),
      ...(opts.args ?? []),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ...operatorEnvironment,
        [compileCacheVariable]: path.join(stateDir, "node-compile-cache"),
      },
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  // At debug level the operator logs each write, which is kept to name a write that should not be.
  const loggedWrites: string[] = [];
  let caughtUp: (when: { at: number; reconciled: number }) => void = () => {};
  const caughtUpPromise = new Promise<{ at: number; reconciled: number }>((resolve) => {
    caughtUp = resolve;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    if (line.includes(caughtUpMessage) && line.includes('"controller":"agentdeployment"')) {
      const at = performance.now();
      caughtUp({ at, reconciled: (JSON.parse(line) as { reconciled: number }).reconciled });
    }
    if (!line.includes('"api write"')) return;
    const { method, path: url, code } = JSON.parse(line) as { method: string; path: string; code: number };
    loggedWrites.push(`${method} ${url} ${code}`);
  });
  // Started once /readyz answers (its caches have synced), whatever the log level says.
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the operator exited with ${child.exitCode ?? child.signalCode} before serving; see ${logFile}`);
    }
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }

  async function metrics(): Promise<Samples> {
    for (let attempt = 1; ; attempt++) {
      try {
        return parseSamples(await (await fetch(`${url}/metrics`)).text());
      } catch (err) {
        // A busy process on a busy machine may reset a connection now and then: not a reason to give up.
        if (attempt >= 5 || child.exitCode !== null) throw err;
        await sleep(200 * attempt);
      }
    }
  }

  return {
    process: child,
    url,
    logFile,
    loggedWrites,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    metrics,
    async writes() {
      return writesOf(await metrics());
    },
    async leading() {
      return sumOf(await metrics(), "leader_election_master_status") >= 1;
    },
    caughtUp: () => caughtUpPromise,
    async idle({ reconciles = 0, quietMs = 1000, timeoutMs = 10 * 60_000, pollMs = 100 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let quietSince: number | undefined;
      for (;;) {
        const m = await metrics();
        const quiet =
          sumOf(m, "controller_runtime_reconcile_total", /controller="agentdeployment"/) >= reconciles &&
          sumOf(m, "workqueue_depth", /agentdeployment/) === 0 &&
          sumOf(m, "controller_runtime_active_workers", /agentdeployment/) === 0;
        quietSince = quiet ? (quietSince ?? performance.now()) : undefined;
        if (quietSince !== undefined && performance.now() - quietSince >= quietMs) return quietSince;
        if (Date.now() > deadline) throw new Error(`timed out waiting for operator ${name} to be idle`);
        await sleep(pollMs);
      }
    },
  };
}
