// The chart's ClusterRole must grant what the operator does with every kind in the table of child
// kinds (and every cache it keeps): a kind added to the table without its RBAC rule would be refused
// by the API server on a real cluster, where the local cluster's admin kubeconfig would never notice.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { childKinds } from "../src/reconcilers/child-kinds.ts";
import { readResources } from "../src/reconcilers/fleet-caches.ts";
import { repoRoot } from "./lib/paths.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The ClusterRole's rules from the chart's template: its Go template lines removed, the rest is YAML. */
async function clusterRoleRules(): Promise<Rule[]> {
  const template = await readFile(path.join(repoRoot, "charts/agentfleet/templates/rbac.yaml"), "utf8");
  const yaml = template
    .split("\n")
    .filter((line) => !line.includes("{{"))
    .join("\n");
  const role = parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind?: string; rules?: Rule[] })
    .find((d) => d.kind === "ClusterRole");
  if (!role?.rules) throw new Error("charts/agentfleet/templates/rbac.yaml has no ClusterRole with rules");
  return role.rules;
}

const verbsFor = (rules: Rule[], group: string, plural: string) =>
  new Set(rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(plural)).flatMap((r) => r.verbs));

describe("the chart's RBAC", () => {
  for (const { resource, prune } of childKinds) {
    const needed = ["get", "list", "watch", "create", "patch", ...(prune ? ["delete"] : [])];
    it(`lets the operator ${needed.join(", ")} ${resource.plural} (a child kind)`, async () => {
      const granted = verbsFor(await clusterRoleRules(), resource.group, resource.plural);
      expect(
        [...needed].filter((v) => !granted.has(v)),
        `missing verbs on ${resource.plural}`,
      ).toEqual([]);
    });
  }

  for (const resource of Object.values(readResources)) {
    it(`lets the operator get, list and watch ${resource.plural} (a cache it keeps)`, async () => {
      const granted = verbsFor(await clusterRoleRules(), resource.group, resource.plural);
      expect(
        ["get", "list", "watch"].filter((v) => !granted.has(v)),
        `missing verbs on ${resource.plural}`,
      ).toEqual([]);
    });
  }

  it("never lets the operator read Secrets", async () => {
    expect(verbsFor(await clusterRoleRules(), "", "secrets").size).toBe(0);
  });
});
