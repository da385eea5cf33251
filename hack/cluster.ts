// npm run cluster:up | cluster:down | cluster:status | cluster:node -- down|up NODE
import { down, isUp, kubeconfigPath, kubectl, setNodePower, tolerationSeconds, up } from "./lib/cluster.ts";
import { binDir } from "./lib/paths.ts";
import { CommandError } from "./lib/run.ts";

const usage = `usage:
  npm run cluster:up                  start the local two-GPU cluster (builds its binaries on first use)
  npm run cluster:down                stop it and remove its state
  npm run cluster:status              show its nodes, GPUs and pods
  npm run cluster:node -- down NODE   switch a simulated PC off (its Ready condition turns False)
  npm run cluster:node -- up NODE     switch it back on`;

interface NodeList {
  items: {
    metadata: { name: string; labels?: Record<string, string> };
    spec: { taints?: { key: string; effect: string }[]; unschedulable?: boolean };
    status: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
  }[];
}

async function status(): Promise<void> {
  if (!(await isUp())) {
    console.log("The cluster is down. Start it with: npm run cluster:up");
    process.exitCode = 1;
    return;
  }
  const nodes = JSON.parse(await kubectl(["get", "nodes", "-o", "json"])) as NodeList;
  const pods = JSON.parse(await kubectl(["get", "pods", "-A", "-o", "json"])) as {
    items: { spec: { nodeName?: string } }[];
  };
  const rows = nodes.items.map((n) => {
    const labels = n.metadata.labels ?? {};
    const ready = n.status.conditions?.find((c) => c.type === "Ready")?.status === "True" ? "Ready" : "NotReady";
    return [
      n.metadata.name,
      ready + (n.spec.unschedulable ? ",SchedulingDisabled" : ""),
      labels["nvidia.com/gpu.product"] ?? "-",
      labels["nvidia.com/gpu.memory"] ?? "-",
      n.status.allocatable?.["nvidia.com/gpu"] ?? "0",
      String(pods.items.filter((p) => p.spec.nodeName === n.metadata.name).length),
      (n.spec.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(",") || "-",
    ];
  });
  printTable(["NODE", "STATUS", "GPU PRODUCT", "VRAM MiB", "nvidia.com/gpu", "PODS", "TAINTS"], rows);
  console.log(
    `\nUse it with:\n  export KUBECONFIG=${kubeconfigPath}\n  export PATH=${binDir}:$PATH\n  kubectl get nodes`,
  );
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "up":
      await up();
      await status();
      return;
    case "down":
      await down();
      return;
    case "status":
      await status();
      return;
    case "node": {
      const [power, name] = rest;
      if ((power !== "down" && power !== "up") || !name)
        throw new UsageError("cluster:node needs down|up and a node name");
      if (!(await isUp())) throw new UsageError("the cluster is down; start it with: npm run cluster:up");
      await setNodePower(name, power);
      console.log(
        power === "down"
          ? `${name} is NotReady. The node lifecycle controller taints it now and evicts its pods after ${tolerationSeconds} s.`
          : `${name} is Ready again.`,
      );
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "a command is needed");
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) console.error(`error: ${err.message}\n\n${usage}`);
  else if (err instanceof CommandError || err instanceof Error) console.error(`error: ${err.message}`);
  else console.error("error:", err);
  process.exitCode = 1;
});
