// docs/audit-checks.md, written from the table of checks by `npm run generate` (a test fails on drift),
// so that the documented severity of each check is the one the code gives it.
import { checks } from "./findings.ts";

export function checksDoc(): string {
  const rows = Object.entries(checks).map(([id, c]) => `| ${c.area} | \`${id}\` | ${c.severity} | ${c.about} |`);
  return `<!-- Generated from src/audit/findings.ts by \`npm run generate\`. Do not edit. -->
# The audit's checks

A **blocker** makes the fleet NOT READY, a **warning** PARTIALLY READY; a **note** informs and changes
no verdict. \`agentfleet audit --format json\` names each finding by its check.

| area | check | severity | finds |
| --- | --- | --- | --- |
${rows.join("\n")}
`;
}
