// The importer, pure: legacy files in; manifests and a report out. The CLI does the reading and writing.

import { counted } from "../lib/words.ts";
import { type AddressRewrite, type FleetAddresses, rewriteFleetAddresses } from "./address-rewrites.ts";
import { type ClassChoice, type ClassSize, chooseClass, homeLabClassSizes } from "./classes.ts";
import { importedConfigText, withComposeConfigFiles } from "./compose-config-files.ts";
import { gpuImageOf } from "./dockerfile.ts";
import { withDotEnvFiles } from "./dotenv.ts";
import { commonImagePrefix, renderManifestFiles, secretReferences } from "./emit.ts";
import { withEnvFiles } from "./env-files.ts";
import { infrastructureFindings, listenFindings, rewriteFindings } from "./findings/addresses.ts";
import { composeFindings } from "./findings/compose.ts";
import { cycleFindings, resolveDependencies } from "./findings/dependencies.ts";
import { driftFindings } from "./findings/drift.ts";
import { portConflicts } from "./findings/ports.ts";
import {
  addressFindings,
  findSecrets,
  hostAccessFindings,
  looseSecretFindings,
  mountFindings,
  secretFindings,
} from "./findings/scans.ts";
import { vramFindings } from "./findings/vram.ts";
import { assembleFleet } from "./fleet.ts";
import { withReadOnlyRootNeeds } from "./infrastructure.ts";
import { unassignedMachine } from "./machine.ts";
import {
  type BesideFileReader,
  type Finding,
  type FleetAgent,
  type LegacyFile,
  type Severity,
  where,
} from "./model.ts";
import { toDnsLabel } from "./names.ts";
import { resourceFindings } from "./resources.ts";
import { legacySecretName, secretFileMounts } from "./secret-names.ts";
import { sharedVolumes } from "./shared-claims.ts";
import { expandVariables, unsetVariableFindings } from "./variables.ts";

export interface ImportOptions {
  namespace: string;
  /** Machine → GPUClass, in order: the first machine keeps the plain name of an agent both define. */
  classes: ReadonlyMap<string, string>;
  /**
   * Give each GPU agent the other machines' classes as fallbacks (in the order of `classes`), so that
   * it fails over when its machine goes down: the legacy fleet had no failover. On unless false.
   */
  fallback?: boolean;
  /** The monorepo's image (REPO:TAG) for every agent that names none; with it, a Dockerfile is written. */
  image?: string;
  /** Leave localhost and LAN addresses as they are (reported) instead of rewriting them to Service names. */
  keepAddresses?: boolean;
  /**
   * GPUClass → the size of its card, for agents of no machine and agents whose need is a share of
   * the card; the chart's default classes when absent.
   */
  classSizes?: ReadonlyMap<string, ClassSize>;
  /** Compose profiles to import the services of, as `docker compose --profile`; others are set aside. */
  profiles?: readonly string[];
  /** Reads a file beside a compose file (env_file, .env, extends: file); without it, they are reported, not read. */
  readBesideFile?: BesideFileReader;
  /** The env files every compose file's ${VAR}s are filled from instead of its .env, as `docker compose --env-file`. */
  envFiles?: readonly { path: string; text: string }[];
}

export const defaultClasses: ReadonlyMap<string, string> = new Map([
  ["mainpc", "rtx-4090"],
  ["pc2", "rtx-3060"],
]);

export interface ImportedAgent {
  name: string;
  legacyName: string;
  machine: string;
  gpuClass: string | null;
  vramMiB: number | null;
  ports: number[];
  dependencies: string[];
  source: string;
}

/** A finding as the report gives it: every field present, null where it does not apply. */
export interface ReportedFinding {
  kind: Finding["kind"];
  severity: Severity;
  machine: string | null;
  agents: string[];
  port: number | null;
  message: string;
  source: string;
}

export interface ReportedRewrite {
  agent: string;
  source: string;
  path: string;
  from: string;
  /** null: the variable was dropped. */
  to: string | null;
  /** The agent's own listen address, moved to 0.0.0.0. */
  listen?: true;
}

export interface ReportedInfrastructure {
  name: string;
  kind: string;
  /** Where a compose file defines it (then it is imported), or null when nothing does. */
  definedAt: string | null;
  neededBy: string[];
}

