// JSON logs with pino: one line per event, with controller, namespace, name and reconcile id bound by
// child loggers, so a person can follow one agent through the operator's decisions.
import { type Logger, pino } from "pino";

export type { Logger };

/** JSON lines to standard output, or appended to a file when one is named. */
export function createLogger(level = process.env.LOG_LEVEL ?? "info", file?: string): Logger {
  const options = { level, base: { app: "agentfleet" }, timestamp: pino.stdTimeFunctions.isoTime };
  return file ? pino(options, pino.destination({ dest: file, mkdir: true, sync: false })) : pino(options);
}

/** A logger that writes nothing, for code paths exercised in unit tests. */
export const silentLogger = (): Logger => pino({ level: "silent" });
