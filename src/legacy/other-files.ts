// Files that sit beside the legacy configs in a checkout and are plainly something else: a JSON
// Schema of the config, a CI pipeline, Kubernetes objects. Read as configs, their services: and
// image: keys would become agents (a GitHub Actions step's `with: {image}` was one); refusing them by
// what they are says which file to leave out, and why.
import { firstFew } from "../lib/words.ts";
import type { Location } from "./model.ts";
import { child, type ParsedFile, scalar, type YNode } from "./yaml-source.ts";

export interface OtherFile {
  message: string;
  loc: Location;
}

/** `Deployment coordination`: a Kubernetes object as kubectl names it, from one document. */
function kubernetesObject(root: YNode | undefined): string | undefined {
  const kind = scalar(child(root, "kind"));
  if (!kind || scalar(child(root, "apiVersion")) === undefined) return undefined;
  const name = scalar(child(child(root, "metadata"), "name"));
  return name ? `${kind} ${name}` : kind;
}

/** A CI pipeline: GitHub Actions (on:, jobs: with runs-on or steps) or GitLab CI (stages:, jobs with stage:). */
function ciPipeline(root: YNode | undefined): string | undefined {
  if (root?.kind !== "map") return undefined;
  const jobs = child(root, "jobs");
  const isJob = (node: YNode) => child(node, "runs-on") !== undefined || child(node, "steps") !== undefined;
  if (jobs?.kind === "map" && (child(root, "on") !== undefined || jobs.entries.some((e) => isJob(e.value))))
    return "a GitHub Actions workflow (on:, jobs:)";
  // A job kept apart to paste into a workflow: its runs-on: and steps: at the top.
  const job = root.entries.find(
    (e) => child(e.value, "runs-on") !== undefined && child(e.value, "steps")?.kind === "seq",
  );
  if (job) return `a GitHub Actions job (${job.key}: runs-on:, steps:)`;
  if (child(root, "stages")?.kind === "seq" && root.entries.some((e) => child(e.value, "stage") !== undefined))
    return "a GitLab CI pipeline (stages:, jobs with stage:)";
  return undefined;
}

/** Goss's resource kinds (goss.yaml), and `docker:` as test suites for containers add it. */
const gossKeys = new Set(
  "addr command dns docker file gossfile group http interface kernel-param matching mount package port process service user".split(
    " ",
  ),
);

/** A Goss test suite: every top-level key one of its resource kinds, with ports written as tcp:8001. */
function gossSuite(root: YNode | undefined): boolean {
  if (root?.kind !== "map" || root.entries.length === 0) return false;
  if (!root.entries.every((e) => gossKeys.has(e.key) && e.value.kind === "map")) return false;
  const ports = child(root, "port");
  const gossPorts = ports?.kind === "map" && ports.entries.some((e) => /^(tcp|udp)6?:\d+$/.test(e.key));
  return gossPorts || root.entries.length >= 2;
}

/** Prometheus's own files: its configuration (scrape_configs:), or rules (groups: of rules with alert: or record:). */
function prometheusFile(root: YNode | undefined): string | undefined {
  if (child(root, "scrape_configs")?.kind === "seq") return "a Prometheus configuration (scrape_configs:)";
  const groups = child(root, "groups");
  const isRule = (r: YNode) =>
    child(r, "expr") !== undefined && (child(r, "alert") ?? child(r, "record")) !== undefined;
  const rules = groups?.kind === "seq" ? groups.items.flatMap((g) => child(g, "rules") ?? []) : [];
  if (rules.some((r) => r.kind === "seq" && r.items.some(isRule)))
    return "Prometheus rules (groups: of rules with alert: or record:, and expr:)";
  return undefined;
}

/** When a report was made: timestamp, test_timestamp, generated_at, start_time… */
const whenKey = /^(\w+_)?(timestamp|time|date)$|^\w+_at$/;
/** What a report sums up: summary, results, total_agents, section_counts, system_metrics, recommendations… */
const resultKey =
  /^(summary(_\w+)?|(\w+_)?results|total_\w+|\w+_counts?|(\w+_)?metrics|issues|(\w+_)?recommendations|anomalies|statistics|stats)$/;

