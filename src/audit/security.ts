// Security: credentials written as literals, host paths, unpinned images, agents any pod may reach,
// namespaces that enforce no Pod Security Standard, and Secrets referenced but missing (by name:
// the audit, like the operator, never reads a Secret's data). Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { podSecurityEnforce } from "../api/labels.ts";
import { agentRef, type Finding, finding } from "./findings.ts";

/** Names of variables that carry a credential, by convention. */
const credentialName = /(_KEY$|^KEY$|TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL)/i;

/** An image with neither a tag nor a digest, or tagged latest: what runs changes under you. */
export function unpinned(image: string): boolean {
  if (image.includes("@sha256:")) return false;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const tag = last.includes(":") ? last.slice(last.indexOf(":") + 1) : undefined;
  return tag === undefined || tag === "latest";
}

export function securityFindings(
  agents: readonly AgentDeployment[],
  cluster:
    | { secrets: ReadonlySet<string> | undefined; namespaces: ReadonlyMap<string, Record<string, string>> }
    | undefined,
): Finding[] {
  const findings: Finding[] = [];
  for (const a of agents) {
    const ref = agentRef(a);
    for (const e of a.spec.env ?? []) {
      if (!credentialName.test(e.name) || e.value === "") continue;
      findings.push(
        finding(
          "literal-credential",
          ref,
          `env ${e.name} holds a literal value`,
          "anyone who can read the AgentDeployment (or the git repository it lives in) reads the credential",
          `put it in a Secret and reference it: spec.secretEnv: [{name: ${e.name}, secretName: …, key: …}]`,
        ),
      );
    }
    for (const v of a.spec.volumes ?? []) {
      if (!v.hostPath) continue;
      findings.push(
        finding(
          "host-path",
          ref,
          `volume ${v.name} mounts ${v.hostPath.path} of the node`,
          "it ties the agent to nodes that have the directory, and namespaces that enforce the restricted Pod Security Standard refuse it",
          "use a PersistentVolumeClaim",
        ),
      );
    }
    if (unpinned(a.spec.image)) {
      findings.push(
        finding(
          "unpinned-image",
          ref,
          `image ${a.spec.image} has no tag or is :latest`,
          "a restart may run different code than the one tested, on one PC and not the other",
          "pin it by a version tag, or better by digest (image@sha256:…)",
        ),
      );
    }
    if (a.spec.network?.isolation === "None") {
      findings.push(
        finding(
          "no-network-policy",
          ref,
          "spec.network.isolation is None: any pod of the cluster may connect to it",
          "a compromised or buggy agent can reach every port of it",
          "remove isolation: None (only its dependents may connect), and let others in with spec.network.allowFrom",
        ),
      );
    }
    if (cluster?.secrets) {
      for (const s of a.spec.secretEnv ?? []) {
        if (s.optional || cluster.secrets.has(`${a.metadata.namespace}/${s.secretName}`)) continue;
        findings.push(
          finding(
            "missing-secret",
            ref,
            `secretEnv ${s.name} references Secret ${s.secretName}, which does not exist in namespace ${a.metadata.namespace}`,
            "its pods cannot start (CreateContainerConfigError)",
            `kubectl create secret generic ${s.secretName} -n ${a.metadata.namespace} --from-literal=${s.key}=…`,
          ),
        );
      }
      for (const v of a.spec.volumes ?? []) {
        const secret = v.secret;
        if (!secret || secret.optional || cluster.secrets.has(`${a.metadata.namespace}/${secret.secretName}`)) continue;
        const keys = secret.items?.map((i) => `--from-file=${i.key}=FILE`).join(" ") ?? "--from-file=KEY=FILE";
        findings.push(
          finding(
            "missing-secret",
            ref,
            `volume ${v.name} mounts Secret ${secret.secretName}, which does not exist in namespace ${a.metadata.namespace}`,
            "its pods cannot start: they wait in ContainerCreating, the kubelet failing to mount it (FailedMount events)",
            `kubectl create secret generic ${secret.secretName} -n ${a.metadata.namespace} ${keys}`,
          ),
        );
      }
    }
  }
  if (cluster) {
    for (const ns of [...new Set(agents.map((a) => a.metadata.namespace ?? "default"))].sort()) {
      const labels = cluster.namespaces.get(ns);
      if (labels?.[podSecurityEnforce]) continue;
      findings.push(
        finding(
          "namespace-without-pss",
          `namespace ${ns}`,
          `enforces no Pod Security Standard (no ${podSecurityEnforce} label)`,
          "a pod that asks for privileges or the host's paths is admitted; the agents need none",
          `kubectl label namespace ${ns} ${podSecurityEnforce}=restricted`,
        ),
      );
    }
  }
  return findings;
}
