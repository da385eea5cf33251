// The addresses of an agent's dependencies, as environment variables of its container, so that code
// written for localhost:PORT changes one line: host = os.environ["AGENTFLEET_DEP_MEMORY_HUB_HOST"].
//
//   AGENTFLEET_DEP_<NAME>_HOST             the dependency's Service name (it resolves in the namespace)
//   AGENTFLEET_DEP_<NAME>_PORT_<PORTNAME>  each of its declared ports, by name
//   AGENTFLEET_DEP_<NAME>_PORT             its first declared port
//
// <NAME> and <PORTNAME> are the names in upper case, with "-" and "." as "_". A variable the agent
// sets itself in env or secretEnv wins.
import type { EnvVar } from "../api/agentdeployment.ts";
import type { DependencyEndpoint } from "./input.ts";

export const envName = (name: string) => name.toUpperCase().replace(/[-.]/g, "_");

export const dependencyHostVar = (dependency: string) => `AGENTFLEET_DEP_${envName(dependency)}_HOST`;

export function dependencyEnv(dependencies: readonly DependencyEndpoint[], ownNames: ReadonlySet<string>): EnvVar[] {
  const vars = [...dependencies]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((dep) => {
      const prefix = `AGENTFLEET_DEP_${envName(dep.name)}`;
      const first = dep.ports[0];
      return [
        { name: `${prefix}_HOST`, value: dep.name },
        ...(first ? [{ name: `${prefix}_PORT`, value: String(first.port) }] : []),
        ...dep.ports.map((p) => ({ name: `${prefix}_PORT_${envName(p.name)}`, value: String(p.port) })),
      ];
    });
  return vars.filter((v) => !ownNames.has(v.name));
}
