import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AuditReport } from "../audit/audit.ts";
import { scratchDirectory } from "../testing/scratch.ts";
import { cannotRunMessage } from "./audit.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, "main.ts");
const legacyManifests = path.join(here, "../../manifests/legacy");

/** The CLI as a user runs it, with no cluster to reach (a kubeconfig that does not exist). */
function audit(...args: string[]) {
  return spawnSync(process.execPath, [cli, "audit", ...args], {
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: path.join(tmpdir(), "no-such-kubeconfig") },
  });
}

// Each test starts the CLI as a process: seconds on a loaded 2-core machine, not the default 5.
describe("agentfleet audit --manifests", { timeout: 30_000 }, () => {
  it("audits the imported legacy fleet with no cluster, on the README's two PCs, and exits 2 for NOT READY", () => {
    const result = audit("--manifests", legacyManifests);
    expect(result.status).toBe(2);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("AgentFleet audit: NOT READY");
    expect(result.stdout).toContain("the two PCs of the README (mainpc, RTX 4090; pc2, RTX 3060)");
    expect(result.stdout).toMatch(/^ {2}mainpc {2}rtx-4090 {2}[█▓░·]{40} {2}\d+\/23540 MiB/m);
    expect(result.stdout).toContain("If a PC goes down");
  });

  it("prints a JSON report with stable fields", () => {
    const result = audit("--manifests", legacyManifests, "--format", "json");
    const report = JSON.parse(result.stdout) as AuditReport & { apiVersion: string };
    expect(report.apiVersion).toBe("agentfleet.io/audit/v1");
    expect(report.verdict).toBe("NOT READY");
    expect(report.counts.blockers).toBeGreaterThan(0);
    expect(Object.keys(report.findings[0] ?? {}).sort()).toEqual([
      "check",
      "fix",
      "object",
      "problem",
      "severity",
      "why",
    ]);
  });

  it("reads a node inventory, and says READY when every check passes", async () => {
    const dir = await scratchDirectory("audit");
    await writeFile(
      path.join(dir, "fleet.yaml"),
      `apiVersion: agentfleet.io/v1alpha1
kind: AgentDeployment
metadata: {name: hub, namespace: agents}
spec:
  image: cascade/hub:1.0
  ports: [{name: health, port: 8000}]
  healthCheck: {port: health, path: /health}
  resources: {requests: {cpu: 100m, memory: 128Mi}}
`,
    );
    const nodes = path.join(dir, "nodes.yaml");
    await writeFile(
      nodes,
      "nodes:\n  - name: box\n    labels: {kubernetes.io/hostname: box}\n    allocatable: {cpu: '8'}\n",
    );
    const result = audit("--manifests", dir, "--nodes", nodes);
    expect(result.stdout.split("\n")[0]).toBe("AgentFleet audit: READY");
    expect(result.stdout).toContain(`nodes from ${nodes}`);
    expect(result.status).toBe(0);
  });

  it("reads one file of manifests, as kubectl apply -f does, in UTF-16 too", async () => {
    const dir = await scratchDirectory("audit");
    const file = path.join(dir, "fleet.yaml");
    const fleet =
      "apiVersion: agentfleet.io/v1alpha1\nkind: AgentDeployment\nmetadata: {name: hub, namespace: agents}\nspec:\n  image: cascade/hub:1.0\n";
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fleet, "utf16le")]));
    const result = audit("--manifests", file, "--format", "json");
    expect(result.stderr).toBe("");
    expect((JSON.parse(result.stdout) as AuditReport).counts.agents).toBe(1);
    // A directory as kubectl apply -f reads it: its JSON manifests (kubectl get -o json) too.
    const json = {
      apiVersion: "agentfleet.io/v1alpha1",
      kind: "AgentDeployment",
      metadata: { name: "llm", namespace: "agents" },
      spec: { image: "cascade/llm:1.0" },
    };
    await writeFile(path.join(dir, "llm.json"), JSON.stringify(json));
    const both = audit("--manifests", dir, "--format", "json");
    expect((JSON.parse(both.stdout) as AuditReport).counts.agents).toBe(2);
  });

  it("exits 3 with why when it cannot run: no such directory, a broken manifest, a bad flag", async () => {
    const missing = audit("--manifests", "/no/such/dir");
    expect(missing.status).toBe(3);
    expect(missing.stderr).toBe("agentfleet audit: /no/such/dir: no such file or directory of manifests\n");

    const dir = await scratchDirectory("audit");
    await writeFile(
      path.join(dir, "bad.yaml"),
      "kind: AgentDeployment\nmetadata: {name: x}\nspec:\n  image: a:1\n  replicas: -1\n",
    );
    const broken = audit("--manifests", dir);
    expect(broken.status).toBe(3);
    expect(broken.stderr).toMatch(/bad\.yaml:1: AgentDeployment x: spec\.replicas: /);
    expect(broken.stderr).not.toMatch(/\n\s+at /);

    const flag = audit("--format", "xml");
    expect(flag.status).toBe(3);
    expect(flag.stderr).toContain("--format takes text, json or html");

    // An alias bomb among the manifests, and a node inventory that does not parse: each named, at its line.
    const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [i, name] of [..."bcdefghi"].entries()) {
      const previous = "abcdefghi"[i];
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const bomb = path.join(await scratchDirectory("audit"), "bomb.yaml");
    await writeFile(bomb, `${laughs.join("\n")}\n`);
    const exploded = audit("--manifests", bomb);
    expect(exploded.status).toBe(3);
    expect(exploded.stderr).toMatch(/bomb\.yaml:1: .*its aliases \(\*name\) expand past what a manifest holds/);
    const nodes = path.join(dir, "nodes.yaml");
    await writeFile(nodes, "nodes: [\n");
    const unparsed = audit("--manifests", legacyManifests, "--nodes", nodes);
    expect(unparsed.status).toBe(3);
    expect(unparsed.stderr).toMatch(/nodes\.yaml:\d+:\d+: invalid YAML: /);
  });

  it("says it cannot reach the cluster, and how to go on, when nothing answers at the kubeconfig's server", async () => {
    // A port that was free a moment ago: nothing listens there now.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const dir = await scratchDirectory("audit");
    const kubeconfig = path.join(dir, "config");
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`,
    );
    const result = spawnSync(process.execPath, [cli, "audit"], {
      encoding: "utf8",
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(
      `agentfleet audit: cannot reach the cluster (connect ECONNREFUSED 127.0.0.1:${port}): check KUBECONFIG, or audit manifests with --manifests DIR\n`,
    );
  });

  it("blames the cluster only for errors on the way to it, not a local file's", () => {
    const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
    expect(cannotRunMessage(withCode("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"))).toMatch(
      /^cannot reach the cluster \(self-signed certificate\)/,
    );
    expect(cannotRunMessage(withCode("other side closed", "UND_ERR_SOCKET"))).toMatch(/^cannot reach the cluster/);
    expect(cannotRunMessage(withCode("EACCES: permission denied, open '/r.html'", "EACCES"))).toBe(
      "EACCES: permission denied, open '/r.html'",
    );
  });

  it("matches the README's example: the imported legacy fleet's verdict and blocker count", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(path.join(here, "../../README.md"), "utf8");
    const [first, counts] = audit("--manifests", legacyManifests).stdout.split("\n");
    expect(readme).toContain(`${first}\n${counts}\n`);
  });
});
