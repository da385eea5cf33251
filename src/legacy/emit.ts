// AgentDeployment manifests for the imported fleet, in the API the operator serves: names as DNS
// labels with the legacy name kept in an annotation, GPU class from the machine, secrets by reference.
import { stringify } from "yaml";
import {
  type AgentDeploymentSpec,
  agentDeploymentSpecSchema,
  maxTerminationGracePeriodSeconds,
} from "../api/agentdeployment.ts";
import { apiVersion } from "../api/group.ts";
import { annotationKeys, labelKeys, managedBy, podSecurityEnforce } from "../api/labels.ts";
import { declaredPorts, maxAgentPorts } from "./agent-ports.ts";
import type { ClassChoice } from "./classes.ts";
import { fleetDockerfile, fleetDockerignore, gpuImageOf } from "./dockerfile.ts";
import type { SecretValue } from "./findings/scans.ts";
import { type DataVolume, type FleetAgent, type HealthCheckTiming, InputError, where } from "./model.ts";
import { toDnsLabel } from "./names.ts";
import { jobFileName, oneShotJob } from "./one-shot-jobs.ts";
import { requestsWithinLimits } from "./resources.ts";
import {
  composeSecretsDirectory,
  legacySecretKey,
  legacySecretName,
  type MountedSecretFile,
  secretFileMounts,
  secretKey,
} from "./secret-names.ts";
import { claimNameOf, ownClaimName, readersClaimOf, type SharedVolume, sharedClaimOf } from "./shared-claims.ts";
import { resolveDeep } from "./values.ts";

export interface EmitOptions {
  namespace: string;
  /**
   * The GPU class of a GPU agent, the VRAM it asks for, and the classes it falls back to when its
   * own has no room or no Ready node.
   */
  classOf: (agent: FleetAgent) => ClassChoice;
  /** Image repository prefix for agents no compose file names an image for ("cascade/"). */
  imagePrefix: string;
  /** The monorepo's image (--image REPO:TAG) for agents that name none; GPU agents run its -cuda tag. */
  image?: string | undefined;
  edges: ReadonlyMap<string, string[]>;
  secrets: readonly SecretValue[];
  /** The services others waited on to finish, each written as a Job (one-shot-jobs.ts). */
  oneShots?: readonly FleetAgent[];
  /** The named volumes agents share (shared-claims.ts sharedVolumes of the same agents). */
  shared?: readonly SharedVolume[];
}

function ports(agent: FleetAgent): AgentDeploymentSpec["ports"] {
  return declaredPorts(agent).slice(0, maxAgentPorts);
}

type Probe = { port: string; path?: string; tcp?: boolean } & HealthCheckTiming;

/**
 * The probe: compose's HTTP or TCP healthcheck, the startup config's health port, or, for
 * infrastructure without an HTTP one, a TCP connect. A healthcheck that is neither leaves an agent
 * without a probe (a finding says so).
 */
function healthCheckOf(agent: FleetAgent, declared: { name: string; port: number }[]): Probe | undefined {
  const hc = agent.healthCheck;
  const port =
    declared.find((p) => p.port === hc?.port) ??
    declared.find((p) => p.name === "health") ??
    (agent.infrastructure || hc?.tcp ? declared[0] : undefined);
  if (!port || (hc?.unsupported && !agent.infrastructure)) return undefined;
  // compose's interval and retries, when the probe is the one compose ran.
  const timing = hc?.unsupported ? {} : (hc?.timing ?? {});
  return hc?.tcp || (agent.infrastructure && !hc?.path)
    ? { port: port.name, tcp: true, ...timing }
    : { port: port.name, path: hc?.path ?? "/health", ...timing };
}

