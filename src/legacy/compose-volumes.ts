// The volumes of a compose service: named ones (data to keep), scratch ones and tmpfs (in RAM),
// /dev/shm as shm_size or ipc: host gave it, and host paths. Pure.
import { readStringList } from "./agent-fields.ts";
import { quantity } from "./compose-quantity.ts";
import type { DataVolume, HostMount } from "./model.ts";
import { substitute, toMemoryQuantity } from "./values.ts";
import { child, scalar, toJS, type YNode } from "./yaml-source.ts";

/** Named volumes (redis_data:/data) and scratch ones (/cache, tmpfs); host paths are read by hostMounts. */
export function dataVolumes(spec: YNode, key: string): DataVolume[] {
  const node = child(spec, "volumes");
  const out: DataVolume[] = [];
  for (const item of node?.kind === "seq" ? node.items : []) {
    const js = toJS(item) as
      | { type?: string; source?: string; target?: string; read_only?: boolean; tmpfs?: { size?: unknown } }
      | string;
    const [source, target, mode] =
      typeof js === "string"
        ? js.split(":").length === 1
          ? ["", js, ""]
          : [js.split(":")[0] ?? "", js.split(":")[1] ?? "", js.split(":")[2] ?? ""]
        : [js.type === "tmpfs" ? "" : (js.source ?? ""), js.target ?? "", js.read_only ? "ro" : ""];
    const resolved = substitute(source).value;
    if (/^(\/|\.|~)/.test(resolved) || (typeof js === "object" && js.type === "bind") || !target.startsWith("/"))
      continue;
    const inMemory = typeof js === "object" && js.type === "tmpfs" ? tmpfsMemory("type: tmpfs", js.tmpfs?.size) : {};
    out.push({
      ...(resolved ? { volume: resolved } : {}),
      target,
      readOnly: /\bro\b/.test(mode),
      source: item.loc,
      ...inMemory,
    });
  }
  // tmpfs: /run, or a list; each TARGET[:OPTIONS], its options as mount(8) takes them (size=64m,mode=1777).
  const tmpfs = child(spec, "tmpfs");
  const one = tmpfs?.kind === "seq" ? undefined : scalar(tmpfs)?.trim();
  const entries =
    tmpfs?.kind === "seq" ? readStringList(tmpfs) : one ? [{ name: one, source: tmpfs?.loc ?? spec.loc }] : [];
  for (const t of entries) {
    const [target = "", options = ""] = t.name.split(/:(.*)/s);
    const size = options.split(",").find((o) => o.startsWith("size="));
    if (target.startsWith("/"))
      out.push({ target, readOnly: false, source: t.source, ...tmpfsMemory(`tmpfs: ${t.name}`, size?.slice(5)) });
  }
  const shared = sharedMemoryOf(spec, key);
  return shared ? [...out.filter((v) => v.target !== shared.target), shared] : out;
}

/**
 * A tmpfs, as the RAM it was: with its size when it is one a Kubernetes quantity can say (64m, 1g, a
 * number of bytes); a share of the PC's memory (size=50%) is none, and the finding says it has no size.
 */
function tmpfsMemory(said: string, size: unknown): Pick<DataVolume, "inMemory"> {
  const sizeLimit = size === undefined ? undefined : toMemoryQuantity(size);
  return { inMemory: { ...(sizeLimit ? { sizeLimit } : {}), said } };
}

/**
 * /dev/shm as compose sized it: shm_size (a pod's is 64 MiB, too small for PyTorch's DataLoader
 * workers or NCCL), or ipc: host, whose shared memory was the PC's. A quantity compose refuses stops
 * the import at its line, as the other quantities do.
 */
function sharedMemoryOf(spec: YNode, key: string): DataVolume | undefined {
  const size = child(spec, "shm_size");
  const ipc = child(spec, "ipc");
  if (size) {
    const sizeLimit = quantity(spec, "shm_size", "memory", `services.${key}`);
    return {
      target: "/dev/shm",
      readOnly: false,
      source: size.loc,
      inMemory: { ...(sizeLimit ? { sizeLimit } : {}), said: `shm_size: ${scalar(size) ?? ""}` },
    };
  }
  if (scalar(ipc) === "host") {
    return { target: "/dev/shm", readOnly: false, source: ipc?.loc ?? spec.loc, inMemory: { said: "ipc: host" } };
  }
  return undefined;
}

export function hostMounts(node: YNode | undefined): HostMount[] {
  if (node?.kind !== "seq") return [];
  return node.items.flatMap((item) => {
    const js = toJS(item) as { type?: string; source?: string; target?: string } | string;
    const [source, target] =
      typeof js === "string" ? [js.split(":")[0] ?? "", js.split(":")[1] ?? ""] : [js.source ?? "", js.target ?? ""];
    // "/scratch" alone is an anonymous volume, not a host path (dataVolumes reads it).
    if (typeof js === "string" && !js.includes(":")) return [];
    const resolved = substitute(source).value;
    const isPath = /^(\/|\.|~)/.test(resolved) || (typeof js === "object" && js.type === "bind");
    return isPath ? [{ hostPath: resolved, target, source: item.loc }] : [];
  });
}
