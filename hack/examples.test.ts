// The files docs/guides/k3s-two-pcs.md asks a reader to apply, checked against each other: each PC's
// k3s config selects a time-slicing config of the device plugin by node label; GPU Feature Discovery
// then labels the node (product with -SHARED, replicas, memory); exactly one GPU class of the
// examples must match each card, in both forms of the product label, with the same replicas and VRAM.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { type GPUClass, gpuClassSpecSchema } from "../src/api/gpuclass.ts";
import { gpuLabels, homeLabCards } from "../src/audit/home-lab.ts";
import { preflightClass } from "../src/audit/preflight.ts";
import { nodeInClass } from "../src/placement/nodes.ts";
import { repoRoot } from "./lib/paths.ts";

const examples = path.join(repoRoot, "docs/examples");
const readYaml = async (file: string) => parse(await readFile(path.join(examples, file), "utf8")) as unknown;

interface K3sConfig {
  "node-name": string;
  "node-label"?: string[];
  server?: string;
  "token-file"?: string;
}

interface SharingConfig {
  version: string;
  sharing?: {
    timeSlicing?: { renameByDefault?: boolean; resources: { name: string; replicas: number }[] };
  };
}

async function classes(): Promise<GPUClass[]> {
  const text = await readFile(path.join(examples, "gpuclasses.yaml"), "utf8");
  return parseAllDocuments(text).map((d) => {
    const obj = d.toJS() as GPUClass;
    // Through the API's own schema: a field the CRD would refuse fails here too.
    return { ...obj, spec: gpuClassSpecSchema.parse(obj.spec) };
  });
}

/** What GFD writes on a node with this card under this time-slicing config, and what the plugin advertises. */
function nodeUnder(name: keyof typeof homeLabCards, config: SharingConfig) {
  const slicing = config.sharing?.timeSlicing;
  const replicas = slicing?.resources.find((r) => r.name === "nvidia.com/gpu")?.replicas ?? 1;
  const card = { ...homeLabCards[name], replicas };
  const labels = gpuLabels(card);
  const renamed = slicing?.renameByDefault === true && replicas > 1;
  return {
    name,
    labels: renamed ? { ...labels, "nvidia.com/gpu.product": card.product } : labels,
    ready: true,
    schedulable: true,
    allocatable: { [renamed ? "nvidia.com/gpu.shared" : "nvidia.com/gpu"]: String(card.count * replicas) },
    replicas,
    card,
    resourceName: renamed ? "nvidia.com/gpu.shared" : "nvidia.com/gpu",
  };
}

describe("docs/examples", () => {
  for (const pc of ["mainpc", "pc2"] as const) {
    it(`gives ${pc}'s card a time-slicing config that exactly one GPU class matches, in both label forms`, async () => {
      const k3s = (await readYaml(`k3s/${pc}-config.yaml`)) as K3sConfig;
      expect(k3s["node-name"]).toBe(pc);
      const selected = k3s["node-label"]?.find((l) => l.startsWith("nvidia.com/device-plugin.config="))?.split("=")[1];
      expect(selected, `${pc}'s k3s config sets no nvidia.com/device-plugin.config label`).toBeDefined();
      const values = (await readYaml("nvidia-device-plugin-values.yaml")) as {
        runtimeClassName: string;
        gfd: { enabled: boolean };
        config: { map: Record<string, string> };
      };
      expect(values.gfd.enabled).toBe(true);
      const configText = values.config.map[selected as string];
      expect(configText, `the device plugin has no config named ${selected}`).toBeDefined();
      const node = nodeUnder(pc, parse(configText as string) as SharingConfig);
      const all = await classes();
      const matching = all.filter((c) => nodeInClass(node, c));
      expect(matching.map((c) => c.metadata.name)).toHaveLength(1);
      const gpuClass = matching[0] as GPUClass;
      expect(gpuClass.spec.sharing.replicas).toBe(node.replicas);
      expect(gpuClass.spec.vramMiB).toBe(node.card.memoryMiB);
      expect(gpuClass.spec.resourceName).toBe(node.resourceName);
      expect(gpuClass.spec.runtimeClassName).toBe(values.runtimeClassName);
      // The same card with time-slicing off (product without -SHARED) still matches the class.
      const unshared = { ...node, labels: gpuLabels({ ...node.card, replicas: 1 }) };
      expect(nodeInClass(unshared, gpuClass)).toBe(true);
      // And the audit's preflight finds nothing wrong with the class on that node.
      expect(preflightClass(gpuClass, [node], new Set([values.runtimeClassName])).findings).toEqual([]);
    });
  }

  it("joins pc2 to mainpc's server with a token file", async () => {
    const agent = (await readYaml("k3s/pc2-config.yaml")) as K3sConfig;
    const server = (await readYaml("k3s/mainpc-config.yaml")) as K3sConfig & { "tls-san": string[] };
    expect(agent.server).toBe(`https://${server["node-name"]}:6443`);
    expect(server["tls-san"]).toContain(server["node-name"]);
    expect(agent["token-file"]).toMatch(/^\//);
  });

  it("has a Flux source and Kustomization that point at each other", async () => {
    const docs = parseAllDocuments(await readFile(path.join(examples, "flux/agents.yaml"), "utf8")).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { name: string };
          spec: { sourceRef?: { name: string }; prune?: boolean };
        },
    );
    const source = docs.find((d) => d.kind === "GitRepository");
    const kustomization = docs.find((d) => d.kind === "Kustomization");
    expect(kustomization?.spec.sourceRef?.name).toBe(source?.metadata.name);
    expect(kustomization?.spec.prune).toBe(true);
  });
});
