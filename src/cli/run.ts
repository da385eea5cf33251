// `agentfleet run`: the operator in the foreground until SIGTERM or SIGINT.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { loadConnection } from "../controller/connection.ts";
import { createLogger } from "../observability/logger.ts";
import { Operator } from "../operator.ts";

export interface RunFlags {
  kubeconfig?: string;
  metricsPort: number;
  workers: number;
  logLevel?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
}

export async function runOperator(flags: RunFlags): Promise<Operator> {
  const logger = createLogger(flags.logLevel);
  const identity = `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString("hex")}`;
  const operator = new Operator({
    connection: await loadConnection(flags.kubeconfig),
    logger,
    metricsPort: flags.metricsPort,
    workers: flags.workers,
    ...(flags.leaderElect
      ? { leaderElection: { namespace: flags.leaderElectionNamespace, name: flags.leaderElectionId, identity } }
      : {}),
    // As controller-runtime does: a replica that lost the lease exits, and its Deployment restarts it as a standby.
    onLostLeadership: () => {
      logger.error("leader election lost; exiting");
      process.exit(1);
    },
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
