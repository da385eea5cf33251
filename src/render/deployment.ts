// The Deployment that runs an agent: pinned to its GPU class's nodes with the class's resource and
// RuntimeClass, probed as its health check says, configured by reference, secrets by reference.
import type { AgentVolume, HealthCheck } from "../api/agentdeployment.ts";
import type { GPUClass } from "../api/gpuclass.ts";
import { annotationKeys as annotations } from "../api/labels.ts";
import { configDigest, configFileName, configMapName } from "./configmap.ts";
import { dependencyEnv } from "./dependency-env.ts";
import type { RenderInput } from "./input.ts";
import { childMetadata, selectorLabels, standardLabels } from "./labels.ts";

/** The class's node terms, each narrowed to the one node the fleet's placement chose. */
/** The pod's volume source of an agent's volume: exactly one is set (the CRD's rule). */
function volumeSource(v: AgentVolume): Record<string, unknown> {
  if (v.hostPath) return { hostPath: { path: v.hostPath.path, type: "Directory" } };
  if (v.persistentVolumeClaim) return { persistentVolumeClaim: { claimName: v.persistentVolumeClaim.claimName } };
  if (v.secret) {
    const { secretName, items, optional } = v.secret;
    // Read-only, and readable by the pod's group alone (fsGroup 1000, the agent's own): 0440.
    return {
      secret: { secretName, ...(items ? { items } : {}), ...(optional ? { optional } : {}), defaultMode: 0o440 },
    };
  }
  const { medium, sizeLimit } = v.emptyDir ?? {};
  return { emptyDir: { ...(medium ? { medium } : {}), ...(sizeLimit ? { sizeLimit } : {}) } };
}

function pinnedTerms(terms: GPUClass["spec"]["nodeSelectorTerms"], node: string | undefined) {
  if (!node) return terms;
  return terms.map((t) => ({
    matchExpressions: [
      ...t.matchExpressions,
      { key: "kubernetes.io/hostname", operator: "In" as const, values: [node] },
    ],
  }));
}

function probe(check: HealthCheck, failureThreshold: number) {
  const action = check.tcp ? { tcpSocket: { port: check.port } } : { httpGet: { port: check.port, path: check.path } };
  return { ...action, periodSeconds: check.periodSeconds, timeoutSeconds: check.timeoutSeconds, failureThreshold };
}

function probes(check: HealthCheck | undefined) {
  if (!check) return {};
  return {
    readinessProbe: probe(check, check.failureThreshold),
    // Restart only after a longer run of failures than makes the agent unready.
    livenessProbe: probe(check, check.failureThreshold * 2),
    // Model loading can take minutes; liveness waits for the startup probe.
    startupProbe: probe(check, Math.ceil(check.startupSeconds / check.periodSeconds)),
  };
}

/**
 * The user every agent's pod runs as, and owns its volumes as (Pod Security Standards "restricted").
 * The importer's Jobs run as it too, so that what they write in a claim the agents can read.
 */
export const podSecurity = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};

/** A non-root, unprivileged container (Pod Security Standards "restricted"). */
const containerSecurity = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * How a GPU agent's pods are replaced on the node they run on (a config change, a new image): the
 * old pod gives its GPU back before the new one asks for one. The default surge would start the new
 * pod beside the old: on a card whose slices are all taken it waits for ever (the old pod holds the
 * slice it needs), and on one with a free slice it loads the model a second time into VRAM the
 * fleet's plan counted once.
 */
const oldPodFirst = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
/**
 * How a GPU agent moves to another node (a drain, a PC switched off, room made elsewhere): the new
 * pod starts on the node the plan chose, where its room is counted, while the old one keeps serving;
 * with its budget, a required agent is never down through a drain.
 */
const newPodFirst = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };

const scratchPath = "/tmp";

