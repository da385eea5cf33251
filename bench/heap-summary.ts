// npm run bench:heap -- FILE.heapsnapshot [--top N]
// What fills an operator's heap, from a snapshot (`npm run bench -- --heap-snapshot` writes one):
// self size and count by kind and constructor, and the most repeated strings, whose text says which
// code made them. Enough to tell the caches from everything else without opening DevTools.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write("usage: npm run bench:heap -- FILE.heapsnapshot [--top N]\n");
  process.exit(2);
}
const top = Number(values.top);

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}
const heap = JSON.parse(await readFile(file, "utf8")) as Snapshot;
const fields = heap.snapshot.meta.node_fields;
const stride = fields.length;
const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
  number,
  number,
  number,
];
const typeNames = heap.snapshot.meta.node_types[0];

const byName = new Map<string, { count: number; bytes: number }>();
const strings = new Map<string, { count: number; bytes: number }>();
let total = 0;
for (let i = 0; i < heap.nodes.length; i += stride) {
  const type = typeNames[heap.nodes[i + typeAt] as number] ?? "?";
  const name = heap.strings[heap.nodes[i + nameAt] as number] ?? "";
  const bytes = heap.nodes[i + sizeAt] as number;
  total += bytes;
  const key = type === "object" || type === "closure" ? `${type} ${name}` : type;
  const entry = byName.get(key) ?? { count: 0, bytes: 0 };
  entry.count++;
  entry.bytes += bytes;
  byName.set(key, entry);
  if (type === "string" || type === "concatenated string" || type === "sliced string") {
    const text = name.length > 60 ? `${name.slice(0, 60)}…` : name;
    const s = strings.get(text) ?? { count: 0, bytes: 0 };
    s.count++;
    s.bytes += bytes;
    strings.set(text, s);
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(7);
const table = (rows: [string, { count: number; bytes: number }][]) =>
  rows
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(([k, v]) => `${mib(v.bytes)} MiB ${String(v.count).padStart(9)}  ${k}`)
    .join("\n");
console.log(`${file}: ${mib(total)} MiB in ${heap.nodes.length / stride} objects\n`);
console.log(`by kind and constructor (self size):\n${table([...byName])}\n`);
console.log(`strings by text (self size):\n${table([...strings])}`);