/** A key of the Secret the manifests read their secrets from, which a person creates. */
export interface ReportedSecret {
  secret: string;
  key: string;
  /** The variable it sets in the agent's pod, for a value it reads from its environment… */
  env?: string;
  /** …or the file it is mounted as, for a compose secret it read as a file (/run/secrets/NAME). */
  file?: string;
  /** The file compose read that secret from: what `kubectl create secret --from-file` reads. */
  fromFile?: string;
  agent: string;
  /** Where the legacy files wrote its value (never printed). */
  source: string;
}

export interface ImportReport {
  agents: ImportedAgent[];
  findings: ReportedFinding[];
  addresses: { rewritten: number; dropped: number; left: number; rewrites: ReportedRewrite[] };
  infrastructure: ReportedInfrastructure[];
  /** Every key the manifests take from legacy-secrets: what `kubectl create secret` must give. */
  secrets: ReportedSecret[];
  namespace: string;
}

export interface ImportResult {
  report: ImportReport;
  /** File name → content, for the output directory. */
  files: Map<string, string>;
}

const severityOrder: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

export function importLegacy(files: readonly LegacyFile[], opts: ImportOptions): ImportResult {
  const machines = [...opts.classes.keys()];
  const given = assembleFleet(
    withDotEnvFiles(files, opts.readBesideFile, opts.envFiles),
    machines,
    new Set(opts.profiles ?? []),
    opts.readBesideFile,
  );
  const read = opts.readBesideFile;
  const withFiles = read
    ? { ...given, agents: withEnvFiles(given.agents, read), composeOnly: withEnvFiles(given.composeOnly, read) }
    : given;
  const assembled = {
    ...withFiles,
    agents: withReadOnlyRootNeeds(withComposeConfigFiles(withFiles.agents, read)),
  };
  const variables = expandVariables(assembled.agents);
  // The services others waited on to finish, written as Jobs: named, and their env files and
  // variables read, as an agent's are.
  const oneShotDefinitions = assembled.switchedOff
    .filter((a) => a.disabled?.asJob)
    .map(({ secretFiles: _notMounted, ...a }) => ({ ...a, name: toDnsLabel(a.legacyName) }));
  const oneShotVariables = expandVariables(read ? withEnvFiles(oneShotDefinitions, read) : oneShotDefinitions);
  const oneShots = oneShotVariables.agents;
  const rewrite = rewriteFleetAddresses(variables.agents, machines);
  // Kept as they were on request; where an agent listens is still looked at, to say it breaks.
  const addresses: FleetAddresses | undefined = opts.keepAddresses ? undefined : rewrite;
  const fleet = {
    ...assembled,
    agents: addresses ? requireWhatRequiredAgentsReach(addresses) : variables.agents,
  };
  const classOptions = {
    classes: opts.classes,
    classSizes: opts.classSizes ?? homeLabClassSizes,
    fallback: opts.fallback !== false,
  };
  // Asked of each GPU agent by the findings, the manifests and the report: chosen once.
  const choices = new Map<FleetAgent, ClassChoice>();
  const classOf = (a: FleetAgent) => {
    const known = choices.get(a);
    if (known) return known;
    const choice = chooseClass(a.machine, a.vram, classOptions);
    choices.set(a, choice);
    return choice;
  };
  // Asked by the findings and the manifests: found once.
  const shared = sharedVolumes(fleet.agents);
  const deps = resolveDependencies(fleet.agents, fleet.decommissioned);
  const edges = withReaches(deps.edges, addresses);
  const everyDefinition = [...fleet.agents, ...fleet.composeOnly];
  // Secrets as the files wrote them: a ${X:-admin} default is named as such.
  // Those switched off too: not imported, their secrets are still in the files, to rotate.
  const secrets = findSecrets([
    ...assembled.agents,
    ...assembled.composeOnly,
    ...assembled.switchedOff.filter((a) => !a.disabled?.asJob),
    ...oneShots,
  ]);
  // A Job takes its secrets from legacy-secrets, as an agent does.
  const imported = new Set([...fleet.agents, ...oneShots].map((a) => a.legacyName));

  const findings: Finding[] = [
    ...fleet.findings,
    ...portConflicts(fleet.agents, fleet.composeOnly),
    ...deps.findings,
    ...cycleFindings(fleet.agents, edges, deps.edges),
    ...driftFindings(fleet),
    ...secretFindings(secrets, imported),
    ...looseSecretFindings(
      fleet.everyScalar,
      // A compose config's text carried into an agent's config is that agent's, value by value.
      new Set([...secrets.map((s) => where(s.source)), ...assembled.agents.flatMap(importedConfigText)]),
    ),
    ...mountFindings(everyDefinition),
    ...hostAccessFindings(fleet.agents),
    ...addressFindings(everyDefinition, fleet.fileScalars, {
      // Kept as they were: what the rewrite would have changed or left is reported as it is.
      localhostAt: new Set(
        addresses ? [] : [...rewrite.rewrites.filter((r) => !r.listen), ...rewrite.left].map((r) => where(r.source)),
      ),
      // What the rewrite changed, or with --keep-addresses what it warns of as a listen address.
      handledAt: new Set((addresses?.rewrites ?? rewrite.rewrites.filter((r) => r.listen)).map((r) => where(r.source))),
    }),
    ...(addresses ? rewriteFindings(addresses) : listenFindings(rewrite, { kept: true })),
    ...infrastructureFindings(addresses, fleet.agents),
    ...unsetVariableFindings([...variables.unset, ...oneShotVariables.unset]),
    ...composeFindings(fleet.agents, shared),
    ...resourceFindings(fleet.agents),
  ];
  findings.push(...vramFindings(fleet.agents, classOf));
  const unassigned = fleet.agents.filter((a) => a.machine === unassignedMachine);
  if (unassigned.length) {
    const gpuAgents = unassigned.filter((a) => a.gpu.length);
    findings.push({
      kind: "machine-unknown",
      severity: "info",
      agents: unassigned.map((a) => a.legacyName),
      message: `${counted(unassigned.length, "agent comes", "agents come")} from files that name no machine (${[...new Set(unassigned.map((a) => a.source.file))].join(", ")}): they are imported for no machine${
        gpuAgents.length
          ? `, and each GPU agent asks for the GPU class that fits its VRAM need, the other classes as fallbacks (${gpuAgents
              .map((a) => `${a.legacyName} ${classOf(a).vramMiB} MiB → ${classOf(a).gpuClass}`)
              .join(", ")})`
          : ""
      }. Name a file's machine (mainpc=FILE) to pin its agents to that machine's class`,
      source: where(unassigned[0]?.source ?? { file: "", line: 0, column: 0 }),
    });
  }
  const gainedFallback = fleet.agents.filter((a) => a.gpu.length && classOf(a).fallbackClasses.length);
  if (gainedFallback.length) {
    findings.push({
      kind: "fallback-added",
      severity: "info",
      agents: gainedFallback.map((a) => a.legacyName),
      message: `${counted(gainedFallback.length, "GPU agent")} gained a fallback class: each moves to the other machine's card when its own goes down or has no room, and back when it can (the legacy fleet had no failover; --no-fallback leaves them out). Check with agentfleet audit --manifests that the other card has room for the ones that matter`,
      source: where(gainedFallback[0]?.source ?? { file: "", line: 0, column: 0 }),
    });
  }
  const imagePrefix = commonImagePrefix(fleet.agents);
  const guessed = fleet.agents.filter((a) => !a.image);
  if (guessed.length && opts.image) {
    findings.push({
      kind: "image-set",
      severity: "info",
      agents: guessed.map((a) => a.legacyName),
      message: `${counted(guessed.length, "agent names", "agents name")} no image; they run ${opts.image} (the GPU ones ${gpuImageOf(opts.image)}), each with its own command. Build both from the monorepo with the Dockerfile written beside the manifests`,
      source: where(guessed[0]?.source ?? { file: "", line: 0, column: 0 }),
    });
  } else if (guessed.length) {
    findings.push({
      kind: "image-guessed",
      severity: "info",
      agents: guessed.map((a) => a.legacyName),
      message: `${counted(guessed.length, "agent names", "agents name")} no image; they are given ${imagePrefix}<name>:latest. Build and push those images, set spec.image, or import with --image REPO:TAG for the monorepo's one image`,
      source: where(guessed[0]?.source ?? { file: "", line: 0, column: 0 }),
    });
  }
  findings.sort(
    (a, b) =>
      severityOrder[a.severity] - severityOrder[b.severity] ||
      a.kind.localeCompare(b.kind) ||
      a.source.localeCompare(b.source, undefined, { numeric: true }),
  );

  const manifestFiles = renderManifestFiles(fleet.agents, {
    namespace: opts.namespace,
    classOf,
    imagePrefix,
    image: opts.image,
    edges,
    secrets,
    oneShots,
    shared,
  });
  return {
    files: manifestFiles,
    report: {
      agents: fleet.agents.map((a) => ({
        name: a.name,
        legacyName: a.legacyName,
        machine: a.machine,
        gpuClass: a.gpu.length ? classOf(a).gpuClass : null,
        vramMiB: a.gpu.length ? classOf(a).vramMiB : null,
        ports: [...new Set(a.ports.filter((p) => p.role !== "host").map((p) => p.port))],
        dependencies: edges.get(a.name) ?? [],
        source: where(a.source),
      })),
      addresses: {
        rewritten: addresses?.rewrites.filter((r) => r.to !== null).length ?? 0,
        dropped: addresses?.rewrites.filter((r) => r.to === null).length ?? 0,
        left: addresses?.left.length ?? 0,
        rewrites: (addresses?.rewrites ?? [])
          .map(reportRewrite)
          .sort((a, b) => a.source.localeCompare(b.source, undefined, { numeric: true })),
      },
      infrastructure: infrastructureReport(fleet.agents, addresses),
      secrets: [...fleet.agents, ...oneShots]
        .flatMap((a): ReportedSecret[] => [
          ...secretReferences(a, secrets).map((r) => ({
            secret: r.secretName,
            key: r.key,
            env: r.name,
            agent: a.name,
            source: where(r.from.source),
          })),
          ...secretFileMounts(a.name, a.secretFiles ?? []).mounted.map(({ secret: f, key }) => ({
            secret: legacySecretName,
            key,
            file: f.target,
            ...(f.fromFile ? { fromFile: f.fromFile } : {}),
            agent: a.name,
            source: where(f.source),
          })),
        ])
        // One key once: a value an agent reads both from its environment and as a file is one key,
        // which `kubectl create secret` refuses to be given twice.
        .filter((s, i, all) => all.findIndex((o) => o.key === s.key) === i),
      namespace: opts.namespace,
      findings: findings.map((f) => ({
        kind: f.kind,
        severity: f.severity,
        machine: f.machine ?? null,
        agents: f.agents,
        port: f.port ?? null,
        message: f.message,
        source: f.source,
      })),
    },
  };
}

