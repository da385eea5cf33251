// Operations: is an operator reconciling the fleet, do agents crash, can they be probed and sized,
// are metrics scraped and alerts installed. Pure.
import type { AgentDeployment } from "../api/agentdeployment.ts";
import { AgentCondition, containerWaitingReasons } from "../api/conditions.ts";
import { agentRef, type Finding, finding } from "./findings.ts";
import type { FleetSnapshot } from "./snapshot.ts";

const stuck = new Set<string>(containerWaitingReasons);

export function operationsFindings(agents: readonly AgentDeployment[], cluster: FleetSnapshot["cluster"]): Finding[] {
  const findings: Finding[] = [];
  for (const a of agents) {
    const ref = agentRef(a);
    if (!a.spec.healthCheck) {
      findings.push(
        finding(
          "no-health-check",
          ref,
          "has no health check",
          "Kubernetes counts it Ready as soon as its process starts, and never restarts it when it hangs",
          "set spec.healthCheck (an HTTP path on a declared port, or tcp: true)",
        ),
      );
    }
    if (!a.spec.resources?.requests?.cpu && !a.spec.resources?.requests?.memory) {
      findings.push(
        finding(
          "no-resource-requests",
          ref,
          "requests no CPU or memory",
          "the scheduler cannot tell when a PC is full, and the agent is the first evicted under pressure",
          "set spec.resources.requests (cpu, memory) from what it uses",
        ),
      );
    }
    // A tmpfs counts in the container's memory: with neither a size nor a limit, what the agent
    // writes there (a DataLoader's batches in /dev/shm) can take the PC's RAM from every other pod.
    const unbounded = (a.spec.volumes ?? []).filter((v) => v.emptyDir?.medium === "Memory" && !v.emptyDir.sizeLimit);
    if (unbounded.length && !a.spec.resources?.limits?.memory) {
      findings.push(
        finding(
          "memory-volume-unbounded",
          ref,
          `mounts ${unbounded.map((v) => `${v.name} (${v.mountPath})`).join(", ")} in RAM with no size, and has no memory limit`,
          "what it writes there takes the PC's memory, and the kernel's OOM killer may stop other agents for it",
          "give the volume emptyDir.sizeLimit, or the agent spec.resources.limits.memory",
        ),
      );
    }
    const degraded = a.status?.conditions?.find((c) => c.type === AgentCondition.Degraded && c.status === "True");
    if (degraded && stuck.has(degraded.reason)) {
      findings.push(
        finding(
          "crash-looping",
          ref,
          `${degraded.reason}: ${degraded.message}`,
          "it is not running, and what depends on it waits",
          "kubectl describe agd and the pod's logs say why; fix the image, the Secret or the code",
        ),
      );
    }
  }
  if (!cluster) return findings;
  const { operator } = cluster;
  if (operator.agents > 0 && operator.observedAgents === 0) {
    findings.push(
      finding(
        "operator-not-running",
        "fleet",
        `none of the ${operator.agents} agents has a status for its current spec`,
        "nothing places, starts or protects them",
        "helm install agentfleet charts/agentfleet -n agentfleet-system --create-namespace, then kubectl -n agentfleet-system get pods",
      ),
    );
  }
  if (!cluster.serviceMonitor) {
    findings.push(
      finding(
        "metrics-not-scraped",
        "fleet",
        "no ServiceMonitor scrapes the operator",
        "VRAM, placements and errors are not recorded anywhere",
        "helm upgrade agentfleet charts/agentfleet --set metrics.serviceMonitor.enabled=true (needs the Prometheus Operator)",
      ),
    );
  }
  if (!cluster.prometheusRule) {
    findings.push(
      finding(
        "alerts-not-installed",
        "fleet",
        "no PrometheusRule carries the fleet's alerts",
        "nobody is told when a required agent goes down or a card fills up",
        "helm upgrade agentfleet charts/agentfleet --set metrics.prometheusRule.enabled=true",
      ),
    );
  }
  return findings;
}
