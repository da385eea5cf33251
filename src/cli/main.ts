#!/usr/bin/env node
// The `agentfleet` command. In a checkout: npm run agentfleet -- <command>.
import { parseArgs } from "node:util";
import { InputError } from "../legacy/model.ts";
import { AuditUsageError, auditUsage, cannotRun, cannotRunMessage, runAuditCommand } from "./audit.ts";
import { ImportUsageError, importUsage, OutputError, runImport } from "./import.ts";
import { runOperator } from "./run.ts";

const runUsage = `agentfleet run [flags]
  Runs the operator against KUBECONFIG (or the in-cluster config).
    --kubeconfig FILE     a kubeconfig other than KUBECONFIG's
    --metrics-port N      serve /metrics, /healthz and /readyz on N (default 8080; 0 picks one)
    --workers N           agents reconciled at once (default 4)
    --log-level LEVEL     trace, debug, info, warn or error (default info)
    --leader-elect        reconcile only while holding a Lease, so that replicas can stand by
    --leader-election-namespace NS   the Lease's namespace (default: POD_NAMESPACE, or agentfleet-system)
    --leader-election-id NAME        the Lease's name (default agentfleet-operator)`;

const usage = `Usage: agentfleet <command> [flags]

Commands:
  run       run the operator (see below)
  import    turn legacy startup configs and compose files into AgentDeployments (see below)
  audit     is this fleet ready for production? (see below)
  help      show this text

${runUsage}

${importUsage}

${auditUsage}
`;

class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${flag} must be a whole number of at least ${min}, not "${value}"`);
  return n;
}

/** Whether a command's flags ask for help (`agentfleet import --help`), before any `--`. */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

const commandUsage: Record<string, string> = { run: runUsage, import: importUsage, audit: auditUsage };

/**
 * A flag that parseArgs refused, in its own words but without its advice on `--`, which is about a
 * file name starting with a dash and misleads for a mistyped flag (`-o` for `--out`).
 */
function flagErrorMessage(err: unknown): string | undefined {
  if (!(err instanceof Error) || !(err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return undefined;
  return err.message.replace(/\. To specify a positional argument.*$/s, "");
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== undefined && asksForHelp(rest)) {
    process.stdout.write(`${commandUsage[command] ?? usage}\n`);
    return;
  }
  switch (command) {
    case "run": {
      const { values } = parseArgs({
        args: rest,
        options: {
          kubeconfig: { type: "string" },
          "metrics-port": { type: "string" },
          workers: { type: "string" },
          "log-level": { type: "string" },
          "leader-elect": { type: "boolean", default: false },
          "leader-election-namespace": { type: "string" },
          "leader-election-id": { type: "string", default: "agentfleet-operator" },
        },
        strict: true,
      });
      await runOperator({
        ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
        metricsPort: positiveInt("metrics-port", values["metrics-port"], 8080, 0),
        workers: positiveInt("workers", values.workers, 4),
        ...(values["log-level"] ? { logLevel: values["log-level"] } : {}),
        leaderElect: values["leader-elect"],
        leaderElectionNamespace:
          values["leader-election-namespace"] ?? process.env.POD_NAMESPACE ?? "agentfleet-system",
        leaderElectionId: values["leader-election-id"],
      });
      return;
    }
    case "import":
      try {
        process.exitCode = await runImport(rest);
      } catch (err) {
        if (err instanceof InputError || err instanceof OutputError) {
          process.stderr.write(`agentfleet import: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        if (err instanceof ImportUsageError) throw new UsageError(err.message);
        throw err;
      }
      return;
    case "audit":
      try {
        process.exitCode = await runAuditCommand(rest);
      } catch (err) {
        // Exit 2 means NOT READY here: an audit that could not run, for whatever reason, exits 3.
        const flagError = flagErrorMessage(err);
        process.stderr.write(`agentfleet audit: ${flagError ?? cannotRunMessage(err)}\n`);
        if (err instanceof AuditUsageError || flagError !== undefined) {
          process.stderr.write(`\n${auditUsage}\n`);
        }
        process.exitCode = cannotRun;
      }
      return;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(usage);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

const [command] = process.argv.slice(2);
main(process.argv.slice(2)).catch((err: unknown) => {
  const flagError = flagErrorMessage(err);
  const message = flagError ?? (err instanceof Error ? err.message : String(err));
  // A known command's mistake is shown with that command's usage, not every command's.
  const commandsUsage = command === undefined ? undefined : commandUsage[command];
  process.stderr.write(`agentfleet${commandsUsage ? ` ${command}` : ""}: ${message}\n`);
  if (err instanceof UsageError || flagError !== undefined) {
    process.stderr.write(`\n${commandsUsage ?? usage}\n`);
    process.exitCode = 2;
  } else {
    process.exitCode = 1;
  }
});
