// What a definition holds that must not travel as it is: literal secrets (and secret defaults such
// as ${X:-admin}), host paths mounted into containers, and fixed addresses.
import { agentsNamed, counted, inWords } from "../../lib/words.ts";
import {
  agentFinding,
  type Finding,
  type FleetAgent,
  type HostAccess,
  type LegacyAgent,
  type Location,
  where,
} from "../model.ts";
import { secretKey } from "../secret-names.ts";
import { substitute } from "../values.ts";
import { byPlace } from "./by-place.ts";

/** Values that are tokens whatever their name. */
const tokenValue =
  /\b(sk-[A-Za-z0-9_-]{16,}|ghp_[A-Za-z0-9]{20,}|xox[abp]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/;

export interface SecretValue {
  agent: string;
  machine: string;
  /** The variable or config key holding it. */
  key: string;
  source: Location;
  /** "literal" or "default of ${VAR}" */
  how: string;
}

/**
 * How a value under a key is a secret, in a report's words; undefined when it is not one. A key that
 * names a variable or a file holds none, and neither does a switch (`use_auth_token: true`).
 */
function secretHow(key: string, written: string): string | undefined {
  if (/_env$|_file$|_path$/i.test(key)) return undefined;
  const { value, references } = substitute(written);
  const literal = references.length === 0 && value.trim() !== "" && !/^(true|false|yes|no|on|off)$/i.test(value.trim());
  const defaulted = references.find((r) => r.default !== undefined && r.default !== "");
  if (secretKey.test(key) && (literal || defaulted))
    return literal ? "a literal value" : `the default of \${${defaulted?.name}}`;
  return tokenValue.test(written) ? "a token-shaped value" : undefined;
}

/** Secrets held in env or config of any definition, imported or not. Never returns the values. */
export function findSecrets(defs: readonly LegacyAgent[]): SecretValue[] {
  const found: SecretValue[] = [];
  for (const d of defs) {
    const candidates = [
      ...d.env.map((e) => ({ key: e.name, value: e.value, source: e.source })),
      ...d.scalars
        .filter((s) => !/^environment\b/.test(s.path))
        .map((s) => ({ key: s.path.split(".").pop() ?? s.path, value: s.value, source: s.source })),
    ];
    for (const c of candidates) {
      const how = secretHow(c.key, c.value);
      if (how) found.push({ agent: d.legacyName, machine: d.machine, key: c.key, source: c.source, how });
    }
  }
  // Each agent that holds it keeps its record (its manifest must take it by reference): a global
  // environment's secret is every agent's. Only the same agent, read twice, is one.
  const identity = (s: SecretValue) => [s.agent, s.machine, s.key, where(s.source)].join("\0");
  return [...new Map(found.map((s) => [identity(s), s])).values()];
}

/**
 * Secrets a file holds outside every definition (an SSH password beside the agent list, a Redis
 * password in its settings block): nothing imported takes them, and the file still holds them. One
 * finding per file; `reported` are the lines (file:line) whose secrets are an agent's finding.
 */
export function looseSecretFindings(scalars: LegacyAgent["scalars"], reported: ReadonlySet<string>): Finding[] {
  const found = scalars.flatMap((s) => {
    const key =
      s.path
        .replace(/\[\d+\]$/, "")
        .split(".")
        .pop() ?? s.path;
    const how = reported.has(where(s.source)) ? undefined : secretHow(key, s.value);
    return how ? [{ path: s.path, how, source: s.source }] : [];
  });
  return [...Map.groupBy(found, (f) => f.source.file)].map(([file, list]) => {
    const first = list[0] as (typeof list)[number];
    return {
      kind: "secret" as const,
      severity: "warning" as const,
      agents: [],
      message: `${file} holds ${counted(list.length, "secret")} outside any agent (${list
        .map((f) => `${f.path} at line ${f.source.line}, ${f.how}`)
        .join(
          "; ",
        )}): no manifest takes ${list.length === 1 ? "it" : "them"}, but the file, and any repository or backup it is in, still ${list.length === 1 ? "holds it" : "hold them"}. Move ${list.length === 1 ? "it" : "them"} out of the file into a Secret where ${list.length === 1 ? "it is" : "they are"} used, and rotate ${list.length === 1 ? "it" : "them"}`,
      source: where(first.source),
    };
  });
}

/** One finding per place a secret is written, naming every agent that holds it from there. */
export function secretFindings(secrets: readonly SecretValue[], imported: ReadonlySet<string>): Finding[] {
  return byPlace(secrets, (s) => s.key).map(({ first: s, agents: holders, on }) => {
    const allImported = holders.every((a) => imported.has(a));
    const who = `${agentsNamed(holders)} ${holders.length === 1 ? "holds" : "hold"}`;
    return {
      kind: "secret" as const,
      severity: "warning" as const,
      ...on,
      agents: holders,
      message: `${who} a secret in ${s.key} (${s.how}). ${
        allImported
          ? `The ${holders.length === 1 ? "manifest takes" : "manifests take"} it from the Secret legacy-secrets instead; create it with the real value, and rotate the old one`
          : holders.some((a) => imported.has(a))
            ? "The imported ones take it from the Secret legacy-secrets instead; create it with the real value, move it into a Secret wherever the others run now, and rotate it"
            : "It is not imported; move it into a Secret wherever it runs now, and rotate it"
      }`,
      source: where(s.source),
    };
  });
}

const sensitive = /^\/(var\/run\/docker\.sock|run\/docker\.sock|var\/run|proc|sys|dev|etc|root|)$|docker\.sock$/;

export function mountFindings(defs: readonly LegacyAgent[]): Finding[] {
  const findings: Finding[] = [];
  for (const d of defs) {
    const paths = [
      ...d.mounts.map((m) => ({
        path: m.hostPath,
        source: m.source,
        how: `mounts ${m.hostPath} at ${m.target}`,
        mount: `${m.hostPath} at ${m.target}`,
      })),
      ...d.scalars
        .filter((s) => !/^volumes\b/.test(s.path) && /docker\.sock$|^\/var\/run\/|^\/proc\b|^\/sys\b/.test(s.value))
        .map((s) => ({
          path: s.value,
          source: s.source,
          how: `needs ${s.value} (config ${s.path})`,
          mount: undefined,
        })),
    ];
    // Plain host paths (config, logs) share one piece of advice: one finding per agent, not per path.
    const plain: { mount: string; source: Location }[] = [];
    for (const p of paths) {
      const dockerSocket = /docker\.sock$/.test(p.path);
      const models = /model|weight|checkpoint|hf_?home|huggingface|\.cache|gguf/i.test(`${p.path} ${p.how}`);
      if (p.mount !== undefined && !dockerSocket && !sensitive.test(p.path) && !models) {
        plain.push({ mount: p.mount, source: p.source });
        continue;
      }
      findings.push(
        agentFinding(d, {
          kind: "host-mount",
          severity: dockerSocket || sensitive.test(p.path) ? "blocker" : "warning",
          message: dockerSocket
            ? `${d.legacyName} ${p.how}: the Docker socket is root on the host, and there is no Docker on a k3s node. Kubernetes restarts failed pods itself; drop this agent or give it RBAC on pods instead. It is imported without the mount`
            : models
              ? `${d.legacyName} ${p.how}: model files on one PC's disk. Put them on a PersistentVolumeClaim, or have the agent download them on start (a hostPath volume in spec.volumes would share one copy, but only in a namespace whose Pod Security level is privileged, and only if both PCs hold it at the same path)`
              : `${d.legacyName} ${p.how}: the host's system directories are not an agent's to read; drop the mount (the restricted Pod Security Standard of the agents' namespace refuses host paths)`,
          source: p.source,
        }),
      );
    }
    const [first] = plain;
    if (first) {
      findings.push(
        agentFinding(d, {
          kind: "host-mount",
          severity: "warning",
          message: `${d.legacyName} mounts ${inWords(plain.map((p) => p.mount))}${
            plain.length > 1 ? ` (lines ${plain.map((p) => p.source.line).join(", ")})` : ""
          }: ${plain.length > 1 ? "host paths tie" : "a host path ties"} it to one machine and its files, and the agents' restricted namespace refuses host paths: use a ConfigMap or a PersistentVolumeClaim`,
          source: first.source,
        }),
      );
    }
  }
  return findings;
}

const ipv4 = /\b((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(\/\d{1,2})?\b/;
const localhost = /\b(localhost|127\.0\.0\.1)\b/;

/**
 * Fixed addresses, one finding per file; and localhost URLs at `localhostAt`: with --keep-addresses,
 * where the rewrite would have changed or left one (an agent's own address, such as its health URL,
 * is right in its pod). Otherwise the rewrite (address-rewrites.ts) reports what it changed and left.
 */
export function addressFindings(
  defs: readonly LegacyAgent[],
  fileScalars: LegacyAgent["scalars"],
  {
    localhostAt = new Set<string>(),
    handledAt = new Set<string>(),
  }: { localhostAt?: ReadonlySet<string>; handledAt?: ReadonlySet<string> } = {},
): Finding[] {
  const findings: Finding[] = [];
  // Fixed addresses (container IPs, subnets): one finding per file, listing them all.
  const fixed = new Map<
    string,
    { uses: string[]; agents: Set<string>; machine: string | undefined; source: Location }
  >();
  // localhost in a URL: one finding per address and file, naming every definition that uses it.
  const local = new Map<string, { value: string; agents: Set<string>; machine: string; source: Location }>();
  const scan = (
    path: string,
    value: string,
    agent: string | undefined,
    machine: string | undefined,
    source: Location,
  ) => {
    // A healthcheck runs inside its own container, where localhost is right; and an address the
    // rewrite changed or dropped is reported by it.
    if (/(^|\.)healthcheck\./.test(path) || handledAt.has(where(source))) return;
    const ip = ipv4.exec(value);
    if (ip && ip[1] !== "0.0.0.0" && !ip[1]?.startsWith("127.")) {
      const entry = fixed.get(source.file) ?? { uses: [], agents: new Set<string>(), machine, source };
      // One agent's address given twice (its host and its URL) is one use.
      const use = agent ? `${ip[0]} (${agent})` : ip[0];
      if (!entry.uses.includes(use)) entry.uses.push(use);
      if (agent) entry.agents.add(agent);
      fixed.set(source.file, entry);
    } else if (
      localhostAt.has(where(source)) &&
      agent &&
      machine !== undefined &&
      localhost.test(value) &&
      /:\/\/|:\d+/.test(value)
    ) {
      const key = `${source.file}|${value}`;
      const entry = local.get(key) ?? { value, agents: new Set<string>(), machine, source };
      entry.agents.add(agent);
      local.set(key, entry);
    }
  };
  for (const d of defs) {
    // Environment is scanned as variables (name and value), not again as raw list entries.
    for (const s of d.scalars)
      if (!/^env(ironment)?\b/.test(s.path)) scan(s.path, s.value, d.legacyName, d.machine, s.source);
    for (const e of d.env) scan(`environment.${e.name}`, e.value, d.legacyName, d.machine, e.source);
  }
  for (const s of fileScalars) scan(s.path, s.value, undefined, undefined, s.source);
  for (const e of fixed.values()) {
    findings.push({
      kind: "hardcoded-address",
      severity: "info",
      ...(e.machine ? { machine: e.machine } : {}),
      agents: [...e.agents],
      message: `${counted(e.uses.length, "fixed address", "fixed addresses")}: ${e.uses.join(", ")}. Kubernetes assigns pod and Service addresses; agents reach each other by Service name`,
      source: where(e.source),
    });
  }
  for (const e of local.values()) {
    findings.push({
      kind: "hardcoded-address",
      severity: "warning",
      machine: e.machine,
      agents: [...e.agents],
      message: `${e.value} (${[...e.agents].join(", ")}): in a pod, localhost is the pod itself; point it at the Service of what it needs`,
      source: where(e.source),
    });
  }
  return findings;
}

export function agentSecrets(agent: FleetAgent, secrets: readonly SecretValue[]): SecretValue[] {
  return secrets.filter((s) => s.agent === agent.legacyName && s.machine === agent.machine);
}

const gpuDevice = /^\/dev\/nvidia/;

/**
 * What a compose service had of its PC that a pod in the agents' restricted namespace does not:
 * devices (a microphone, a sound card), the PC's own network, privilege, added capabilities. The
 * card's own device files are the NVIDIA device plugin's to hand over.
 */
export function hostAccessFindings(defs: readonly LegacyAgent[]): Finding[] {
  return defs.flatMap((d) => {
    const access = d.hostAccess ?? [];
    const of = (kind: HostAccess["kind"], test: (a: HostAccess) => boolean = () => true) =>
      access.filter((a) => a.kind === kind && test(a));
    const found: Finding[] = [];
    const push = (list: readonly HostAccess[], severity: Finding["severity"], says: (what: string) => string) => {
      const [first] = list;
      if (!first) return;
      found.push(
        agentFinding(d, {
          kind: "host-access",
          severity,
          message: `${d.legacyName} ${says(inWords(list.map((a) => a.what)))}`,
          source: first.source,
        }),
      );
    };
    push(
      of("device", (a) => !gpuDevice.test(a.what)),
      "warning",
      (what) =>
        `uses the PC's devices (${what}): a pod in the agents' restricted namespace sees no host device, so it cannot reach them. Run it on the PC that has them with a device plugin that advertises them (and pin it to that node), or keep it outside the cluster and have it send what it captures to the fleet`,
    );
    push(
      of("device", (a) => gpuDevice.test(a.what)),
      "info",
      (what) =>
        `maps the card's device files (${what}): the NVIDIA device plugin hands its pod the card (nvidia.com/gpu), so they are left out`,
    );
    push(
      of("network"),
      "warning",
      () =>
        "ran on the PC's own network (network_mode: host): a pod has an address of its own, so discovery on the home network (mDNS, broadcast) and ports it opened on the PC do not carry over; its Service carries its declared ports",
    );
    push(
      of("privileged"),
      "warning",
      () =>
        "ran privileged: a pod in the agents' restricted namespace cannot, and it is imported without it. Find what it needed the privilege for",
    );
    push(
      of("root"),
      "warning",
      (what) =>
        `ran as root (${what}): an agent's pod runs as user 1000, with a read-only root file system, as the restricted Pod Security Standard requires. Where it wrote as root (its home, /var, a path the image owns), give it a volume, or build its image to run as a user`,
    );
    push(
      of("capability"),
      "info",
      (what) =>
        `added capabilities (${what}): the restricted Pod Security Standard drops them all, and it is imported without them`,
    );
    return found;
  });
}
