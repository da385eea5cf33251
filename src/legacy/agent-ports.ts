// The ports an imported agent listens on, named as its manifest names them: its startup config's
// port, health and config ports, then what its compose service's container listens on (TCP, then
// UDP). Pure.
import type { FleetAgent } from "./model.ts";
import { toPortName } from "./names.ts";

/** At most this many of an agent's ports: the API's limit, and a Service's sensible one. */
export const maxAgentPorts = 32;

/** Every port an agent listens on, named, before the limit (a finding says what it cuts). */
export function declaredPorts(agent: FleetAgent): { name: string; port: number; protocol: "TCP" | "UDP" }[] {
  const out: { name: string; port: number; protocol: "TCP" | "UDP" }[] = [];
  const names = new Set<string>();
  const numbers = new Set<string>();
  const add = (port: number, base: string, protocol: "TCP" | "UDP" = "TCP") => {
    // One entry per number and protocol, as the API keeps them: SIP's 5060 is both TCP and UDP.
    if (numbers.has(`${port}/${protocol}`)) return;
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base.slice(0, 13)}-${i}`;
    numbers.add(`${port}/${protocol}`);
    names.add(name);
    out.push({ name, port, protocol });
  };
  for (const p of agent.ports) {
    if (p.role === "host") continue;
    add(
      p.port,
      p.role === "port"
        ? "main"
        : p.role === "health"
          ? "health"
          : toPortName(
              p.role
                .replace(/^(config|bind|flag) -*/, "")
                .split(".")
                .pop() ?? "",
            ),
    );
  }
  // What a compose service's container listens on (its ports' targets, expose).
  for (const port of agent.containerPorts ?? []) add(port, `tcp-${port}`);
  if (agent.healthCheck?.port !== undefined) add(agent.healthCheck.port, "health");
  for (const port of agent.udpPorts ?? []) add(port, `udp-${port}`, "UDP");
  return out;
}