/** spec.resources: requests and limits, each request at most its limit (resources.ts). */
function resourcesOf(given: NonNullable<FleetAgent["resources"]>): AgentDeploymentSpec["resources"] {
  const { cpu, memory, cpuLimit, memoryLimit } = requestsWithinLimits(given).resources;
  const list = (c: string | undefined, m: string | undefined) =>
    c || m ? { ...(c ? { cpu: c } : {}), ...(m ? { memory: m } : {}) } : undefined;
  const requests = list(cpu, memory);
  const limits = list(cpuLimit, memoryLimit);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

function volumesOf(agent: FleetAgent, shared: readonly SharedVolume[]): AgentDeploymentSpec["volumes"] {
  const data = (agent.volumes ?? []).map((v, i) => ({
    // A named volume keeps its name; scratch space is named for where it is mounted (/tmp/cache → tmp-cache).
    name:
      toDnsLabel(v.volume ?? v.target)
        .slice(0, 59)
        .replace(/-+$/, "") || `volume-${i + 1}`,
    mountPath: v.target,
    ...(v.readOnly ? { readOnly: true } : {}),
    ...(v.volume
      ? { persistentVolumeClaim: { claimName: claimNameOf(agent, { ...v, volume: v.volume }, shared) } }
      : v.inMemory
        ? {
            emptyDir: {
              medium: "Memory" as const,
              ...(v.inMemory.sizeLimit ? { sizeLimit: v.inMemory.sizeLimit } : {}),
            },
          }
        : { emptyDir: {} }),
  }));
  const out: NonNullable<AgentDeploymentSpec["volumes"]> = [...data, ...secretFileVolumes(agent)];
  return out
    .filter((v, i) => out.findIndex((o) => o.name === v.name || o.mountPath === v.mountPath) === i)
    .slice(0, 16);
}

/**
 * compose's secrets, read as files: one volume of legacy-secrets per directory they are read in
 * (/run/secrets), each key as the file compose gave.
 */
function secretFileVolumes(agent: FleetAgent): NonNullable<AgentDeploymentSpec["volumes"]> {
  // A path no Secret volume can give is left out; the secret finding says so (findings/compose.ts).
  const mounts = secretFileMounts(agent.name, agent.secretFiles ?? []).mounted;
  const label = (path: string) => toDnsLabel(`secrets-${path}`).slice(0, 59).replace(/-+$/, "");
  const item = (m: MountedSecretFile) => ({ key: m.key, path: m.file });
  // compose's own directory holds nothing but secrets: one volume for all of them. Elsewhere
  // (/app/credentials.json) compose mounted one file beside the image's: so is it here (subPath),
  // where a volume at the directory would hide what the image keeps there.
  const own = mounts.filter((m) => m.directory === composeSecretsDirectory);
  return [
    ...(own.length
      ? [
          {
            name: label(composeSecretsDirectory),
            mountPath: composeSecretsDirectory,
            readOnly: true,
            secret: { secretName: legacySecretName, items: own.map(item) },
          },
        ]
      : []),
    ...mounts
      .filter((m) => m.directory !== composeSecretsDirectory)
      .map((m) => ({
        name: label(m.path),
        mountPath: m.path,
        subPath: m.file,
        readOnly: true,
        secret: { secretName: legacySecretName, items: [item(m)] },
      })),
  ];
}

/** A PersistentVolumeClaim of 1Gi on the default StorageClass (local-path on k3s). */
const claimManifest = (name: string, namespace: string, legacyName: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: {
    name,
    namespace,
    labels: { [labelKeys.partOf]: managedBy },
    annotations: { [annotationKeys.legacyName]: legacyName },
  },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
});

/** The claims an agent's named volumes need that it shares with no other agent. */
export function claimManifests(agent: FleetAgent, namespace: string, shared: readonly SharedVolume[] = []) {
  const own = (agent.volumes ?? []).flatMap((v) => (v.volume && !sharedClaimOf(agent, v, shared) ? [v.volume] : []));
  return [...new Set(own)].map((volume) =>
    claimManifest(ownClaimName(agent, volume), namespace, `${agent.legacyName}/${volume}`),
  );
}

/** The claims of volumes agents share, in a file of their own. */
const sharedClaimManifests = (shared: readonly SharedVolume[], namespace: string) =>
  shared.flatMap((s) => (s.claimName ? [claimManifest(s.claimName, namespace, s.volume)] : []));

/** A secret an agent's manifest takes from legacy-secrets: the variable it sets, the key it reads. */
export interface SecretReference {
  name: string;
  secretName: string;
  key: string;
  /** Where the legacy files wrote its value. */
  from: SecretValue;
}

/** The secrets an agent's manifest takes by reference, one per variable (secretEnv). */
export function secretReferences(agent: FleetAgent, secrets: readonly SecretValue[]): SecretReference[] {
  const held = secrets.filter((s) => s.agent === agent.legacyName && s.machine === agent.machine);
  return [...new Map(held.map((s) => [s.key, s])).values()].map((s) => ({
    name: /^[A-Z0-9_]+$/.test(s.key) ? s.key : s.key.toUpperCase().replace(/[^A-Z0-9_]/g, "_"),
    secretName: legacySecretName,
    key: legacySecretKey(agent.name, s.key),
    from: s,
  }));
}

