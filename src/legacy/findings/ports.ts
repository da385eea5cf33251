// Ports that collide on one machine: two agents on one port (service, health or config ports, and
// ports a compose file publishes on the host), and an agent whose port is also one of its config's.
import { machineLabel } from "../machine.ts";
import { type Finding, type FleetAgent, type LegacyAgent, where } from "../model.ts";

export function portConflicts(agents: readonly FleetAgent[], composeOnly: readonly LegacyAgent[]): Finding[] {
  const findings: Finding[] = [];
  const all: LegacyAgent[] = [...agents, ...composeOnly];
  const machines = [...new Set(all.map((a) => a.machine))];
  for (const machine of machines) {
    const uses = all
      .filter((a) => a.machine === machine)
      .flatMap((a) => a.ports.map((p) => ({ ...p, agent: a.legacyName, from: a.from })));
    // A number is taken once per protocol: a UDP port and a TCP one of one number do not collide.
    const byPort = new Map<string, typeof uses>();
    for (const u of uses) {
      const key = `${u.port}${u.udp ? "/udp" : ""}`;
      byPort.set(key, [...(byPort.get(key) ?? []), u]);
    }
    for (const list of [...byPort.values()].sort(([a], [b]) => (a?.port ?? 0) - (b?.port ?? 0))) {
      const { port, udp } = list[0] ?? { port: 0 };
      const owners = [...new Set(list.map((u) => u.agent))];
      const describe = (u: (typeof list)[number]) =>
        `${u.agent} (${u.role === "host" ? "published on the host by compose" : u.role}, ${where(u.source)})`;
      if (owners.length > 1) {
        const hosts = list.filter((u) => u.role === "host");
        const twiceOnHost = new Set(hosts.map((u) => u.agent)).size > 1;
        findings.push({
          kind: "port-conflict",
          severity: "warning",
          machine,
          agents: owners,
          port,
          message: `${udp ? "UDP " : ""}port ${port} on ${machineLabel(machine)} is taken by ${list.map(describe).join(" and by ")}${
            twiceOnHost ? "; compose cannot publish one host port twice" : ""
          }. In Kubernetes each agent has its own address, so the manifests keep both; check which one the other agents mean`,
          source: where((list[1] ?? list[0])?.source ?? { file: "", line: 0, column: 0 }),
        });
      } else {
        const roles = list.filter((u) => u.role !== "host");
        if (roles.length > 1 && roles.some((u) => u.role.startsWith("config"))) {
          findings.push({
            kind: "port-conflict",
            severity: "info",
            machine,
            agents: owners,
            port,
            message: `${owners[0]} uses port ${port} as ${roles.map((u) => u.role).join(" and as ")}: one listener, or two that cannot both bind`,
            source: where(
              (roles.find((u) => u.role.startsWith("config")) ?? (roles[0] as (typeof roles)[number])).source,
            ),
          });
        }
      }
    }
  }
  return findings;
}
