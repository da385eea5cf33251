// manifests/install.yaml: the chart rendered with its defaults, for `kubectl apply -f` without Helm.
import path from "node:path";
import { repoRoot, tool } from "./paths.ts";
import { run } from "./run.ts";

export const installManifestPath = "manifests/install.yaml";
export const installNamespace = "agentfleet-system";

export async function renderInstallManifest(): Promise<string> {
  const rendered = await run(tool("helm"), [
    "template",
    "agentfleet",
    path.join(repoRoot, "charts/agentfleet"),
    "--namespace",
    installNamespace,
    "--include-crds",
  ]);
  const namespace = [
    "apiVersion: v1",
    "kind: Namespace",
    "metadata:",
    `  name: ${installNamespace}`,
    "  labels:",
    "    # The operator's pods meet the restricted Pod Security Standard.",
    "    pod-security.kubernetes.io/enforce: restricted",
  ].join("\n");
  return `# Generated from charts/agentfleet by \`npm run generate\`. Do not edit.\n# kubectl apply --server-side -f manifests/install.yaml\n---\n${namespace}\n${rendered.replace(/^---\n/, "---\n")}`;
}
