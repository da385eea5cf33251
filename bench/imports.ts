// npm run bench:imports
// What each module the operator loads costs before it does any work: resident memory and time to
// import, each in a fresh Node process (the same flags as the operator's). Prints a table; the
// operator's own composition root comes last, with and without client-node's KubeConfig loaded.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { operatorNodeFlags } from "../src/cli/node-flags.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");

/** RSS (MiB) and import time (ms) of importing `specifiers` in a fresh process, after a full collection. */
async function cost(specifiers: string[]): Promise<{ rssMiB: number; ms: number }> {
  const script = `
    const t = performance.now();
    for (const s of ${JSON.stringify(specifiers)}) await import(s);
    const ms = performance.now() - t;
    globalThis.gc();
    console.log(JSON.stringify({ rssMiB: process.memoryUsage().rss / 2 ** 20, ms }));`;
  const { stdout } = await run(
    process.execPath,
    [...operatorNodeFlags, "--expose-gc", "--input-type=module", "-e", script],
    { cwd: root },
  );
  return JSON.parse(stdout) as { rssMiB: number; ms: number };
}

const rows: [string, string[]][] = [
  ["node alone", []],
  ["undici", ["undici"]],
  ["pino", ["pino"]],
  ["prom-client", ["prom-client"]],
  ["zod", ["zod"]],
  ["yaml", ["yaml"]],
  ["@kubernetes/client-node", ["@kubernetes/client-node"]],
  ["the operator (src/operator.ts)", [path.join(root, "src/operator.ts")]],
  ["the operator with client-node's KubeConfig", [path.join(root, "src/operator.ts"), "@kubernetes/client-node"]],
];

console.log(`${"module".padEnd(44)}${"RSS MiB".padStart(9)}${"import ms".padStart(11)}`);
for (const [label, specifiers] of rows) {
  // The median of three: a shared machine's noise.
  const runs = [await cost(specifiers), await cost(specifiers), await cost(specifiers)].sort((a, b) => a.ms - b.ms);
  const mid = runs[1] as { rssMiB: number; ms: number };
  console.log(`${label.padEnd(44)}${mid.rssMiB.toFixed(0).padStart(9)}${mid.ms.toFixed(0).padStart(11)}`);
}
