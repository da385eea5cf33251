// The legacy shell's and compose's variables, as a pod will see them. ${PWD} was the monorepo's
// directory where the start script ran: in the image it is the working directory. ${VAR} of a
// variable the agent's own env defines (earlier, in env) is left for Kubernetes to expand, written
// $(VAR). Everything else (${CASCADE_VERSION:-latest}, ${REDIS_URL:-redis://…}, ${MODEL_DIR}) is not
// set in a pod: it becomes its default, or nothing, and the report says which.

import { counted, firstFew } from "../lib/words.ts";
import { type Finding, type FleetAgent, type Location, mapCommandLine, scalarSource, where } from "./model.ts";
import { secretKey } from "./secret-names.ts";
import { isOffsetPort, mapScalars, resolveScalar, type Substitution, substitute } from "./values.ts";

/** The image's working directory (the Dockerfile --image writes says WORKDIR /app, as the legacy PYTHONPATH did). */
export const imageWorkdir = "/app";

/** Variables the pod provides whatever the shell had. */
const containerDefined: Record<string, string> = { PWD: imageWorkdir };

/** PORT_OFFSET was the start scripts' way to run a second copy of the fleet: a pod has its own ports. */
const expectedUnset = new Set(["PORT_OFFSET"]);

export interface UnsetVariable {
  name: string;
  default?: string;
  agent: string;
  source: Location;
}

export interface ExpandedFleet {
  agents: FleetAgent[];
  unset: UnsetVariable[];
}

export function expandVariables(agents: readonly FleetAgent[]): ExpandedFleet {
  const unset: UnsetVariable[] = [];
  const expanded = agents.map((agent) => {
    const note = (refs: { name: string; default?: string }[], source: Location) => {
      for (const r of refs) if (!expectedUnset.has(r.name)) unset.push({ ...r, agent: agent.legacyName, source });
    };
    const config = mapScalars(
      agent.config,
      (value, path) => {
        if (typeof value !== "string" || !value.includes("$") || secretKey.test(path)) return value;
        if (isOffsetPort(value)) return resolveScalar(value);
        const result = substitute(value, (name) => containerDefined[name]);
        note(result.references, scalarSource(agent, path));
        return result.value;
      },
      "config",
    ) as Record<string, unknown>;
    const env = agent.env.map((e, i) => {
      if (!e.value.includes("$")) return e;
      // A secret's value goes to a Secret, not the manifest (scans.ts). One that is no secret (only a
      // reference, without a default) is what the shell would have made of it: nothing.
      if (secretKey.test(e.name)) return { ...e, value: substitute(e.value).value };
      const earlier = new Set(agent.env.slice(0, i).map((o) => o.name));
      const expanded = expandForPod(
        e.value,
        (name) => containerDefined[name] ?? (earlier.has(name) ? `$(${name})` : undefined),
        (refs) => note(refs, e.source),
      );
      // PYTHONPATH: ${PYTHONPATH}:${PWD}/.. appended to what the shell had; with nothing before it, an
      // empty entry would put the current directory on the path.
      const value = /PATH$/.test(e.name) ? expanded.replace(/^:+|:+$/g, "").replace(/::+/g, ":") : expanded;
      return { ...e, value };
    });
    // Compose interpolates ${VAR} in command and entrypoint too, where Kubernetes expands only $(VAR),
    // from the container's environment: left as written, the agent would get the text ${VAR}. A
    // variable of the agent's env becomes $(VAR); a secret's name stays a reference for spec.secretEnv
    // to fill (its default is never written out); any other becomes its default, or nothing.
    const envNames = new Set(agent.env.map((e) => e.name));
    const known = (name: string) => {
      const provided = containerDefined[name] ?? (envNames.has(name) ? `$(${name})` : undefined);
      if (provided !== undefined || !secretKey.test(name)) return provided;
      note([{ name }], agent.source);
      return `$(${name})`;
    };
    const commandLine = mapCommandLine(agent, (tokens) =>
      tokens.map((token) => expandForPod(token, known, (refs) => note(refs, agent.source))),
    );
    return { ...agent, config, env, ...commandLine };
  });
  return { agents: expanded, unset };
}

/** Stands for compose's literal `$` until it is known what follows it. */
const literalDollar = "\u0000";

/**
 * A value as compose interpolates it, written for a field that Kubernetes expands once more (env
 * values, command and args): `$$` is compose's literal `$`. Kubernetes reads `$(` as a reference and
 * `$$` as an escaped `$`, so a literal `$` before `(` or `$` is written `$$`; elsewhere it is `$`.
 */
function expandForPod(
  raw: string,
  known: (name: string) => string | undefined,
  note: (references: Substitution["references"]) => void,
): string {
  const parts = raw.split("$$").map((part) => {
    const result = substitute(part, known);
    note(result.references);
    return result.value;
  });
  return parts
    .join(literalDollar)
    .replace(new RegExp(`${literalDollar}(?=[($${literalDollar}])`, "g"), "$$$$")
    .replaceAll(literalDollar, "$");
}

/** One finding per variable: where it is used, and what it became. */
export function unsetVariableFindings(unset: readonly UnsetVariable[]): Finding[] {
  const byName = new Map<string, UnsetVariable[]>();
  for (const u of unset) byName.set(u.name, [...(byName.get(u.name) ?? []), u]);
  return [...byName].map(([name, uses]) => {
    const defaults = [...new Set(uses.map((u) => u.default).filter((d): d is string => d !== undefined))];
    const empty = uses.some((u) => u.default === undefined);
    const agents = [...new Set(uses.map((u) => u.agent))];
    // Defaults are not printed: some are secrets (${GRAFANA_PASSWORD:-admin}) or hold one in a URL.
    const became = [...(defaults.length ? ["its default"] : []), ...(empty ? ["nothing"] : [])].join(" or ");
    return {
      kind: "variable-unresolved" as const,
      severity: empty ? ("warning" as const) : ("info" as const),
      agents,
      message: `\${${name}} is set by no pod: in ${counted(uses.length, "place")} (${firstFew(agents)}) ${
        // Only a command line keeps a secret's reference (as $(NAME)): env and config keep their own.
        secretKey.test(name)
          ? `it stays $(${name}) for Kubernetes to fill. Give ${name} to the agents that need it from a Secret, through spec.secretEnv (never as a value in the manifest)`
          : `it became ${became}. Set ${name} in spec.env of the agents that need it, or write the value in`
      }`,
      source: where((uses[0] as UnsetVariable).source),
    };
  });
}
