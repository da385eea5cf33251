// What the address rewrite tells a person: how many addresses now name Services, which were left and
// why, which URLs held passwords, and the shared infrastructure the fleet needs.

import { agentsNamed, counted, firstFew } from "../../lib/words.ts";
import type { FleetAddresses } from "../address-rewrites.ts";
import { agentFinding, type Finding, type FleetAgent, where } from "../model.ts";
import { byKey, byPlace } from "./by-place.ts";

/**
 * Where agents listen on an address no pod has: moved to 0.0.0.0 (a note), or, with --keep-addresses,
 * kept as it was (a warning: the agent's Service and probes will not reach it).
 */
export function listenFindings(result: FleetAddresses, { kept }: { kept: boolean }): Finding[] {
  const listens = result.rewrites.filter((r) => r.listen);
  // One line of a file (a global environment's bind address) can set it for many agents.
  return byPlace(listens, (r) => [r.path, r.from, r.to].join("\0")).map(({ first: r, agents, on }) => {
    const one = agents.length === 1;
    const who = agentsNamed(agents);
    const [its, it] = one ? ["its", "it"] : ["their", "them"];
    return {
      kind: "listen-address" as const,
      severity: kept ? ("warning" as const) : ("info" as const),
      ...on,
      agents,
      message: `${who} ${kept ? (one ? "listens" : "listen") : "listened"} on ${r.from} (${r.path}): a pod's localhost is its own and it has no PC's address, so ${one ? "its Service and probes" : "their Services and probes"} ${kept ? "cannot" : "could not"} reach ${it}. ${
        kept
          ? `--keep-addresses leaves ${one ? "it as it is" : "them as they are"}: make ${it} listen on ${r.to}`
          : one
            ? `It now listens on ${r.to}; its NetworkPolicy still lets in only what depends on it`
            : `They now listen on ${r.to}; their NetworkPolicies still let in only what depends on each`
      }. If ${its} code binds an address of ${its} own, change it there too`,
      source: where(r.source),
    };
  });
}

export function rewriteFindings(result: FleetAddresses): Finding[] {
  const findings: Finding[] = [];
  const reaching = result.rewrites.filter((r) => !r.listen);
  const rewritten = reaching.filter((r) => r.to !== null);
  const dropped = reaching.filter((r) => r.to === null);
  if (reaching.length) {
    const first = reaching[0] as (typeof reaching)[number];
    findings.push({
      kind: "address-rewritten",
      severity: "info",
      agents: [...new Set(reaching.map((r) => r.agent))],
      message: `${counted(rewritten.length, "address now names", "addresses now name")} the Service of what they reach${
        dropped.length
          ? `, and ${counted(dropped.length, "variable that held a PC's address was", "variables that held a PC's address were")} dropped`
          : ""
      } (listed under REWRITTEN ADDRESSES, and in --json as addresses.rewrites). Each agent depends on what its addresses point at, so it starts after it and its NetworkPolicy lets it in. --keep-addresses leaves them as they were`,
      source: where(first.source),
    });
  }
  findings.push(...listenFindings(result, { kept: false }));
  // A name no file defines (each stack's redis_language, reached from every agent of the stack):
  // one warning per name, not one per value that names it.
  const unnamed = result.left.filter((l) => l.missingName !== undefined);
  for (const { first, items: list, agents, on } of byKey(unnamed, (l) => l.missingName as string)) {
    const name = first.missingName as string;
    findings.push({
      kind: "hardcoded-address",
      severity: "warning",
      ...on,
      agents,
      message: `${name} is no name Kubernetes resolves ('_'), and no file given defines it; ${agentsNamed(agents)} ${agents.length === 1 ? "reaches" : "reach"} it at ${firstFew([...new Set(list.map((l) => l.address))], 3)}, left as written: import the file that runs ${name}, or change ${list.length === 1 ? "that address" : `those ${list.length} addresses`} to the Service that replaces it`,
      source: where(first.source),
    });
  }
  // One line of a file (a global environment) can reach every agent: one warning for all of them.
  const named = result.left.filter((l) => l.missingName === undefined);
  for (const { first: l, agents, on } of byPlace(named, (l) => [l.path, l.address, l.why].join("\0"))) {
    const whose = agents.length === 1 ? `${l.agent}'s ${l.path}` : `${l.path} of ${agentsNamed(agents)}`;
    findings.push({
      kind: "hardcoded-address",
      severity: "warning",
      ...on,
      agents,
      // A name's why says what to do; localhost and a PC's address need the why of pods too.
      message: `${l.address} in ${whose} is left as it is: ${l.why}${
        l.byName
          ? ""
          : ". In a pod, localhost is the pod itself and a PC's address is not the agent's; point it at the Service of what it needs"
      }`,
      source: where(l.source),
    });
  }
  for (const { first: c, agents, on } of byPlace(result.credentials, (c) => c.path)) {
    findings.push({
      kind: "secret",
      severity: "warning",
      ...on,
      agents,
      message:
        agents.length === 1
          ? `${c.agent}'s ${c.path} held a URL with a password; the manifest leaves the password out. Give it to the agent from a Secret (spec.secretEnv), and rotate it`
          : `${agentsNamed(agents)} held a URL with a password in ${c.path}; the manifests leave the password out. Give it to the agents from a Secret (spec.secretEnv), and rotate it`,
      source: where(c.source),
    });
  }
  return findings;
}