/** spec.secretEnv of the secrets it takes by reference. */
const secretEnvOf = (references: readonly SecretReference[]) =>
  references.map(({ name, secretName, key }) => ({ name, secretName, key }));

/** The image an agent runs: its own, else the monorepo's (its -cuda tag for a GPU agent), else one named for it. */
function imageOf(agent: FleetAgent, opts: EmitOptions): string {
  if (agent.image) return agent.image;
  if (opts.image) return agent.gpu.length ? gpuImageOf(opts.image) : opts.image;
  return `${opts.imagePrefix}${agent.name}:latest`;
}

/** Its variables with a value in the manifest: not those that held a secret (taken by reference), nor a GPU's choice. */
function plainEnv(agent: FleetAgent, secretNames: ReadonlySet<string>) {
  return (
    agent.env
      .filter((e) => !secretNames.has(e.name) && !/^(NVIDIA|CUDA)_VISIBLE_DEVICES$/.test(e.name))
      // Their variables are already expanded (variables.ts): a $ left in a value is the pod's.
      .map((e) => ({ name: e.name, value: e.value }))
      .filter((e, i, all) => all.findLastIndex((o) => o.name === e.name) === i)
  );
}

/**
 * A one-shot's Job: each named volume it writes mounted from the claim of the agent that reads it
 * (one it shares with no imported agent is left out: nothing would read what it writes there).
 */
function oneShotJobOf(
  oneShot: FleetAgent,
  agents: readonly FleetAgent[],
  shared: readonly SharedVolume[],
  opts: EmitOptions,
) {
  const references = secretReferences(oneShot, opts.secrets);
  const claims = (oneShot.volumes ?? []).flatMap((v) => {
    const claimName = readersClaimOf(v, agents, shared);
    return v.volume && claimName ? [{ volume: v.volume, target: v.target, readOnly: v.readOnly, claimName }] : [];
  });
  return oneShotJob(oneShot, {
    namespace: opts.namespace,
    image: imageOf(oneShot, opts),
    env: plainEnv(oneShot, new Set(references.map((r) => r.from.key))),
    secretEnv: secretEnvOf(references),
    claims,
    ...(oneShot.resources ? { resources: resourcesOf(oneShot.resources) } : {}),
  });
}

export function agentManifest(agent: FleetAgent, opts: EmitOptions, shared: readonly SharedVolume[] = []) {
  const references = secretReferences(agent, opts.secrets);
  const secretNames = new Set(references.map((r) => r.from.key));
  const declared = ports(agent) ?? [];
  // A probe connects over TCP or HTTP: never to a UDP port.
  const healthCheck = healthCheckOf(
    agent,
    declared.filter((p) => p.protocol === "TCP"),
  );
  const volumes = volumesOf(agent, shared) ?? [];
  const env = plainEnv(agent, secretNames);
  const secretEnv = secretEnvOf(references);
  const config = resolveDeep(stripSecrets(agent.config)) as Record<string, unknown>;
  const command = agent.command ?? (agent.scriptPath ? ["python", agent.scriptPath] : undefined);
  const gpuClass = agent.gpu.length ? opts.classOf(agent) : undefined;
  const dependencies = opts.edges.get(agent.name) ?? [];
  const spec = {
    image: imageOf(agent, opts),
    ...(command ? { command } : {}),
    ...(agent.args ? { args: agent.args } : {}),
    ...(agent.workingDir ? { workingDir: agent.workingDir } : {}),
    ...(agent.stopGracePeriod
      ? { terminationGracePeriodSeconds: Math.min(agent.stopGracePeriod.seconds, maxTerminationGracePeriodSeconds) }
      : {}),
    ...(agent.replicas ? { replicas: agent.replicas } : {}),
    ...(declared.length ? { ports: declared } : {}),
    ...(healthCheck ? { healthCheck } : {}),
    ...(volumes.length ? { volumes } : {}),
    ...(env.length ? { env } : {}),
    ...(secretEnv.length ? { secretEnv } : {}),
    ...(Object.keys(config).length
      ? { config, ...(agent.configMountPath ? { configMountPath: agent.configMountPath } : {}) }
      : {}),
    ...(agent.resources ? { resources: resourcesOf(agent.resources) } : {}),
    ...(gpuClass
      ? {
          gpu: {
            class: gpuClass.gpuClass,
            vramMiB: gpuClass.vramMiB,
            ...(gpuClass.fallbackClasses.length ? { fallbackClasses: gpuClass.fallbackClasses } : {}),
            ...(gpuClass.share?.overrides.length ? { overrides: gpuClass.share.overrides } : {}),
          },
        }
      : {}),
    ...(dependencies.length ? { dependencies } : {}),
    // As its launcher started it: without waiting for what it needs.
    ...(dependencies.length && agent.startsImmediately ? { startPolicy: "Immediately" as const } : {}),
    required: agent.required,
  };
  // The operator's own schema judges the result: what it refuses, the cluster would refuse too.
  const checked = agentDeploymentSpecSchema.safeParse(spec);
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new InputError(
      `agent ${agent.legacyName} cannot become an AgentDeployment (${problems}); fix it in the legacy file`,
      agent.source,
    );
  }
  return {
    apiVersion,
    kind: "AgentDeployment",
    metadata: {
      name: agent.name,
      namespace: opts.namespace,
      labels: { [labelKeys.partOf]: managedBy, [labelKeys.legacyMachine]: agent.machine },
      annotations: {
        [annotationKeys.legacyName]: agent.legacyName,
        [annotationKeys.legacySource]: where(agent.source),
        ...(agent.gpu.length
          ? { [annotationKeys.gpuEvidence]: agent.gpu.map((g) => `${g.reason} (${where(g.source)})`).join("; ") }
          : {}),
      },
    },
    spec,
  };
}

