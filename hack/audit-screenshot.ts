// npm run docs:audit-screenshot: the picture of the audit's HTML report in the docs, made from the
// imported legacy samples (manifests/legacy) on the README's two PCs, in the same browser the tests
// use. Writes docs/images/audit-report.png.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runAudit } from "../src/audit/audit.ts";
import { homeLabClasses, homeLabNodes } from "../src/audit/home-lab.ts";
import { htmlReport } from "../src/audit/html-report.ts";
import { readManifests } from "../src/cli/audit-sources.ts";
import { launchChromium } from "./lib/browser.ts";
import { repoRoot } from "./lib/paths.ts";

const dir = path.join(repoRoot, "manifests/samples");
const { agents, classes } = await readManifests(dir);
const report = runAudit({
  source: "manifests/samples on the two PCs of the README",
  agents,
  classes: classes.length ? classes : [...homeLabClasses],
  nodes: [...homeLabNodes],
  current: new Map(),
});
const out = path.join(repoRoot, "docs/images");
await mkdir(out, { recursive: true });
const scratch = await mkdtemp(path.join(tmpdir(), "agentfleet-audit-report-"));
const html = path.join(scratch, "audit-report.html");
await writeFile(html, htmlReport(report));
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`file://${html}`);
  await page.screenshot({ path: path.join(out, "audit-report.png"), fullPage: true });
} finally {
  await browser.close();
  await rm(scratch, { recursive: true, force: true });
}
console.log(`wrote docs/images/audit-report.png (${report.verdict})`);
