// The bench's fleet: the imported legacy fleet, scaled up, and the children the operator's render
// functions make of it, for the floors of bench/fleet.ts and the cache figures of bench/cache-memory.ts.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { type AgentDeployment, agentDeploymentSpecSchema } from "../src/api/agentdeployment.ts";
import type { GPUClass } from "../src/api/gpuclass.ts";
import { disruptionPolicy } from "../src/placement/disruption.ts";
import { demandOf, gpuChoice } from "../src/placement/gpu-choice.ts";
import { planPlacement, type Supply } from "../src/placement/plan.ts";
import { agentDependencies } from "../src/reconcilers/agent-dependencies.ts";
import { renderChildren } from "../src/reconcilers/child-kinds.ts";
import type { Child } from "../src/render/input.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");

// The fleet: the imported legacy fleet, scaled up with varied classes, VRAM, dependencies and config.
export async function generateFleet(n: number): Promise<AgentDeployment[]> {
  const dir = path.join(repoRoot, "manifests/legacy");
  // The AgentDeployment of each file that holds one (not the namespace's, the shared claims' or a Job's).
  const base = (
    await Promise.all(
      (
        await readdir(dir)
      )
        .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
        .sort()
        .map(async (f) =>
          parseAllDocuments(await readFile(path.join(dir, f), "utf8"))
            .map((d) => d.toJS() as AgentDeployment | null)
            .find((d) => d?.kind === "AgentDeployment"),
        ),
    )
  ).filter((a): a is AgentDeployment => a !== undefined);
  const namespaces = n > 1000 ? ["bench-a", "bench-b", "bench-c"] : ["bench"];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const fleet: AgentDeployment[] = [];
  for (let copy = 0; fleet.length < n; copy++) {
    const suffix = copy === 0 ? "" : `-c${copy}`;
    const namespace = namespaces[copy % namespaces.length] as string;
    for (const a of base) {
      if (fleet.length >= n) break;
      // Varied: either card, 256 to 2048 MiB, half of them with the other card as fallback.
      const own = rand() > 0.4 ? "rtx-4090" : "rtx-3060";
      const gpu = a.spec.gpu
        ? {
            class: own,
            vramMiB: 256 * (1 + Math.floor(rand() * 8)),
            ...(rand() > 0.5 ? { fallbackClasses: [own === "rtx-4090" ? "rtx-3060" : "rtx-4090"] } : {}),
          }
        : undefined;
      fleet.push({
        apiVersion: a.apiVersion,
        kind: a.kind,
        metadata: { name: `${a.metadata.name}${suffix}`.slice(0, 63).replace(/-+$/, ""), namespace },
        spec: {
          ...a.spec,
          config: { ...(a.spec.config ?? {}), bench_copy: copy, bench_seed: Math.floor(rand() * 1e6) },
          dependencies: (a.spec.dependencies ?? []).map((d) => `${d}${suffix}`.slice(0, 63).replace(/-+$/, "")),
          // The imported fleet's claims (Redis's data) have no volumes here: scratch space instead.
          ...(a.spec.volumes
            ? {
                volumes: a.spec.volumes.map((v) =>
                  v.persistentVolumeClaim ? { name: v.name, mountPath: v.mountPath, emptyDir: {} } : v,
                ),
              }
            : {}),
          ...(gpu ? { gpu } : {}),
        } as AgentDeployment["spec"],
      });
    }
  }
  // A partial last copy names dependencies it did not generate: drop them, or with dependency-ordered
  // start those agents would wait for ever and the rollout never end.
  const names = new Set(fleet.map((a) => `${a.metadata.namespace}/${a.metadata.name}`));
  for (const a of fleet) {
    a.spec.dependencies = (a.spec.dependencies ?? []).filter((d) => names.has(`${a.metadata.namespace}/${d}`));
  }
  return fleet;
}

/**
 * Each agent's children as the operator renders them, every agent started, in namespaces renamed
 * with `prefix`, without owner references (no AgentDeployment owns them).
 */
export function renderFleetChildren(
  fleet: readonly AgentDeployment[],
  prefix: string,
  classes: Map<string, GPUClass>,
  supplies: Supply[],
): Child[][] {
  const typed = fleet.map((a) => ({
    ...a,
    metadata: { ...a.metadata, namespace: `${prefix}${a.metadata.namespace}`, uid: "" },
    spec: agentDeploymentSpecSchema.parse(a.spec),
  }));
  const plan = planPlacement(
    typed.flatMap((a) => demandOf(`${a.metadata.namespace}/${a.metadata.name}`, a, undefined, false) ?? []),
    classes,
    supplies,
  );
  // The floor starts every agent at once: it has no order to respect.
  const byKey = new Map(typed.map((a) => [`${a.metadata.namespace}/${a.metadata.name}`, a]));
  return typed.map((a) => {
    const ns = a.metadata.namespace;
    const dependencies = agentDependencies(a, {
      get: (n) => byKey.get(`${ns}/${n}`),
      dependents: () => typed.filter((b) => b.metadata.namespace === ns),
    });
    return renderChildren({
      agent: a,
      placement: gpuChoice(a, plan.get(`${a.metadata.namespace}/${a.metadata.name}`), classes),
      disruption: disruptionPolicy(a, classes, supplies, undefined),
      started: true,
      dependencies: dependencies.endpoints,
      dependents: dependencies.dependents,
    }).map((c) => ({ ...c, metadata: { ...c.metadata, ownerReferences: undefined } }));
  });
}