/** The declared dependencies, plus what each agent's rewritten addresses point at. */
function withReaches(
  edges: ReadonlyMap<string, string[]>,
  addresses: FleetAddresses | undefined,
): Map<string, string[]> {
  const out = new Map(edges);
  for (const [agent, targets] of addresses?.reaches ?? []) {
    out.set(agent, [...new Set([...(out.get(agent) ?? []), ...targets])]);
  }
  return out;
}

const reportRewrite = (r: AddressRewrite): ReportedRewrite => ({
  agent: r.agent,
  source: where(r.source),
  path: r.path,
  from: r.from,
  to: r.to,
  ...(r.listen ? { listen: true as const } : {}),
});

function infrastructureReport(
  agents: readonly FleetAgent[],
  addresses: FleetAddresses | undefined,
): ReportedInfrastructure[] {
  const defined = agents
    .filter((a) => a.infrastructure)
    .map((a) => ({
      name: a.name,
      kind: a.infrastructure?.kind ?? "",
      definedAt: where(a.source),
      neededBy: [...(addresses?.needs.get(a.name)?.neededBy ?? [])],
    }));
  const missing = [...(addresses?.needs.values() ?? [])]
    .filter((n) => !n.defined && n.neededBy.size)
    .map((n) => ({ name: n.serviceName, kind: n.kind, definedAt: null, neededBy: [...n.neededBy] }));
  return [...defined, ...missing];
}

/**
 * Infrastructure that a required agent reaches is required too: otherwise a drain or a lack of room
 * could stop it under the agent (the operator would say OptionalDependency).
 */
function requireWhatRequiredAgentsReach(addresses: FleetAddresses): FleetAgent[] {
  const requiredTargets = new Set(
    addresses.agents.filter((a) => a.required).flatMap((a) => [...(addresses.reaches.get(a.name) ?? [])]),
  );
  return addresses.agents.map((a) => (a.infrastructure && requiredTargets.has(a.name) ? { ...a, required: true } : a));
}
