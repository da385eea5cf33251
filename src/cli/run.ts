// `agentfleet run`: the operator in the foreground until SIGTERM or SIGINT.
import { KubeConfig } from "@kubernetes/client-node";
import { createLogger } from "../observability/logger.ts";
import { Operator } from "../operator.ts";

export interface RunFlags {
  kubeconfig?: string;
  metricsPort: number;
  workers: number;
  logLevel?: string;
}

/** KUBECONFIG (or --kubeconfig), else ~/.kube/config, else the in-cluster service account. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error("no cluster to talk to: set KUBECONFIG, pass --kubeconfig, or run inside a cluster");
  }
  return kc;
}

export async function runOperator(flags: RunFlags): Promise<Operator> {
  const logger = createLogger(flags.logLevel);
  const operator = new Operator({
    kubeConfig: loadKubeConfig(flags.kubeconfig),
    logger,
    metricsPort: flags.metricsPort,
    workers: flags.workers,
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing the reconciles in progress");
    operator.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: String(err) }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  logger.info({ metricsPort: flags.metricsPort, workers: flags.workers }, "starting agentfleet operator");
  await operator.start();
  return operator;
}
