// JSON logs with pino: one line per event, with controller, namespace, name and reconcile id bound by
// child loggers, so a person can follow one agent through the operator's decisions.
import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { app: "agentfleet" }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that writes nothing, for code paths exercised in unit tests. */
export const silentLogger = (): Logger => pino({ level: "silent" });
