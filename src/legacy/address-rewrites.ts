// The address rewrite over a whole imported fleet: each agent's config, environment and command
// line, with where every change was read (file:line), what was left and why, the variables dropped,
// and the shared infrastructure the fleet turned out to need.
import {
  type AddressOwner,
  isMachineAddressVariable,
  portNameBeside,
  rewriteText,
  type TextRewrite,
} from "./addresses.ts";
import { argumentValues, isShellScript, scriptValues } from "./argument-addresses.ts";
import type { InfrastructureKind } from "./infrastructure.ts";
import { definingFiles, type FleetAgent, type Location, mapCommandLine, scalarSource } from "./model.ts";
import { mapScalars, resolveScalar, toPort } from "./values.ts";

export interface AddressRewrite {
  agent: string;
  machine: string;
  source: Location;
  /** config.redis.url, or env.REDIS_URL */
  path: string;
  from: string;
  /** The new value; null when the variable was dropped. */
  to: string | null;
  /** Where the agent itself listens, moved off an address no pod has to 0.0.0.0 (addresses.ts). */
  listen?: true;
}

export interface LeftAddress {
  agent: string;
  machine: string;
  source: Location;
  path: string;
  address: string;
  why: string;
  /** Its host was a name (a Service's, a compose service's), not localhost or a PC's address. */
  byName?: true;
  /** That name has an '_' and no file given defines it (redis_language). */
  missingName?: string;
}

export interface InfrastructureNeed {
  kind: string;
  serviceName: string;
  /** Imported from a compose file (then it is an AgentDeployment of the fleet), or only pointed at. */
  defined: boolean;
  neededBy: Set<string>;
}

export interface FleetAddresses {
  agents: FleetAgent[];
  rewrites: AddressRewrite[];
  left: LeftAddress[];
  /** Agents whose values held a URL with a password, left out of the manifest. */
  credentials: { agent: string; machine: string; path: string; source: Location }[];
  needs: Map<string, InfrastructureNeed>;
  /** Agent name → the agents and infrastructure its rewritten addresses now point at. */
  reaches: Map<string, Set<string>>;
}

/** What each agent listens on: its own ports (not the ones it reaches), what compose published and exposed. */
export function addressOwners(agents: readonly FleetAgent[]): AddressOwner[] {
  return agents.map((a) => ({
    name: a.name,
    machine: a.machine,
    ports: [...new Set([...a.ports.map((p) => p.port), ...(a.containerPorts ?? []), ...(a.udpPorts ?? [])])],
    publishedAs: new Map(
      a.ports.flatMap((p) =>
        p.role === "host" && p.target !== undefined && p.target !== p.port ? [[p.port, p.target]] : [],
      ),
    ),
    ...(a.infrastructure ? { infrastructure: a.infrastructure.kind } : {}),
    aliases: [...new Set([a.legacyName, ...(a.hostnames ?? [])])].filter((n) => n !== a.name),
    files: definingFiles(a),
  }));
}

const portKey = /(^|_)port$/i;

/** Which agent's value a rewrite is of, and where the value was read. */
const whereIn = (agent: FleetAgent, path: string, source: Location) => ({
  agent: agent.legacyName,
  machine: agent.machine,
  source,
  path,
});