function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !(secretKey.test(k) && !/_env$|_file$|_path$/i.test(k)))
        .map(([k, v]) => [k, stripSecrets(v)]),
    );
  }
  return value;
}

/** File name → content: one manifest per agent, the namespace, and a kustomization listing them. */
/** The file of the claims agents share: no agent's (it owns none of them), and no agent's name (a DNS label has no dot). */
export const sharedClaimsFile = "shared.volumes.yaml";

export function renderManifestFiles(agents: readonly FleetAgent[], opts: EmitOptions): Map<string, string> {
  const files = new Map<string, string>();
  const header = "# Imported from legacy configs by `agentfleet import`. Review, then: kubectl apply -k .\n";
  // Every agent's pod meets the restricted Pod Security Standard (render/deployment.ts): enforcing
  // it keeps anything else out of the namespace, as docs/guides/security.md asks.
  files.set(
    "namespace.yaml",
    header +
      stringify({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: opts.namespace, labels: { [podSecurityEnforce]: "restricted" } },
      }),
  );
  const shared = opts.shared ?? [];
  const documents = (docs: readonly object[]) => header + docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
  const sharedClaims = sharedClaimManifests(shared, opts.namespace);
  if (sharedClaims.length) files.set(sharedClaimsFile, documents(sharedClaims));
  for (const a of agents) {
    files.set(
      `${a.name}.yaml`,
      documents([agentManifest(a, opts, shared), ...claimManifests(a, opts.namespace, shared)]),
    );
  }
  const jobFiles = (opts.oneShots ?? []).map((o) => {
    files.set(jobFileName(o.name), documents([oneShotJobOf(o, agents, shared, opts)]));
    return jobFileName(o.name);
  });
  if (opts.image) {
    files.set("Dockerfile", fleetDockerfile(opts.image));
    files.set("Dockerfile.dockerignore", fleetDockerignore);
  }
  files.set(
    "kustomization.yaml",
    header +
      stringify({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: opts.namespace,
        resources: [
          "namespace.yaml",
          ...(sharedClaims.length ? [sharedClaimsFile] : []),
          ...agents.map((a) => `${a.name}.yaml`),
          ...jobFiles,
        ],
      }),
  );
  return files;
}

/** The image prefix most agents' compose images share ("cascade/"), for agents without one. */
export function commonImagePrefix(agents: readonly FleetAgent[]): string {
  const counts = new Map<string, number>();
  // Shared infrastructure runs its vendor's image (grafana/grafana): no sign of where the agents' are.
  for (const a of agents.filter((agent) => !agent.infrastructure)) {
    const m = /^(.*\/)[^/]+$/.exec(a.image ?? "");
    if (m?.[1]) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  // One agent's image under a prefix may be a vendor's that no rule knows (fluent/fluentd): two say it is the fleet's.
  return [...counts].filter(([, n]) => n >= 2).sort((x, y) => y[1] - x[1])[0]?.[0] ?? "";
}
