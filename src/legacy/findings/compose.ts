// What a compose file says that a manifest cannot carry as it is: env_file values the importer was
// not given (and those it read), healthchecks that are neither HTTP nor TCP, volumes turned into claims or scratch space,
// port ranges wider than a Service.

import { maxTerminationGracePeriodSeconds } from "../../api/agentdeployment.ts";
import { counted, inWords } from "../../lib/words.ts";
import { declaredPorts, maxAgentPorts } from "../agent-ports.ts";
import { agentFinding, type Finding, type FleetAgent, where } from "../model.ts";
import { legacySecretName, secretFileMounts } from "../secret-names.ts";
import { type SharedVolume, sharedClaimOf } from "../shared-claims.ts";

export function composeFindings(agents: readonly FleetAgent[], sharedClaims: readonly SharedVolume[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of agents) {
    const listening = declaredPorts(a);
    const cut = listening.slice(maxAgentPorts);
    const [firstCut] = cut;
    if (firstCut) {
      findings.push(
        agentFinding(a, {
          kind: "port-range",
          severity: "warning",
          port: firstCut.port,
          message: `${a.legacyName} listens on ${listening.length} ports (a range in its ports: or expose:), and an agent's Service carries at most ${maxAgentPorts}: ${cut.length === 1 ? `port ${firstCut.port} is` : `${cut.length} ports from ${firstCut.port} are`} left out, and nothing reaches ${cut.length === 1 ? "it" : "them"}. Narrow the range to the ports it uses; a media server (RTP, WebRTC) can often take its traffic on one port instead`,
          source: a.source,
        }),
      );
    }
    for (const f of a.envFilesRead ?? []) {
      findings.push(
        agentFinding(a, {
          kind: "env-file",
          severity: "info",
          message: `${a.legacyName}'s environment from ${f.path} (${counted(f.variables, "variable")}) is imported under what its own environment sets: plain values in spec.env, passwords, tokens and keys as references to a Secret (never their values)`,
          source: f.source,
        }),
      );
    }
    for (const f of a.envFiles ?? []) {
      findings.push(
        agentFinding(a, {
          kind: "env-file",
          severity: f.optional ? "info" : "warning",
          message: f.optional
            ? `${a.legacyName}'s env file ${f.path} is optional (required: false) and was not read: compose ran ${a.legacyName} without it where it was absent. If it held values on a PC, put its plain values in spec.env, and its passwords, tokens and keys in a Secret given through spec.secretEnv`
            : `${a.legacyName} reads its environment from ${f.path}, which is not imported: put its plain values in spec.env, and its passwords, tokens and keys in a Secret given through spec.secretEnv (never in the manifest)`,
          source: f.source,
        }),
      );
    }
    if (a.sharesNetworkOf) {
      const { name, said, source } = a.sharesNetworkOf;
      findings.push(
        agentFinding(a, {
          kind: "shared-network",
          severity: "warning",
          message: `${a.legacyName} ran in ${name}'s network (${said}): it reached ${name} on localhost, and what reached it used ${name}'s address. Imported as an agent of its own, it has an address of its own: point what reached it at ${a.name}, and it reaches ${name} by its Service (its localhost addresses to ${name}'s ports are rewritten so). A helper that must share ${name}'s network belongs in ${name}'s image`,
          source: source,
        }),
      );
    }
    for (const m of a.composeModels ?? []) {
      findings.push(
        agentFinding(a, {
          kind: "compose-model",
          severity: "warning",
          message: `${a.legacyName} used the model ${m.name}${m.model ? ` (${m.model})` : ""}, which Docker Model Runner served on the PC, outside compose: compose set ${m.urlVariable} and ${m.modelVariable} for it. Nothing in the cluster serves it, and the pod has neither. Run an inference server for it as an agent with a GPU (vLLM, Ollama), then set ${m.urlVariable} to its Service and ${m.modelVariable} in ${a.name}'s spec.env`,
          source: m.source,
        }),
      );
    }
    findings.push(...stoppingFindings(a), ...runtimeSettingFindings(a));
    for (const c of a.configFiles ?? []) {
      findings.push(
        agentFinding(a, {
          kind: "compose-config",
          severity: c.imported ? "info" : "warning",
          message: c.imported
            ? `${a.legacyName} reads the compose config ${c.name} at ${c.target}, from ${c.from}: it is its spec.config, mounted there, with its addresses and secrets handled as the agent's (its comments and layout are not kept)`
            : `${a.legacyName} reads the compose config ${c.name} at ${c.target}, from ${c.from}, which is not imported: nothing puts that file in its pod. Copy it into the image, or, if it is YAML, give it as spec.config with spec.configMountPath: ${c.target}`,
          source: c.source,
        }),
      );
    }
    const secretFiles = a.secretFiles ?? [];
    const [firstSecretFile] = secretFiles;
    if (firstSecretFile) {
      const { mounted, unmounted } = secretFileMounts(a.name, secretFiles);
      const them = (n: number) => (n === 1 ? "it" : "them");
      findings.push(
        agentFinding(a, {
          kind: "secret",
          severity: "warning",
          message: [
            `${a.legacyName} reads compose's ${counted(secretFiles.length, "secret")} as ${secretFiles.length === 1 ? "a file" : "files"}: ${inWords(
              secretFiles.map((f) => `${f.name} at ${f.target}${f.from ? ` (from ${f.from})` : ""}`),
            )}`,
            ...(mounted.length
              ? [
                  `The manifest mounts ${unmounted.length ? inWords(mounted.map((m) => m.secret.name)) : them(mounted.length)} at the same ${mounted.length === 1 ? "path" : "paths"}, read-only, from the Secret ${legacySecretName} (${inWords(mounted.map((m) => m.key))}): create ${mounted.length === 1 ? "that key with the file's contents" : "those keys with the files' contents"} (SECRETS TO CREATE), never in the manifests`,
                ]
              : []),
            ...(unmounted.length
              ? [
                  `No Secret volume can give ${inWords(unmounted.map((f) => f.target))} (a Secret gives a file a name of letters, digits, '-', '_' and '.' alone): ${unmounted.length === 1 ? "it is" : "they are"} not mounted; have the agent read ${them(unmounted.length)} from a path that can be, or through spec.secretEnv`,
                ]
              : []),
          ].join(". "),
          source: firstSecretFile.source,
        }),
      );
    }
    const unsupported = a.healthCheck?.unsupported;
    if (unsupported) {
      findings.push(
        agentFinding(a, {
          kind: "healthcheck-dropped",
          severity: "info",
          message: `${a.legacyName}'s healthcheck (${unsupported.command.slice(0, 80)}) ${
            unsupported.checksNothing
              ? "always passes: it checked nothing"
              : "is neither an HTTP GET nor a TCP connect, which is what spec.healthCheck probes"
          }; ${
            a.infrastructure
              ? "it is probed by a TCP connect to its first port instead"
              : "it has no probe: give it an HTTP health endpoint"
          }`,
          source: unsupported.source,
        }),
      );
    }
    const named = (a.volumes ?? []).filter((v) => v.volume && !a.infrastructure);
    const sharedMemoryPath = "/dev/shm";
    const scratch = (a.volumes ?? []).filter((v) => !v.volume && !v.forImage && v.target !== sharedMemoryPath);
    const shared = a.volumes?.find((v) => v.inMemory && v.target === sharedMemoryPath);
    if (shared?.inMemory) {
      const { sizeLimit, said } = shared.inMemory;
      findings.push(
        agentFinding(a, {
          kind: "data-volume",
          severity: "info",
          message: `${a.legacyName}'s shared memory (${said}) is an emptyDir in RAM at /dev/shm${sizeLimit ? ` of ${sizeLimit}` : ", as large as the container's memory allows"}: a pod's own is 64 MiB, too small for PyTorch's DataLoader workers or NCCL. It counts in the container's memory: give spec.resources a memory limit that holds it${sizeLimit ? "" : ", and a size to spec.volumes' dev-shm emptyDir"}`,
          source: shared.source,
        }),
      );
    }
    if (named.length || scratch.length) {
      findings.push(
        agentFinding(a, {
          kind: "data-volume",
          severity: "info",
          message: `${a.legacyName}'s compose volumes: ${[
            ...named.map((v) => {
              const claim = sharedClaimOf(a, v, sharedClaims);
              return claim
                ? `${v.volume} at ${v.target} is the claim ${claim.claimName} it shares (size it)`
                : `${v.volume} at ${v.target} becomes a PersistentVolumeClaim of 1Gi (size it)`;
            }),
            ...scratch.map((v) =>
              v.inMemory
                ? `${v.target} (${v.inMemory.said}) becomes an emptyDir in RAM${v.inMemory.sizeLimit ? ` of ${v.inMemory.sizeLimit}` : " with no size (give it emptyDir.sizeLimit)"}, which counts in the container's memory and is lost with the pod`
                : `${v.target} becomes an emptyDir, lost with the pod`,
            ),
          ].join(
            "; ",
          )}${named.length ? ". A claim on local-path ties the agent to the node that holds it, which a GPU fallback cannot follow" : ""}`,
          source: (named[0] ?? scratch[0])?.source ?? a.source,
        }),
      );
    }
  }
  return [...findings, ...sharedVolumeFindings(sharedClaims)];
}

/**
 * A named volume several services of one compose file mounted: one volume in compose, a claim per
 * agent here (a local-path claim is one PC's disk), so what one writes the others no longer see.
 */
function sharedVolumeFindings(shared: readonly SharedVolume[]): Finding[] {
  return shared.map((u) => {
    const names = u.agents.map((a) => a.legacyName);
    return {
      kind: "data-volume" as const,
      severity: "info" as const,
      agents: names,
      message: u.claimName
        ? `${u.volume} is one volume that ${inWords(names)} share in compose; they share one claim here, ${u.claimName}, so what one writes there the others read. local-path keeps it on the PC where the first of them starts, and the others start there too`
        : `${u.volume} is one volume that ${inWords(names)} share in compose, ${u.agents.some((a) => !a.machine) ? "on no PC the files name" : "on different PCs"}; each gets a claim of its own here (a claim on local-path stays on one PC), so what one writes there the others do not see. If they pass files through it (a model one downloads and another loads), give them one claim on storage every PC reaches (ReadWriteMany, such as NFS)`,
      source: where(u.source),
    };
  });
}

/** How compose stopped a service, where Kubernetes stops it otherwise. */
function stoppingFindings(a: FleetAgent): Finding[] {
  const { stopSignal, stopGracePeriod } = a;
  return [
    ...(stopSignal
      ? [
          agentFinding(a, {
            kind: "stopping",
            severity: "warning",
            message: `${a.legacyName} was stopped with ${stopSignal.signal} (stop_signal); Kubernetes stops it with SIGTERM (or the STOPSIGNAL of its image), which a Python process does not catch unless it says so: it would end without the cleanup ${stopSignal.signal} ran. Make it stop cleanly on SIGTERM, or give its image STOPSIGNAL ${stopSignal.signal}`,
            source: stopSignal.source,
          }),
        ]
      : []),
    ...(stopGracePeriod && stopGracePeriod.seconds > maxTerminationGracePeriodSeconds
      ? [
          agentFinding(a, {
            kind: "stopping",
            severity: "info",
            message: `${a.legacyName} was given ${stopGracePeriod.seconds} s to stop (stop_grace_period); an agent is given at most ${maxTerminationGracePeriodSeconds} s (spec.terminationGracePeriodSeconds), as a drain of its PC waits for it`,
            source: stopGracePeriod.source,
          }),
        ]
      : []),
  ];
}

/** What each of compose's settings of a process's surroundings becomes in a pod, and what to do. */
const runtimeSettingAdvice: Record<string, (said: string) => string> = {
  ulimits: (said) =>
    `a pod's limits are those of its node's container runtime${/\bmemlock\b/.test(said) ? "; for memlock (CUDA's pinned memory, NCCL), give each PC's k3s service LimitMEMLOCK=infinity (systemctl edit k3s, or k3s-agent)" : ""}`,
  sysctls: () =>
    "a pod of the agents' namespace may set only the sysctls Kubernetes deems safe, and this one sets none; set them on the PCs, or have the kubelet allow them (--allowed-unsafe-sysctls) for a namespace whose Pod Security level is not restricted",
  extra_hosts: () =>
    "a pod resolves names by the cluster's DNS: give such an address a Service without a selector and an EndpointSlice of that IP, or write the IP where the agent reads the name",
  dns: () => "a pod asks the cluster's DNS, which forwards names it does not know to the PC's own resolvers",
  dns_search: () => "a pod searches the cluster's domains (agents.svc.cluster.local, …), not these",
  init: () =>
    "in a pod the agent itself is its process 1: the children it leaves are not reaped unless it does so; give its image tini as its entrypoint",
};

function runtimeSettingFindings(a: FleetAgent): Finding[] {
  return (a.runtimeSettings ?? []).map((r) =>
    agentFinding(a, {
      kind: "runtime-settings",
      severity: "info",
      message: `${a.legacyName}'s ${r.key} (${r.said}) ${r.key === "init" ? "is" : "are"} not carried: ${runtimeSettingAdvice[r.key]?.(r.said) ?? "no pod spec has it"}`,
      source: r.source,
    }),
  );
}