export function rewriteFleetAddresses(agents: readonly FleetAgent[], machines: readonly string[]): FleetAddresses {
  const owners = addressOwners(agents);
  const rewrites: AddressRewrite[] = [];
  const left: LeftAddress[] = [];
  const credentials: FleetAddresses["credentials"] = [];
  const needs = new Map<string, InfrastructureNeed>();
  const reaches = new Map<string, Set<string>>();
  for (const o of owners) {
    if (o.infrastructure) {
      needs.set(o.name, { kind: o.infrastructure, serviceName: o.name, defined: true, neededBy: new Set() });
    }
  }

  const noteMissing = (kind: InfrastructureKind, agentName: string) => {
    const need = needs.get(kind.serviceName) ?? {
      kind: kind.kind,
      serviceName: kind.serviceName,
      defined: false,
      neededBy: new Set<string>(),
    };
    need.neededBy.add(agentName);
    needs.set(kind.serviceName, need);
  };

  const rewritten = agents.map((agent) => {
    const ctx = { self: { name: agent.name, machine: agent.machine, files: definingFiles(agent) }, owners, machines };
    const record = (path: string, source: Location, result: TextRewrite) => {
      const at = whereIn(agent, path, source);
      for (const c of result.listens) rewrites.push({ ...at, ...c, listen: true });
      const reach = (target: string) => {
        needs.get(target)?.neededBy.add(agent.name);
        if (target !== agent.name) reaches.set(agent.name, (reaches.get(agent.name) ?? new Set()).add(target));
      };
      for (const { target, ...c } of result.changes) {
        rewrites.push({ ...at, ...c });
        if (target) reach(target);
      }
      for (const target of result.reached) reach(target);
      for (const l of result.left) left.push({ agent: agent.legacyName, machine: agent.machine, source, path, ...l });
      if (result.credentials) credentials.push({ agent: agent.legacyName, machine: agent.machine, path, source });
      for (const kind of result.missing) noteMissing(kind, agent.name);
    };

    const config = mapScalars(
      agent.config,
      (value, path, parent) => {
        const resolved = resolveScalar(value);
        if (typeof resolved !== "string") return resolved;
        // A bare host is read by the port beside it ({host: localhost, port: 6379}).
        const port = Object.entries(parent ?? {}).find(([k]) => portKey.test(k))?.[1];
        const siblingPort = toPort(typeof port === "number" ? port : String(port ?? ""));
        const result = rewriteText(resolved, ctx, { name: path, siblingPort });
        record(path, scalarSource(agent, path), result);
        return result.value;
      },
      "config",
    ) as Record<string, unknown>;

    const env: FleetAgent["env"] = [];
    // A host variable's port is the variable of the same stem (HOST=127.0.0.1 beside PORT=8000).
    // Their variables are already expanded (variables.ts): a $ left in a value is the pod's.
    const envValues = new Map(agent.env.map((e) => [e.name, e.value]));
    for (const e of agent.env) {
      const portName = portNameBeside(e.name);
      const siblingPort = portName ? toPort(envValues.get(portName) ?? "") : undefined;
      const result = rewriteText(e.value, ctx, { name: e.name, siblingPort });
      // Where the agent itself listens is kept, on every address; another PC's address is dropped.
      const unchanged = result.changes.length === 0 && result.listens.length === 0;
      if (unchanged && isMachineAddressVariable(e.name, e.value, machines)) {
        rewrites.push({ ...whereIn(agent, `env.${e.name}`, e.source), from: e.value, to: null });
        continue;
      }
      record(`env.${e.name}`, e.source, result);
      env.push(result.value === e.value ? e : { ...e, value: result.value });
    }
    // Compose's entrypoint and command, their variables already expanded (variables.ts): read where
    // the service was defined, as no token has a line. A shell's script is read word by word.
    const line = [...(agent.command ?? []), ...(agent.args ?? [])];
    const rewriteScript = (script: string, path: string) => {
      const edits = scriptValues(script).flatMap(({ prefix, value, hint, start, end, quote }) => {
        const result = rewriteText(value, ctx, hint);
        record(path, agent.source, result);
        return result.value === value ? [] : [{ start, end, text: `${quote}${prefix}${result.value}${quote}` }];
      });
      return edits.reduceRight((out, e) => `${out.slice(0, e.start)}${e.text}${out.slice(e.end)}`, script);
    };
    const commandLine = mapCommandLine(agent, (tokens, field) => {
      const offset = field === "args" ? (agent.command?.length ?? 0) : 0;
      return argumentValues(tokens).map(({ prefix, value, hint }, i) => {
        const token = tokens[i] as string;
        if (isShellScript(line, offset + i)) return rewriteScript(token, `${field}[${i}]`);
        const result = rewriteText(value, ctx, hint);
        record(`${field}[${i}]`, agent.source, result);
        return result.value === value ? token : `${prefix}${result.value}`;
      });
    });
    return { ...agent, config, env, ...commandLine };
  });
  return { agents: rewritten, rewrites, left, credentials, needs, reaches };
}