/**
 * A report a tool wrote about the system (a health check's results, an audit, a migration's log): a
 * time it was made and what it found, or several sums of what it found. Its agents are those the
 * tool saw at that moment, with what it measured beside them, not a definition of what runs.
 */
function toolReport(root: YNode | undefined): string | undefined {
  if (root?.kind !== "map") return undefined;
  const when = root.entries.find((e) => whenKey.test(e.key) && e.value.kind === "scalar");
  const results = root.entries.filter((e) => resultKey.test(e.key)).map((e) => e.key);
  if (results.length >= 2 || (when && results.length >= 1))
    return firstFew([...(when ? [when.key] : []), ...results], 3);
  return undefined;
}

/** Why a parsed file is not a startup config or compose file, when what it is shows; else undefined. */
export function otherKindOfFile(parsed: Pick<ParsedFile, "file" | "root" | "laterDocuments">): OtherFile | undefined {
  const { root } = parsed;
  const documents = [root, ...parsed.laterDocuments];
  const at = root?.loc ?? { file: parsed.file, line: 1, column: 1 };
  const objects = documents.flatMap((d) => kubernetesObject(d) ?? []);
  if (objects.length > 0)
    return {
      message: `this file holds Kubernetes objects (${firstFew(objects, 3)}), not a startup config or compose file: kubectl applies them as they are. To run an agent under AgentFleet, write an AgentDeployment for it (kubectl explain agentdeployment.spec), or import the startup config or compose file it came from`,
      loc: at,
    };
  const second = parsed.laterDocuments[0];
  if (second)
    return {
      message: `this file holds ${documents.length} YAML documents (the second begins at line ${second.loc.line}), not all of them compose's (compose reads a stream of its files in order); a startup config is one document: import each as a file of its own`,
      loc: { ...second.loc, column: 1 },
    };
  const schema = child(root, "$schema");
  // A JSON Schema of the startup config names its fields (properties:, script_path:) and no agent.
  if (schema)
    return {
      message:
        "this is a JSON Schema ($schema), which describes a config rather than defining agents: import the startup configs it validates instead",
      loc: schema.loc,
    };
  if (gossSuite(root))
    return {
      message:
        "this is a Goss test suite (port:, service:, process:…), which checks a running system rather than defining its agents: in the cluster, each agent's health check and status say whether it runs (agentfleet audit for the fleet). Import the startup configs and compose files it tests instead",
      loc: at,
    };
  const prometheus = prometheusFile(root);
  if (prometheus)
    return {
      message: `this is ${prometheus}, which Prometheus reads rather than defining agents: give it to the Prometheus the fleet uses (its Helm chart's values; with the Prometheus Operator, a ServiceMonitor per scrape job and a PrometheusRule for rules, as the agentfleet chart ships for the operator). Import the startup configs and compose files instead`,
      loc: at,
    };
  const mcp = child(root, "mcpServers");
  if (mcp?.kind === "map")
    return {
      message: `this is an MCP servers configuration (mcpServers: ${firstFew(
        mcp.entries.map((e) => e.key),
        3,
      )}), with which an AI editor or assistant starts its tools on a developer's machine, not agents of the fleet: leave it out (and keep the tokens it holds out of the repository)`,
      loc: at,
    };
  const report = toolReport(root);
  if (report)
    return {
      message: `this is a report a tool wrote about the system (${report}), which records what it saw at one moment rather than defining what runs: import the startup configs and compose files it reports on`,
      loc: at,
    };
  const pipeline = ciPipeline(root);
  if (pipeline)
    return {
      message: `this is ${pipeline}, which builds, tests or deploys the system rather than running its agents (its services and images are the pipeline's own): import the startup configs and compose files it uses instead`,
      loc: at,
    };
  return undefined;
}
