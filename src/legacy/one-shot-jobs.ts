// A compose service others waited on to finish (a model download, a migration), as the Kubernetes
// Job that runs it once: compose ran it once, where an AgentDeployment would start it again after
// each exit. It runs as the agents do (their user, so that what it writes in a claim they read, and
// the restricted Pod Security Standard of their namespace), with the claims of the agents that read
// what it leaves. Its root stays writable, unlike an agent's, and its home is /tmp: a download tool
// keeps its cache in its home. Pure.
import type { AgentDeploymentSpec } from "../api/agentdeployment.ts";
import { annotationKeys, labelKeys, managedBy } from "../api/labels.ts";
import { podSecurity } from "../render/deployment.ts";
import type { FleetAgent } from "./model.ts";

/** The end of a one-shot's Job's file name: no agent's file has it (a DNS label has no dot). */
export const jobFileSuffix = ".job.yaml";
export const jobFileName = (name: string) => `${name}${jobFileSuffix}`;

export interface OneShotParts {
  namespace: string;
  image: string;
  /** Its plain variables; those that held a secret are in secretEnv. */
  env: NonNullable<AgentDeploymentSpec["env"]>;
  secretEnv: NonNullable<AgentDeploymentSpec["secretEnv"]>;
  /** Each named volume it writes, and the claim of the agents that read it there. */
  claims: { volume: string; target: string; claimName: string; readOnly: boolean }[];
  resources?: AgentDeploymentSpec["resources"];
}

/**
 * Where its home is, unless it says: uid 1000 has no home in most images, so it would be /, where
 * it may not write, and a download tool keeps its cache under its home (~/.cache/huggingface).
 */
const scratchHome = { name: "HOME", value: "/tmp" };

export function oneShotJob(agent: FleetAgent, parts: OneShotParts) {
  const { namespace, image, secretEnv, claims, resources } = parts;
  const env = parts.env.some((e) => e.name === "HOME") ? parts.env : [scratchHome, ...parts.env];
  const volumes = [...new Map(claims.map((c) => [c.claimName, c])).values()];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: agent.name,
      namespace,
      labels: { [labelKeys.partOf]: managedBy },
      annotations: { [annotationKeys.legacyName]: agent.legacyName },
    },
    spec: {
      // A download that fails on a network error is tried again, a few times, as compose did not.
      backoffLimit: 4,
      template: {
        metadata: { labels: { [labelKeys.partOf]: managedBy } },
        spec: {
          restartPolicy: "OnFailure",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity,
          containers: [
            {
              name: agent.name,
              image,
              ...(agent.command ? { command: agent.command } : {}),
              ...(agent.args ? { args: agent.args } : {}),
              ...(agent.workingDir ? { workingDir: agent.workingDir } : {}),
              env: [
                ...env,
                ...secretEnv.map((s) => ({
                  name: s.name,
                  valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } },
                })),
              ],
              ...(resources ? { resources } : {}),
              ...(claims.length
                ? {
                    volumeMounts: claims.map((c) => ({
                      name: c.claimName,
                      mountPath: c.target,
                      ...(c.readOnly ? { readOnly: true } : {}),
                    })),
                  }
                : {}),
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
          ...(volumes.length
            ? {
                volumes: volumes.map((c) => ({ name: c.claimName, persistentVolumeClaim: { claimName: c.claimName } })),
              }
            : {}),
        },
      },
    },
  };
}