/** Infrastructure the fleet imported that keeps data, and infrastructure it needs that no file defines. */
export function infrastructureFindings(result: FleetAddresses | undefined, agents: readonly FleetAgent[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of agents) {
    if (!a.infrastructure) continue;
    const data = a.volumes?.filter((v) => v.volume) ?? [];
    const scratch = a.volumes?.filter((v) => v.forImage) ?? [];
    const settings = a.infrastructure.settingsAdded ?? [];
    const unknownWrites = a.infrastructure.writesUnknown === true;
    if (!a.infrastructure.stateful && !data.length && !scratch.length && !unknownWrites) continue;
    // Compose kept what an image writes in the container's own layer; a pod's root file system is read-only.
    const sentences = [
      data.length
        ? `imported with a PersistentVolumeClaim for ${data.map((v) => v.target).join(", ")} (1Gi each on the cluster's default StorageClass, local-path on k3s); size it to its data`
        : undefined,
      scratch.length
        ? `${data.length ? "where else" : "where"} its image writes (${scratch.map((v) => v.target).join(", ")}), its compose service mounts nothing: it is given an emptyDir there, as a pod's root file system is read-only, and what it keeps there is lost with the pod, as it was when compose recreated the container. Give it a PersistentVolumeClaim in spec.volumes to keep it`
        : undefined,
      data.length || scratch.length
        ? undefined
        : "its compose service mounts no volume, so its data is lost with the pod; give it a PersistentVolumeClaim in spec.volumes",
      settings.length ? `it is given ${settings.join(", ")}, so that it writes nowhere else` : undefined,
      // Compose gave it a writable layer and its image's own user; a pod gives it neither.
      unknownWrites
        ? `${data.length ? "where else" : "where"} its image writes is not known to the import, and a pod's root file system is read-only and it runs as uid 1000: if it stops with "Read-only file system" or "permission denied", give it an emptyDir in spec.volumes at that path`
        : undefined,
      a.infrastructure.volumesMoved?.length
        ? `its image keeps its data in root's home, which uid 1000 (the pod's user) cannot enter: its volumes are mounted under the home it is given instead (${a.infrastructure.volumesMoved.join(", ")})`
        : undefined,
      "for production, its own Helm chart does backups and upgrades better",
    ].filter((x): x is string => x !== undefined);
    findings.push(
      agentFinding(a, {
        kind: "infrastructure-stateful",
        // Its data itself in scratch space: a drain or a restarted PC loses it, where compose kept it.
        // Or it may not start at all.
        severity: (scratch.length && !data.length) || unknownWrites ? "warning" : "info",
        message: `${a.name} (${a.infrastructure.kind}) keeps data: ${sentences
          .map((x, i) => (i ? `${x[0]?.toUpperCase()}${x.slice(1)}` : x))
          .join(". ")}`,
        source: a.source,
      }),
    );
  }
  for (const need of result?.needs.values() ?? []) {
    if (need.defined || need.neededBy.size === 0) continue;
    const names = [...need.neededBy];
    findings.push({
      kind: "infrastructure-missing",
      severity: "warning",
      agents: names,
      message: `${need.kind} is needed by ${counted(names.length, "agent")} (${names.join(", ")}) and no file defines it: their addresses now point at ${need.serviceName}. Run it in the namespace under that name (its Helm chart), or import the compose file that runs it`,
      source: where(agents.find((a) => a.name === names[0])?.source ?? { file: "", line: 0, column: 0 }),
    });
  }
  return findings;
}
