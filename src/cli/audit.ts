// `agentfleet audit`: is this fleet ready for production? Reads the live cluster (read only) or
// manifests with a node inventory, runs the pure audit, prints the report. Exit status: 0 READY,
// 1 PARTIALLY READY, 2 NOT READY, 3 the audit could not run.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type AuditReport, runAudit } from "../audit/audit.ts";
import type { Verdict } from "../audit/findings.ts";
import { htmlReport } from "../audit/html-report.ts";
import type { FleetSnapshot } from "../audit/snapshot.ts";
import { textReport } from "../audit/text-report.ts";
import { loadConnection } from "../controller/connection.ts";
import { KubeClient } from "../controller/rest.ts";
import type { Supply } from "../placement/plan.ts";
import {
  AuditInputError,
  clusterSnapshot,
  homeLab,
  nodesOfCluster,
  readManifests,
  readNodeInventory,
} from "./audit-sources.ts";

export const auditUsage = `agentfleet audit [flags]     (also: kubectl agentfleet audit)
  Is this fleet ready for production? A verdict, the blockers and how to fix each, what happens when a PC dies.
  Reads the cluster of KUBECONFIG (it only reads), or manifests:
    --manifests DIR|FILE       AgentDeployment and GPUClass manifests (the output of agentfleet import)
    --nodes FILE               the nodes, for --manifests: {nodes: [{name, labels, allocatable}]} or
                               kubectl get nodes -o yaml; default: the cluster's, else the two PCs of the README
    --kubeconfig FILE          a kubeconfig other than KUBECONFIG's
    --format text|json|html    the report's form (default text)
    --out FILE                 write the report to FILE instead of standard output
  Exit status: 0 READY, 1 PARTIALLY READY, 2 NOT READY, 3 the audit could not run.`;

export class AuditUsageError extends Error {}

export const exitCodes: Record<Verdict, number> = { READY: 0, "PARTIALLY READY": 1, "NOT READY": 2 };
export const cannotRun = 3;

/** The JSON report: stable field names (docs/audit.md documents them). */
export function jsonReport(report: AuditReport): string {
  return `${JSON.stringify({ apiVersion: "agentfleet.io/audit/v1", ...report }, null, 2)}\n`;
}

/** The cluster's nodes, if a cluster answers within a few seconds; undefined when none does. */
async function reachableNodes(
  kubeconfig: string | undefined,
): Promise<{ nodes: Supply[]; server: string } | undefined> {
  let client: KubeClient | undefined;
  try {
    const connection = await loadConnection(kubeconfig);
    client = new KubeClient(connection);
    const nodes = await Promise.race([
      nodesOfCluster(client),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 5000).unref()),
    ]);
    return { nodes, server: connection.server };
  } catch {
    return undefined;
  } finally {
    await client?.close();
  }
}

async function manifestSnapshot(
  dir: string,
  nodesFile: string | undefined,
  kubeconfig: string | undefined,
): Promise<FleetSnapshot> {
  const { agents, classes } = await readManifests(dir);
  let nodes: readonly Supply[];
  let nodesFrom: string;
  if (nodesFile) {
    nodes = await readNodeInventory(nodesFile);
    nodesFrom = `nodes from ${nodesFile}`;
  } else {
    const live = await reachableNodes(kubeconfig);
    nodes = live?.nodes ?? homeLab.nodes;
    nodesFrom = live ? `the nodes of ${live.server}` : "the two PCs of the README (mainpc, RTX 4090; pc2, RTX 3060)";
  }
  const useClasses = classes.length ? classes : homeLab.classes;
  return {
    source: `manifests in ${dir}, ${nodesFrom}${classes.length ? "" : ", and the chart's GPU classes (rtx-4090, rtx-3060)"}`,
    agents,
    classes: [...useClasses],
    nodes: [...nodes],
    current: new Map(),
  };
}

export async function runAuditCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      manifests: { type: "string" },
      nodes: { type: "string" },
      kubeconfig: { type: "string" },
      format: { type: "string", default: "text" },
      out: { type: "string" },
    },
  });
  if (positionals.length) throw new AuditUsageError(`unexpected argument "${positionals[0]}"`);
  if (!["text", "json", "html"].includes(values.format)) {
    throw new AuditUsageError(`--format takes text, json or html, not "${values.format}"`);
  }
  if (values.nodes && !values.manifests) throw new AuditUsageError("--nodes goes with --manifests");
  const snapshot = values.manifests
    ? await manifestSnapshot(values.manifests, values.nodes, values.kubeconfig)
    : await clusterSnapshot(await loadConnection(values.kubeconfig));
  const report = runAudit(snapshot);
  const rendered =
    values.format === "json" ? jsonReport(report) : values.format === "html" ? htmlReport(report) : textReport(report);
  if (values.out) {
    await writeFile(values.out, rendered);
    out(`${report.verdict}: the ${values.format} report is in ${values.out}\n`);
  } else {
    out(rendered);
  }
  return exitCodes[report.verdict];
}

/** The error codes of the way to a server: the system's network errors, undici's, TLS's. */
const transportCodes =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|UND_ERR_\w+|ERR_TLS_\w+|\w*CERT\w*|UNABLE_TO_\w+)$/;

/**
 * An error of the way to the API server, not of an answer: the system's (ECONNREFUSED, ENOTFOUND,
 * EHOSTUNREACH…), TLS's (an unknown certificate authority), undici's (a socket closed, a connect
 * timeout: UND_ERR_…) or a request's timeout. Not a local file's (EACCES writing --out is not the
 * cluster's fault).
 */
function isTransportError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "TimeoutError") return true;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" && transportCodes.test(code);
}

/** Why the audit could not run, in words, for any error: a missing kubeconfig, an unreachable API server, bad input. */
export function cannotRunMessage(err: unknown): string {
  if (err instanceof AuditInputError || err instanceof AuditUsageError) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  if (isTransportError(err)) {
    return `cannot reach the cluster (${message}): check KUBECONFIG, or audit manifests with --manifests DIR`;
  }
  return message;
}
