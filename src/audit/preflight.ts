// The GPU stack, checked against each GPU class: does a node carry it, does the device plugin
// advertise its resource there, do GPU Feature Discovery's labels agree with what the class says
// (product in both forms, time-slicing replicas, memory), does its RuntimeClass exist. Pure. The
// audit reports the findings; the operator turns the same checks into the class's conditions.
import type { GPUClass } from "../api/gpuclass.ts";
import { nodeInClass } from "../placement/nodes.ts";
import type { Supply } from "../placement/plan.ts";
import { type Finding, finding } from "./findings.ts";

export const gfd = {
  product: "nvidia.com/gpu.product",
  memory: "nvidia.com/gpu.memory",
  count: "nvidia.com/gpu.count",
  replicas: "nvidia.com/gpu.replicas",
} as const;

/** The suffix GPU Feature Discovery adds to the product label when time-slicing is on (without a rename). */
export const sharedSuffix = "-SHARED";

export interface ClassPreflight {
  gpuClass: string;
  /** Nodes the class's terms select. */
  nodes: string[];
  /** undefined when the RuntimeClasses were not read. */
  runtimeClassFound: boolean | undefined;
  /** Nodes whose GFD replicas label disagrees with the class's sharing.replicas. */
  sharingMismatch: string[];
  findings: Finding[];
}

const classRef = (c: GPUClass) => `gpuclass ${c.metadata.name}`;

/** The product values a class accepts, from In requirements on GFD's product label. */
function productValues(gpuClass: GPUClass): string[] {
  return gpuClass.spec.nodeSelectorTerms.flatMap((t) =>
    t.matchExpressions.filter((r) => r.key === gfd.product && r.operator === "In").flatMap((r) => r.values ?? []),
  );
}

export function preflightClass(
  gpuClass: GPUClass,
  nodes: readonly Supply[],
  runtimeClasses: ReadonlySet<string> | undefined,
  /** Whether an agent names the class (as its own or a fallback): a class nobody uses that matches nothing is only a note. */
  used = true,
): ClassPreflight {
  const findings: Finding[] = [];
  const matched = nodes.filter((n) => nodeInClass(n, gpuClass));
  const name = gpuClass.metadata.name;
  const { resourceName, sharing, vramMiB, runtimeClassName } = gpuClass.spec;

  if (matched.length === 0) {
    const seen = [...new Set(nodes.map((n) => n.labels[gfd.product]).filter((p): p is string => p !== undefined))];
    findings.push(
      finding(
        used ? "class-matches-no-node" : "unused-class-matches-no-node",
        classRef(gpuClass),
        `no node matches its nodeSelectorTerms${seen.length ? `; the nodes' ${gfd.product} labels are ${seen.join(", ")}` : `; no node has a ${gfd.product} label`}`,
        "an agent of this class can never be placed, and one that falls back to it finds no room",
        `match the label the nodes carry (with and without ${sharedSuffix}), or install GPU Feature Discovery on the GPU nodes`,
      ),
    );
  }

  const products = productValues(gpuClass);
  const oneForm = products.filter((p) => {
    const other = p.endsWith(sharedSuffix) ? p.slice(0, -sharedSuffix.length) : `${p}${sharedSuffix}`;
    return !products.includes(other);
  });
  if (oneForm.length) {
    findings.push(
      finding(
        "product-label-form",
        classRef(gpuClass),
        `matches ${oneForm.join(", ")} but not the same product ${oneForm[0]?.endsWith(sharedSuffix) ? "without" : "with"} ${sharedSuffix}`,
        `GPU Feature Discovery writes the product with ${sharedSuffix} while time-slicing is on and without it when it is off: a change of the device plugin's config makes the class match nothing`,
        `list both values in the In requirement (${oneForm.map((p) => (p.endsWith(sharedSuffix) ? p.slice(0, -sharedSuffix.length) : `${p}${sharedSuffix}`)).join(", ")})`,
      ),
    );
  }

  const sharingMismatch: string[] = [];
  for (const node of matched) {
    const advertised = Number(node.allocatable[resourceName] ?? 0);
    if (!(advertised > 0)) {
      findings.push(
        finding(
          "gpu-resource-missing",
          `node ${node.name}`,
          `carries ${name} by its labels but advertises no ${resourceName}`,
          "the scheduler cannot place a GPU pod there: every agent placed on it stays Pending",
          `check the NVIDIA device plugin's pod on ${node.name} (kubectl -n nvidia-device-plugin logs …), and whether time-slicing renamed the resource (then set the class's resourceName)`,
        ),
      );
    }
    const missing = [gfd.memory, gfd.count].filter((k) => node.labels[k] === undefined);
    if (missing.length) {
      findings.push(
        finding(
          "gfd-labels-missing",
          `node ${node.name}`,
          `has no ${missing.join(" or ")} label`,
          "without them the ledger cannot check the class's VRAM or count the GPUs; it assumes one GPU",
          "install or restart GPU Feature Discovery on the node",
        ),
      );
    }
    const replicasLabel = node.labels[gfd.replicas];
    if (replicasLabel !== undefined && Number(replicasLabel) !== sharing.replicas) {
      sharingMismatch.push(node.name);
      findings.push(
        finding(
          "sharing-mismatch",
          classRef(gpuClass),
          `sharing.replicas is ${sharing.replicas}, but ${node.name} shares each GPU into ${replicasLabel} (${gfd.replicas})`,
          "the ledger and the device plugin disagree on how many agents one card takes",
          `set sharing.replicas: ${replicasLabel}, or change the device plugin's time-slicing config`,
        ),
      );
    }
    const memoryLabel = Number(node.labels[gfd.memory]);
    if (Number.isFinite(memoryLabel) && memoryLabel > 0 && memoryLabel < vramMiB) {
      findings.push(
        finding(
          "memory-mismatch",
          classRef(gpuClass),
          `vramMiB is ${vramMiB}, but the card on ${node.name} reports ${memoryLabel} MiB (${gfd.memory})`,
          "the ledger would place more VRAM on the card than it has: agents fail to load their models",
          `set vramMiB: ${memoryLabel}`,
        ),
      );
    }
  }

  const runtimeClassFound =
    runtimeClassName === undefined || runtimeClasses === undefined ? undefined : runtimeClasses.has(runtimeClassName);
  if (runtimeClassFound === false) {
    findings.push(
      finding(
        "runtimeclass-missing",
        classRef(gpuClass),
        `its RuntimeClass ${runtimeClassName} does not exist`,
        "every GPU pod of this class is refused by the API server",
        `install the NVIDIA container toolkit on the GPU nodes and restart k3s (it creates RuntimeClass ${runtimeClassName}), or create it`,
      ),
    );
  }
  return { gpuClass: name, nodes: matched.map((n) => n.name), runtimeClassFound, sharingMismatch, findings };
}
