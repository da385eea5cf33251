// Ten thousand AgentDeployments, valid and mutated in every field, sent to the real API server with a
// server-side dry run: each is accepted, or refused with a message that names the field. Every
// accepted one goes through the operator's pure path (parse, place, render) without throwing, its
// children are accepted by a dry run of their own (what admission lets in, Kubernetes can build), and
// a sample is reconciled for real with the operator running. AGENTFLEET_FUZZ_RUNS sets the count.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyManifests, installCrds, sampleGpuClasses } from "../hack/lib/install.ts";
import { type RunningOperator, startOperator } from "../hack/lib/operator-process.ts";
import { kubeconfigPath } from "../hack/lib/paths.ts";
import { type AgentDeployment, agentDeploymentSpecSchema } from "../src/api/agentdeployment.ts";
import { AgentCondition } from "../src/api/conditions.ts";
import { homeLabClasses, homeLabNodes } from "../src/audit/home-lab.ts";
import { loadConnection } from "../src/controller/connection.ts";
import { resourcePath } from "../src/controller/resources.ts";
import { ApiError, KubeClient } from "../src/controller/rest.ts";
import { decideStart } from "../src/dependencies/start.ts";
import { disruptionPolicy } from "../src/placement/disruption.ts";
import { demandOf, gpuChoice } from "../src/placement/gpu-choice.ts";
import { planPlacement } from "../src/placement/plan.ts";
import { agentDependencies } from "../src/reconcilers/agent-dependencies.ts";
import { childKind, renderChildren } from "../src/reconcilers/child-kinds.ts";
import { agentDeploymentResource } from "../src/reconcilers/kinds.ts";
import { clients, eventually, withNamespace } from "./support/kube.ts";
import { agentName, mutatedSpec } from "./support/manifest-fuzz.ts";

const runs = Number(process.env.AGENTFLEET_FUZZ_RUNS ?? 10_000);
const { core } = clients();
const client = new KubeClient(await loadConnection(kubeconfigPath));
let ns: { name: string; remove: () => Promise<void> };
let operator: RunningOperator | undefined;

interface Outcome {
  name: string;
  /** The spec as sent, and (when accepted) as the API server would store it: what the operator reads. */
  spec: unknown;
  stored?: unknown;
  refused?: string;
}

/**
 * Server-side apply with dryRun=All: what the API server would do, with nothing stored. Resolves
 * with the object it would store, or with its refusal's words.
 */
async function dryRun(path: string, body: unknown): Promise<{ stored?: unknown; refused?: string }> {
  try {
    return {
      stored: await client.request("PATCH", path, {
        body,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: "fuzz", force: true, dryRun: "All" },
      }),
    };
  } catch (err) {
    // 422 Invalid, 400 for a body that is not the kind; and server-side apply answers 500 "failed to
    // create typed patch object" for a list entry without its key (.spec.env: element 0: …).
    const typedPatch = err instanceof ApiError && err.status === 500 && /typed patch object/.test(err.message);
    if (err instanceof ApiError && (err.status === 422 || err.status === 400 || typedPatch))
      return { refused: err.message };
    throw err;
  }
}

