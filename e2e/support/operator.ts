// The operator as a user runs it: a host process (`agentfleet run`) against the local cluster.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { kubeconfigPath, repoRoot, stateDir } from "../../hack/lib/paths.ts";

export interface RunningOperator {
  process: ChildProcess;
  /** SIGTERM, and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, with no chance to finish anything. */
  kill(): Promise<void>;
  /** Mutating requests the operator made, from its /metrics (rest_client_requests_total). */
  writes(): Promise<number>;
  /** leader_election_master_status: 1 while it holds the lease. */
  leading(): Promise<boolean>;
}

export async function startOperator(name: string, args: string[] = []): Promise<RunningOperator> {
  const logDir = path.join(stateDir, "e2e-logs");
  await mkdir(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: "a" });
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, "src/cli/main.ts"), "run", "--kubeconfig", kubeconfigPath, "--metrics-port", "0", ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  // The operator logs its metrics port at start: read it from the JSON log lines.
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"metricsAddress":"([^"]+)"/.exec(buffer);
      if (match?.[1]) {
        child.stdout?.off("data", onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    void exited.then((code) =>
      reject(new Error(`the operator exited with ${code} before serving; see ${logDir}/${name}.log`)),
    );
  });

  return {
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async leading() {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return /^leader_election_master_status\{[^}]*\} 1$/m.test(text);
    },
    async writes() {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      let total = 0;
      for (const line of text.split("\n")) {
        const m = /^rest_client_requests_total\{[^}]*method="(POST|PUT|PATCH|DELETE)"[^}]*\} (\d+)/.exec(line);
        if (m?.[2]) total += Number(m[2]);
      }
      return total;
    },
  };
}
