// npm run check:rules: the chart's PrometheusRule, rendered with the alerts on, checked by Prometheus'
// own promtool (built once by hack/promtool.sh). Exits non-zero with promtool's words when a rule is wrong.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { repoRoot, tool } from "./lib/paths.ts";
import { run } from "./lib/run.ts";

const promtool = (await run("bash", [path.join(repoRoot, "hack/promtool.sh")])).trim();
const rendered = await run(tool("helm"), [
  "template",
  "agentfleet",
  path.join(repoRoot, "charts/agentfleet"),
  "--set",
  "metrics.prometheusRule.enabled=true",
  "--show-only",
  "templates/prometheusrule.yaml",
]);
const rule = parse(rendered) as { spec: { groups: unknown[] } };
const dir = await mkdtemp(path.join(tmpdir(), "agentfleet-rules-"));
try {
  const file = path.join(dir, "rules.yaml");
  await writeFile(file, stringify({ groups: rule.spec.groups }));
  process.stdout.write(await run(promtool, ["check", "rules", file]));
} finally {
  await rm(dir, { recursive: true, force: true });
}