export function renderDeployment({
  agent,
  placement: choice,
  started,
  dependencies,
  podNodes = [],
}: Pick<RenderInput, "agent" | "placement" | "started" | "dependencies" | "podNodes">) {
  const { spec } = agent;
  const configHash = configDigest(agent);
  // An agent that waits for room, or for its dependencies, keeps its Deployment at zero replicas:
  // nothing runs, nothing holds a GPU.
  const waiting = choice.kind === "unplaceable" || !started;
  const gpuClass = choice.kind === "gpu" || choice.kind === "unplaceable" ? choice.gpuClass : undefined;
  const node = choice.kind === "gpu" ? choice.node : undefined;
  const name = agent.metadata.name;
  // Scratch space at /tmp, where the read-only root lets the agent write; unless a volume of its own
  // is mounted there (compose's tmpfs: /tmp), which takes its place: two mounts at one path make a
  // pod the API server refuses.
  const ownTmp = spec.volumes?.some((v) => v.mountPath === scratchPath);
  const volumes: Record<string, unknown>[] = ownTmp ? [] : [{ name: "tmp", emptyDir: {} }];
  const mounts: Record<string, unknown>[] = ownTmp ? [] : [{ name: "tmp", mountPath: scratchPath }];
  if (spec.config !== undefined) {
    volumes.push({
      name: "config",
      configMap: {
        name: configMapName(name),
        items: [{ key: configFileName(spec.configMountPath), path: configFileName(spec.configMountPath) }],
      },
    });
    // The file alone, by subPath: a mount of its directory would hide what the image keeps there
    // (configMountPath: /app/config.yaml would hide the agent's code in /app). A subPath mount sees
    // no later change of the ConfigMap, and needs none: a change of the config rolls the pods.
    mounts.push({
      name: "config",
      mountPath: spec.configMountPath,
      subPath: configFileName(spec.configMountPath),
      readOnly: true,
    });
  }
  for (const v of spec.volumes ?? []) {
    volumes.push({ name: `vol-${v.name}`, ...volumeSource(v) });
    // A Secret's files are never written by the agent, whatever readOnly says.
    const readOnly = v.readOnly || v.secret !== undefined;
    mounts.push({
      name: `vol-${v.name}`,
      mountPath: v.mountPath,
      ...(v.subPath ? { subPath: v.subPath } : {}),
      ...(readOnly ? { readOnly: true } : {}),
    });
  }

  const ownNames = new Set([...(spec.env ?? []), ...(spec.secretEnv ?? [])].map((e) => e.name));
  const env = [
    ...dependencyEnv(dependencies, ownNames),
    // An empty value as the API server stores it, with no value at all (the same empty variable):
    // written as "", the stored Deployment never matched it, and the operator wrote it again and again.
    ...(spec.env ?? []).map((e) => (e.value === "" ? { name: e.name } : e)),
    ...(choice.kind === "gpu" ? choice.env : []),
    // Without this, a container that requests no GPU still sees every GPU of the node.
    ...(choice.kind === "cpu" ? [{ name: "NVIDIA_VISIBLE_DEVICES", value: "void" }] : []),
    ...(spec.secretEnv ?? []).map((s) => ({
      name: s.name,
      valueFrom: { secretKeyRef: { name: s.secretName, key: s.key, ...(s.optional ? { optional: true } : {}) } },
    })),
  ];

  const gpuResources = gpuClass ? { [gpuClass.spec.resourceName]: "1" } : {};
  const resources = {
    requests: { ...(spec.resources?.requests ?? {}), ...gpuResources },
    limits: { ...(spec.resources?.limits ?? {}), ...gpuResources },
  };

  const podAnnotations = {
    ...(spec.podAnnotations ?? {}),
    ...(configHash ? { [annotations.configHash]: configHash } : {}),
    // Read back by the fleet's placement as where this agent runs now.
    ...(choice.kind === "gpu"
      ? { [annotations.placedNode]: choice.node, [annotations.placedClass]: choice.gpuClass.metadata.name }
      : {}),
  };

  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      ...childMetadata(agent, name),
      // Read back as "this agent has started": a dependency that goes unready later never holds it again.
      ...(started ? { annotations: { [annotations.started]: "true" } } : {}),
    },
    spec: {
      replicas: waiting ? 0 : spec.replicas,
      selector: { matchLabels: selectorLabels(name) },
      // Until the old pods are gone from the node it leaves, the move's strategy stays: switching to
      // old pod first mid-move would stop the old pod before the new one is Ready.
      ...(gpuClass ? { strategy: podNodes.some((n) => n !== node) ? newPodFirst : oldPodFirst } : {}),
      template: {
        metadata: {
          labels: { ...(spec.podLabels ?? {}), ...standardLabels(name) },
          ...(Object.keys(podAnnotations).length ? { annotations: podAnnotations } : {}),
        },
        spec: {
          ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
          ...(spec.terminationGracePeriodSeconds !== undefined
            ? { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds }
            : {}),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity,
          ...(gpuClass?.spec.runtimeClassName ? { runtimeClassName: gpuClass.spec.runtimeClassName } : {}),
          ...(gpuClass
            ? {
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: pinnedTerms(gpuClass.spec.nodeSelectorTerms, node),
                    },
                  },
                },
              }
            : {}),
          containers: [
            {
              name: "agent",
              image: spec.image,
              ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
              ...(spec.command ? { command: spec.command } : {}),
              ...(spec.args ? { args: spec.args } : {}),
              ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
              ports: (spec.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
              env,
              resources,
              volumeMounts: mounts,
              securityContext: containerSecurity,
              ...probes(spec.healthCheck),
            },
          ],
          volumes,
        },
      },
    },
  };
}
