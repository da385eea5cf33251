// An agent's CPU and memory as a pod can have them. Kubernetes refuses a pod that requests more than
// its limit; compose let a reservation above a limit be written (and Docker refuses it for memory
// only when the container starts). The manifest requests the limit instead, and a finding says so.
// Pure.
import { agentFinding, type Finding, type FleetAgent, type LegacyAgent } from "./model.ts";

type Resources = NonNullable<LegacyAgent["resources"]>;

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A quantity as the importer writes one (toCpuQuantity, toMemoryQuantity): 1.5, 500m, 512Mi, 1073741824. */
export function quantityValue(quantity: string): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(m|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!m) return Number.NaN;
  const [, figure, suffix] = m;
  const n = Number(figure);
  return suffix === "m" ? n / 1000 : suffix ? n * (binarySuffixes[suffix] ?? Number.NaN) : n;
}

export interface LoweredRequest {
  resource: "cpu" | "memory";
  request: string;
  limit: string;
}

/** The resources with each request above its limit lowered to the limit, and which were. */
export function requestsWithinLimits(resources: Resources): { resources: Resources; lowered: LoweredRequest[] } {
  const pairs = [
    { resource: "cpu", request: resources.cpu, limit: resources.cpuLimit },
    { resource: "memory", request: resources.memory, limit: resources.memoryLimit },
  ] as const;
  const lowered = pairs.flatMap(({ resource, request, limit }) =>
    request && limit && quantityValue(request) > quantityValue(limit) ? [{ resource, request, limit }] : [],
  );
  const out = { ...resources };
  for (const { resource, limit } of lowered) out[resource] = limit;
  return { resources: out, lowered };
}

export function resourceFindings(agents: readonly FleetAgent[]): Finding[] {
  return agents.flatMap((a) => {
    const { lowered } = requestsWithinLimits(a.resources ?? {});
    if (!lowered.length) return [];
    const said = lowered.map((l) => `${l.resource} ${l.request} above its limit of ${l.limit}`).join(", and ");
    return [
      agentFinding(a, {
        kind: "resource-limits",
        severity: "warning",
        message: `${a.legacyName} reserves ${said}: Kubernetes refuses a pod that requests more than its limit (and Docker refused such a memory reservation when the container started), so the manifest requests the limit. Raise the limit if it needs more`,
        source: a.source,
      }),
    ];
  });
}