async function inParallel<T, R>(items: readonly T[], workers: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const manifest = (name: string, spec: unknown) => ({
  apiVersion: "agentfleet.io/v1alpha1",
  kind: "AgentDeployment",
  metadata: { name, namespace: ns.name },
  spec,
});

let outcomes: Outcome[] = [];

beforeAll(async () => {
  await installCrds();
  await applyManifests(sampleGpuClasses);
  ns = await withNamespace(core, "e2e-fuzz");
});

afterAll(async () => {
  await operator?.stop();
  await ns?.remove();
  await client.close();
});

describe(`${runs} fuzzed AgentDeployments`, () => {
  it("are each accepted, or refused with a message that names the field", async () => {
    const cases = fc.sample(fc.record({ name: agentName, spec: mutatedSpec }), { numRuns: runs, seed: 20261130 });
    outcomes = await inParallel(cases, 8, async ({ name, spec }) => {
      const result = await dryRun(resourcePath(agentDeploymentResource, ns.name, name), manifest(name, spec));
      return { name, spec, ...result };
    });
    const refused = outcomes.filter((o) => o.refused !== undefined);
    const unnamed = refused.filter((o) => !/(spec|metadata\.name|\.name)/.test(o.refused as string));
    expect(unnamed.slice(0, 5)).toEqual([]);
    console.log(`fuzz: ${runs} manifests, ${refused.length} refused, ${runs - refused.length} accepted`);
    expect(refused.length).toBeGreaterThan(runs / 10);
    expect(runs - refused.length).toBeGreaterThan(runs / 10);
  }, 1_200_000);

  it("when accepted, go through the operator's pure path, and their children are accepted too", async () => {
    const accepted = outcomes.filter((o) => o.refused === undefined);
    const classes = new Map(homeLabClasses.map((c) => [c.metadata.name, c]));
    const failures: string[] = [];
    const children: { path: string; child: unknown; agent: string }[] = [];
    for (const o of accepted) {
      // What the API server stores (a null in an apply removes a field, which then takes its default),
      // the operator's own schema must read: else the agent would sit at InvalidSpec.
      const parsed = agentDeploymentSpecSchema.safeParse((o.stored as { spec?: unknown }).spec);
      if (!parsed.success) {
        failures.push(
          `${o.name}: accepted by the API server, refused by the operator: ${parsed.error.issues[0]?.message}`,
        );
        continue;
      }
      const agent: AgentDeployment = {
        ...manifest(o.name, parsed.data),
        kind: "AgentDeployment",
        metadata: { name: o.name, namespace: ns.name, uid: "6f1c0a54-52c9-4a57-9d7e-5b0f2d1e9a01", generation: 1 },
        spec: parsed.data,
      };
      try {
        const key = `${ns.name}/${o.name}`;
        const demand = demandOf(key, agent, undefined, false);
        const decision = planPlacement(demand ? [demand] : [], classes, homeLabNodes).get(key);
        const placement = gpuChoice(agent, decision, classes);
        const dependencies = agentDependencies(agent, { get: () => undefined, dependents: () => [agent] });
        const start = decideStart({
          policy: agent.spec.startPolicy,
          started: false,
          dependencies: dependencies.states,
          cycleMembers: dependencies.cycleMembers,
          ageMs: Number.POSITIVE_INFINITY,
        });
        for (const child of renderChildren({
          agent,
          placement,
          disruption: disruptionPolicy(agent, classes, homeLabNodes, undefined),
          started: start.start,
          dependencies: dependencies.endpoints,
          dependents: ["a-dependent"],
        })) {
          children.push({
            path: resourcePath(childKind(child.kind).resource, ns.name, child.metadata.name),
            child,
            agent: o.name,
          });
        }
      } catch (err) {
        failures.push(`${o.name}: the pure path threw: ${String(err)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    const refusedChildren = (
      await inParallel(children, 8, async (c) => {
        const { refused } = await dryRun(c.path, c.child);
        return refused ? `${c.agent}: ${refused}` : undefined;
      })
    ).filter((r) => r !== undefined);
    console.log(
      `fuzz: ${accepted.length} accepted agents rendered ${children.length} children, ${refusedChildren.length} refused`,
    );
    expect(refusedChildren.slice(0, 5)).toEqual([]);
  }, 1_200_000);

  it("reconciled for real, a sample ends Ready or says why, and the operator never stops", async () => {
    operator = await startOperator("fuzz");
    const names = new Set<string>();
    const sample = outcomes
      .filter(
        (o) =>
          o.refused === undefined && agentDeploymentSpecSchema.safeParse((o.stored as { spec?: unknown }).spec).success,
      )
      .filter((o) => {
        if (names.has(o.name)) return false;
        names.add(o.name);
        return true;
      })
      .slice(0, 30);
    for (const o of sample) {
      await client.apply(resourcePath(agentDeploymentResource, ns.name, o.name), manifest(o.name, o.spec), "fuzz");
    }
    await eventually(
      "every sampled agent to have a status for its spec",
      async () => {
        const list = await client.get<{
          items: { metadata: { name: string; generation?: number }; status?: AgentDeployment["status"] }[];
        }>(resourcePath(agentDeploymentResource, ns.name));
        const settled = list.items.filter((a) => {
          const ready = a.status?.conditions?.find((c) => c.type === AgentCondition.Ready);
          return a.status?.observedGeneration === a.metadata.generation && ready && ready.message !== "";
        });
        return settled.length === sample.length ? settled : undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
        // Which sampled agents have no status for their spec yet, and what they have.
        explain: async () => {
          const list = await client.get<{
            items: { metadata: { name: string; generation?: number }; status?: AgentDeployment["status"] }[];
          }>(resourcePath(agentDeploymentResource, ns.name));
          return list.items
            .filter((a) => {
              const ready = a.status?.conditions?.find((c) => c.type === AgentCondition.Ready);
              return !(a.status?.observedGeneration === a.metadata.generation && ready && ready.message !== "");
            })
            .map((a) => `${a.metadata.name} (generation ${a.metadata.generation}): ${JSON.stringify(a.status ?? null)}`)
            .join("\n");
        },
      },
    );
    expect(operator.process.exitCode).toBeNull();
    expect(await operator.writes()).toBeGreaterThan(0);
  }, 300_000);
});
