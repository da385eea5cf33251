// npm start: the local two-GPU cluster, the CRDs, the two GPU classes, a sample fleet, and the
// operator in the foreground, showing progress until every agent is Ready. Ctrl-C stops the operator.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { loadConnection } from "../src/controller/connection.ts";
import { createLogger } from "../src/observability/logger.ts";
import { Operator } from "../src/operator.ts";
import { kubectl, up } from "./lib/cluster.ts";
import { applyManifests, installCrds, sampleFleet, sampleGpuClasses } from "./lib/install.ts";
import { binDir, kubeconfigPath, stateDir } from "./lib/paths.ts";

const namespace = "agents";
const say = (msg: string) => process.stdout.write(`${msg}\n`);

async function installApiAndFleet(): Promise<void> {
  say("==> Installing the AgentDeployment and GPUClass CRDs");
  await installCrds();
  say("==> Applying the GPU classes rtx-4090 and rtx-3060 and the sample fleet (manifests/samples/)");
  await applyManifests(sampleGpuClasses, sampleFleet);
  // The sample's stt-service reads an API key by reference; a real user creates this Secret themselves.
  await kubectl([
    "create",
    "secret",
    "generic",
    "cloud-keys",
    "-n",
    namespace,
    `--from-literal=openai=${randomBytes(12).toString("hex")}`,
  ]).catch((err: Error) => {
    if (!/AlreadyExists/.test(err.message)) throw err;
  });
}

async function main(): Promise<void> {
  await up();
  await installApiAndFleet();

  const logFile = path.join(stateDir, "operator.log");
  const operator = new Operator({
    connection: await loadConnection(kubeconfigPath),
    logger: createLogger("info", logFile),
    metricsPort: 0,
  });
  say(`==> Starting the operator (logs: ${path.relative(process.cwd(), logFile)})`);
  await operator.start();

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say("\n==> Stopping the operator");
    operator.stop().then(() => {
      say("Stopped. The cluster keeps running; `npm run cluster:down` stops it.");
      process.exit(0);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  let last = "";
  const started = Date.now();
  for (;;) {
    const agents = operator.agents.list(namespace);
    const ready = agents.filter((a) => a.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    const line = `    ${ready.length}/${agents.length} agents Ready`;
    if (line !== last) {
      say(`${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      last = line;
    }
    if (agents.length > 0 && ready.length === agents.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  say("");
  say(await kubectl(["get", "agentdeployments", "-n", namespace]));
  say(`Every agent is Ready. The operator keeps serving; metrics at ${operator.metricsAddress()}/metrics.`);
  say(
    `In another terminal:\n  export KUBECONFIG=${kubeconfigPath} PATH=${binDir}:$PATH\n  kubectl get agd -n ${namespace}\n  kubectl describe agd stt-service -n ${namespace}\n  npm run cluster:node -- down pc2`,
  );
  say("Ctrl-C stops the operator.");
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
