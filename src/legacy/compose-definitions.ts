// compose's top-level definitions that are not services: a file of networks, volumes, secrets or
// configs alone (which compose merges with the files that define services), and `internal: true`
// networks, whose services could reach nothing outside them. Pure.
import { firstFew, inWords } from "../lib/words.ts";
import { readStringList } from "./agent-fields.ts";
import { secretDefinition } from "./compose.ts";
import { type Finding, type LegacyAgent, type Location, where } from "./model.ts";
import { child, scalar, type YNode } from "./yaml-source.ts";

const definitionKeys = ["networks", "volumes", "secrets", "configs"];

/**
 * The kinds a compose file of definitions alone defines (networks, volumes…), or undefined when it is
 * not one: every top-level key one of those, `version`, `name` or an `x-` extension.
 */
export function composeFragmentKinds(root: YNode | undefined): string[] | undefined {
  if (root?.kind !== "map") return undefined;
  const allowed = (key: string) => definitionKeys.includes(key) || /^(version|name)$|^x-/.test(key);
  if (!root.entries.every((e) => allowed(e.key))) return undefined;
  const kinds = root.entries.filter((e) => definitionKeys.includes(e.key) && e.value.kind === "map").map((e) => e.key);
  return kinds.length ? kinds : undefined;
}

/** What in a cluster does the work of each kind of compose definition. */
const clusterCounterpart: Record<string, string> = {
  networks: "Services and NetworkPolicies",
  volumes: "PersistentVolumeClaims",
  secrets: "Secrets",
  configs: "ConfigMaps",
};

/** Why a file of definitions alone, imported alone, gives nothing. */
export const fragmentAloneMessage = (kinds: readonly string[]) =>
  `no agents found: this compose file defines ${inWords(kinds)} and no service; import it with the compose files whose services use them`;

/** A file of definitions alone, read beside the files that define services. */
export function fragmentFinding(file: string, kinds: readonly string[], loc: Location): Finding {
  return {
    kind: "compose-fragment",
    severity: "info",
    agents: [],
    message: `${file} defines compose's ${inWords(kinds)} and no service: compose merged it with the files that define services, and nothing in it is an agent. In the cluster, ${inWords(
      kinds.map((k) => `${clusterCounterpart[k] ?? "the cluster's own objects"} take the place of its ${k}`),
    )}`,
    source: where(loc),
  };
}

export interface InternalNetwork {
  /** The network's key, and the name compose gave it (`name:`), by which another file joins it. */
  names: string[];
  source: Location;
}

/** The file's networks with `internal: true`. */
export function internalNetworks(root: YNode | undefined): InternalNetwork[] {
  const networks = child(root, "networks");
  if (networks?.kind !== "map") return [];
  return networks.entries.flatMap((e) => {
    if (!/^true$/i.test(scalar(child(e.value, "internal")) ?? "")) return [];
    const named = scalar(child(e.value, "name"));
    return [{ names: named ? [e.key, named] : [e.key], source: e.keyLoc }];
  });
}

/** Each service of a compose file, with the networks it joins (a list, or a map of network → options). */
export function serviceNetworks(root: YNode | undefined): { service: string; networks: string[] }[] {
  const services = child(root, "services");
  if (services?.kind !== "map") return [];
  return services.entries.map((s) => {
    const joined = child(s.value, "networks");
    const networks =
      joined?.kind === "map" ? joined.entries.map((e) => e.key) : readStringList(joined).map((n) => n.name);
    return { service: s.key, networks };
  });
}

/**
 * A finding per internal network, a warning where services join it: in the cluster their egress is
 * open. Services join it from any compose file of the import, as compose merged the files given together.
 */
export function internalNetworkFindings(
  internal: readonly (InternalNetwork & { machine?: string })[],
  joins: readonly { service: string; networks: string[] }[],
): Finding[] {
  return internal.map((n) => {
    const services = [
      ...new Set(joins.filter((j) => j.networks.some((x) => n.names.includes(x))).map((j) => j.service)),
    ];
    const open =
      "in the cluster, egress stays open: AgentFleet's NetworkPolicies say who may connect to an agent, not where it may connect";
    return {
      kind: "network-internal",
      severity: services.length ? "warning" : "info",
      ...(n.machine ? { machine: n.machine } : {}),
      agents: services,
      message: services.length
        ? `compose network ${n.names[0]} was internal: the services on it (${firstFew(services)}) could reach nothing outside it. But ${open}. Add an egress NetworkPolicy for ${services.length === 1 ? "it" : "them"} if ${services.length === 1 ? "it" : "they"} must stay in`
        : `compose network ${n.names[0]} is internal (whatever joins it can reach nothing outside it), and no service given joins it. Of an agent that did, ${open}`,
      source: where(n.source),
    };
  });
}

/**
 * Each service's secrets that its own file does not define, as defined in another compose file given
 * (compose merges the top-level secrets: of every file of a project): one of its machine first.
 */
export function withSecretsDefinedElsewhere(
  services: readonly LegacyAgent[],
  roots: readonly { machine: string; root: YNode }[],
): LegacyAgent[] {
  return services.map((service) => {
    if (!service.secretFiles?.some((f) => f.from === undefined)) return service;
    const candidates = [...roots].sort(
      (a, b) => Number(b.machine === service.machine) - Number(a.machine === service.machine),
    );
    const secretFiles = service.secretFiles.map((f) => {
      if (f.from !== undefined) return f;
      const found = candidates.map((c) => secretDefinition(c.root, f.name)).find((d) => d.from !== undefined);
      return found ? { ...f, ...found } : f;
    });
    return { ...service, secretFiles };
  });
}
