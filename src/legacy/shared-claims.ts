// Named compose volumes that several services of one compose file share, and the claim each agent
// gets for a named volume. Services of one PC share one claim: local-path binds it on the PC where
// the first of them starts, and the scheduler puts the others there too (ReadWriteOnce is one node,
// not one pod), so what one writes the others read, as in compose. Services on different PCs cannot
// follow one local-path claim: each keeps its own, and a finding says to use storage every PC
// reaches; so do services of a file that names no PC. Pure.
import type { DataVolume, FleetAgent, Location } from "./model.ts";
import { toDnsLabel } from "./names.ts";

export interface SharedVolume {
  /** The volume's name in its compose file. */
  volume: string;
  agents: FleetAgent[];
  source: Location;
  /** The claim they share, when they run on one PC. */
  claimName?: string;
}

/** A compose project's volume: the same name in two compose files is two volumes. */
type VolumeOfFile = Pick<DataVolume, "volume" | "source">;
const volumeKey = (v: VolumeOfFile) => `${v.source.file}\0${v.volume}`;

/** Whether two services' volumes are one compose volume. */
const sameVolume = (a: VolumeOfFile, b: VolumeOfFile) => a.volume !== undefined && volumeKey(a) === volumeKey(b);

const asClaimName = (name: string) => toDnsLabel(name).slice(0, 63).replace(/-+$/, "");

/** A named volume's claim, one per agent and volume. */
export const ownClaimName = (agent: FleetAgent, volume: string) => asClaimName(`${agent.name}-${volume}`);

/** The named volumes several agents share, each with the claim they share if they can. */
export function sharedVolumes(agents: readonly FleetAgent[]): SharedVolume[] {
  const users = new Map<string, SharedVolume>();
  for (const a of agents) {
    for (const v of a.volumes ?? []) {
      if (!v.volume) continue;
      const key = volumeKey(v);
      const seen = users.get(key) ?? { volume: v.volume, agents: [], source: v.source };
      if (!seen.agents.includes(a)) seen.agents.push(a);
      users.set(key, seen);
    }
  }
  const shared = [...users.values()].filter((u) => u.agents.length > 1);
  // A shared claim is named for its volume, unless another claim has that name already.
  const taken = new Set(
    agents.flatMap((a) => (a.volumes ?? []).flatMap((v) => (v.volume ? [ownClaimName(a, v.volume)] : []))),
  );
  return shared.map((u) => {
    // One PC, named: agents of no known PC may each take a GPU class of its own, on different PCs.
    const machines = new Set(u.agents.map((a) => a.machine));
    if (machines.size > 1 || machines.has("")) return u;
    let claimName = asClaimName(u.volume) || "shared";
    for (let i = 2; taken.has(claimName); i++) claimName = `${asClaimName(u.volume).slice(0, 59)}-${i}`;
    taken.add(claimName);
    return { ...u, claimName };
  });
}

/** The shared claim an agent mounts for a named volume, if it shares one. */
export const sharedClaimOf = (agent: FleetAgent, v: DataVolume, shared: readonly SharedVolume[]) =>
  shared.find((s) => s.claimName && sameVolume(s, v) && s.agents.includes(agent));

/** The claim an agent mounts for a named volume: the one it shares, or its own. */
export const claimNameOf = (agent: FleetAgent, v: DataVolume & { volume: string }, shared: readonly SharedVolume[]) =>
  sharedClaimOf(agent, v, shared)?.claimName ?? ownClaimName(agent, v.volume);

/**
 * The claim an imported agent mounts for a named volume another service (a one-shot) writes: the
 * first agent that reads it; none when no imported agent does.
 */
export function readersClaimOf(
  v: DataVolume,
  agents: readonly FleetAgent[],
  shared: readonly SharedVolume[],
): string | undefined {
  if (v.volume === undefined) return undefined;
  const reader = agents.find((a) => a.volumes?.some((w) => sameVolume(w, v)));
  return reader && claimNameOf(reader, { ...v, volume: v.volume }, shared);
}
