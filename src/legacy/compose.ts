// docker-compose and podman-compose files: services with images, published ports, environment,
// volumes, `runtime: nvidia` and device reservations. Anchors and merge keys are resolved by the
// YAML reader, so a service's own environment replaces its template's, as compose does.
import { readCommand, readEnv, readStringList } from "./agent-fields.ts";
import type { GpuEvidence, HostMount, LegacyAgent, PortUse } from "./model.ts";
import { substitute, toMemoryQuantity, toPort } from "./values.ts";
import { child, scalar, scalarsOf, toJS, type YNode } from "./yaml-source.ts";

export function isCompose(root: YNode | undefined): boolean {
  return child(root, "services")?.kind === "map";
}

/** "8080", "${PORT_OFFSET:-0}7200:7200", "127.0.0.1:80:8080/tcp", or {published, target}. */
function publishedPorts(node: YNode | undefined): PortUse[] {
  if (node?.kind !== "seq") return [];
  return node.items.flatMap((item) => {
    const long = toJS(item) as { published?: unknown; target?: unknown } | string | number;
    if (typeof long === "object" && long) {
      const port = toPort(String(long.published ?? ""));
      return port ? [{ port, role: "host", source: item.loc }] : [];
    }
    const spec = substitute(String(long)).value.replace(/\/(tcp|udp)$/, "");
    const parts = spec.split(":");
    // host:container or ip:host:container; a bare port publishes itself.
    const host = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
    const port = toPort(host ?? "");
    return port ? [{ port, role: "host", source: item.loc }] : [];
  });
}

function hostMounts(node: YNode | undefined): HostMount[] {
  if (node?.kind !== "seq") return [];
  return node.items.flatMap((item) => {
    const js = toJS(item) as { type?: string; source?: string; target?: string } | string;
    const [source, target] =
      typeof js === "string" ? [js.split(":")[0] ?? "", js.split(":")[1] ?? ""] : [js.source ?? "", js.target ?? ""];
    const resolved = substitute(source).value;
    const isPath = /^(\/|\.|~)/.test(resolved) || (typeof js === "object" && js.type === "bind");
    return isPath ? [{ hostPath: resolved, target, source: item.loc }] : [];
  });
}

function gpuEvidence(spec: YNode, env: { name: string; value: string }[]): GpuEvidence[] {
  const evidence: GpuEvidence[] = [];
  const runtime = child(spec, "runtime");
  if (scalar(runtime) === "nvidia") evidence.push({ reason: "runtime: nvidia", source: runtime?.loc ?? spec.loc });
  const gpus = child(spec, "gpus");
  if (gpus) evidence.push({ reason: `gpus: ${scalar(gpus) ?? "set"}`, source: gpus.loc });
  const devices = child(child(child(child(spec, "deploy"), "resources"), "reservations"), "devices");
  for (const d of devices?.kind === "seq" ? devices.items : []) {
    const text = JSON.stringify(toJS(d));
    if (/nvidia|gpu/i.test(text)) evidence.push({ reason: "a GPU device reservation", source: d.loc });
  }
  for (const e of env) {
    if (/^(NVIDIA|CUDA)_VISIBLE_DEVICES$/.test(e.name) && !/^(void|none|)$/i.test(e.value.trim())) {
      evidence.push({ reason: `${e.name}=${e.value}`, source: spec.loc });
    }
  }
  return evidence;
}

/** The port a healthcheck probes: `curl http://localhost:8200/health` → 8200. */
function healthCheck(spec: YNode): LegacyAgent["healthCheck"] {
  const test = toJS(child(child(spec, "healthcheck"), "test"));
  const text = Array.isArray(test) ? test.join(" ") : String(test ?? "");
  const m = /localhost:(\d+)/.exec(text);
  if (m) return { port: Number(m[1]) };
  return text ? { tcp: true } : undefined;
}

export function readCompose(root: YNode): Omit<LegacyAgent, "machine">[] {
  const services = child(root, "services");
  if (services?.kind !== "map") return [];
  return services.entries.map(({ key, keyLoc, value: spec }) => {
    const env = readEnv(child(spec, "environment"));
    const deploy = child(spec, "deploy");
    const limits = child(child(deploy, "resources"), "limits");
    const reservations = child(child(deploy, "resources"), "reservations");
    const buildService = scalar(child(child(child(spec, "build"), "args"), "SERVICE"));
    const serviceName = env.find((e) => e.name === "SERVICE_NAME")?.value ?? buildService;
    const replicas = Number(scalar(child(deploy, "replicas")));
    const image = scalar(child(spec, "image"));
    const cpu = scalar(child(reservations, "cpus"));
    const memory = toMemoryQuantity(scalar(child(reservations, "memory")));
    const memoryLimit = toMemoryQuantity(scalar(child(limits, "memory")));
    const health = healthCheck(spec);
    const dependsOn = child(spec, "depends_on");
    const dependencies =
      dependsOn?.kind === "map"
        ? dependsOn.entries.map((e) => ({ name: e.key, source: e.keyLoc }))
        : readStringList(dependsOn);
    return {
      legacyName: key,
      from: "compose" as const,
      source: keyLoc,
      ...(image ? { image: substitute(image).value } : {}),
      ...(readCommand(child(spec, "command")) ? { command: readCommand(child(spec, "command")) as string[] } : {}),
      ports: publishedPorts(child(spec, "ports")),
      dependencies,
      required: false,
      config: {},
      env,
      mounts: hostMounts(child(spec, "volumes")),
      gpu: gpuEvidence(spec, env),
      ...(Number.isInteger(replicas) && replicas > 0 ? { replicas } : {}),
      ...(cpu || memory || memoryLimit
        ? {
            resources: {
              ...(cpu ? { cpu } : {}),
              ...(memory ? { memory } : {}),
              ...(memoryLimit ? { memoryLimit } : {}),
            },
          }
        : {}),
      ...(health ? { healthCheck: health } : {}),
      ...(serviceName ? { serviceName } : {}),
      scalars: scalarsOf(spec).map((s) => ({ path: s.path, value: s.value, source: s.loc })),
    };
  });
}

/** Scalars outside the services (networks, subnets): addresses live there too. */
export function fileLevelScalars(root: YNode): LegacyAgent["scalars"] {
  if (root.kind !== "map") return [];
  return root.entries
    .filter((e) => e.key !== "services")
    .flatMap((e) => scalarsOf(e.value, e.key).map((s) => ({ path: s.path, value: s.value, source: s.loc })));
}
