// YAML with positions. The yaml library keeps every node's offsets; this turns a document into a
// small tree whose every map key knows its file, line and column, resolves aliases and merge keys
// (<<) as docker compose does, and reports keys given twice instead of silently keeping one.
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { type Finding, InputError, type Location } from "./model.ts";

/** compose's merge tags (2.24+): `!reset` drops what earlier files gave a key, `!override` replaces it. */
export type ComposeTag = "reset" | "override";

export type YNode = (
  | { kind: "map"; entries: YEntry[]; loc: Location }
  | { kind: "seq"; items: YNode[]; loc: Location }
  | { kind: "scalar"; value: unknown; loc: Location }
) & { composeTag?: ComposeTag };

export interface YEntry {
  key: string;
  keyLoc: Location;
  value: YNode;
}

export interface ParsedFile {
  file: string;
  root: YNode | undefined;
  /** Keys given twice in one map: the values are merged, later keys winning, and each is a finding. */
  duplicateKeys: Finding[];
  lines: string[];
  /**
   * The documents after the first (`---`), as trees: a startup config or compose file is one
   * document, so more say the file is something else (Kubernetes objects, most often).
   */
  laterDocuments: YNode[];
}

export function parseYaml(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  // A stream of only comments is no document; a `---` with nothing after it, a document of null.
  const empty = (d: Document) => d.contents === null || (isScalar(d.contents) && d.contents.value === null);
  const docs = (Array.isArray(parsed) ? parsed : []).filter((d) => d.errors.length > 0 || !empty(d));
  const loc = (offset: number | undefined): Location => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  const error = docs.flatMap((d) => d.errors)[0];
  if (error) {
    const message = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? "invalid YAML";
    // The YAML reader follows nesting by recursion, and says so in the runtime's words.
    const said = /Maximum call stack size exceeded/.test(message)
      ? "it nests lists or maps deeper than the YAML reader can follow (some hundreds of levels), which no config does"
      : message;
    throw new InputError(`invalid YAML: ${said}`, loc(error.pos[0]));
  }
  const duplicateKeys: Finding[] = [];
  // Aliases are copied where they are used, as compose reads them; nested ones multiply (a "billion
  // laughs" of nine aliases nine deep is 387 million values from 700 bytes). Without aliases a file
  // holds fewer values than characters, so more than that, or than a large compose file's, is refused.
  const limit = Math.max(maxValuesWithoutAliases, text.length);
  const budget: AliasBudget = { limit, left: limit };
  const [root, ...laterDocuments] = docs.map((doc) =>
    doc.contents ? convert(doc, doc.contents as Node, loc, duplicateKeys, new Set(), budget) : nullNode(loc(undefined)),
  );
  return { file, root, duplicateKeys, lines: text.split(/\r?\n/), laterDocuments };
}

/** Values a file may expand to through its aliases however short it is: far more than any real config. */
const maxValuesWithoutAliases = 200_000;

/** How many more values the file may expand to, and the alias being copied, if one is. */
interface AliasBudget {
  limit: number;
  left: number;
  expanding?: { name: string; at: Location };
}

function convert(
  doc: Document,
  node: Node,
  loc: (offset: number | undefined) => Location,
  duplicates: Finding[],
  resolving: Set<Node>,
  budget: AliasBudget,
): YNode {
  if (--budget.left < 0) {
    const where = budget.expanding ? `the alias *${budget.expanding.name} here and those in it` : "its aliases";
    throw new InputError(
      `${where} expand the file past ${budget.limit.toLocaleString("en-US")} values, more than any config holds: an alias bomb, or aliases nested in each other too deep. Write the repeated parts out, or nest fewer aliases`,
      budget.expanding?.at ?? loc(node.range?.[0]),
    );
  }
  if (isAlias(node)) {
    const target = node.resolve(doc) as Node | undefined;
    if (!target || resolving.has(target)) return { kind: "scalar", value: null, loc: loc(node.range?.[0]) };
    // The outermost alias being copied is where a person looks when the copies run away.
    const outermost = budget.expanding === undefined;
    if (outermost) budget.expanding = { name: node.source, at: loc(node.range?.[0]) };
    resolving.add(target);
    const resolved = convert(doc, target, loc, duplicates, resolving, budget);
    resolving.delete(target);
    if (outermost) budget.expanding = undefined;
    return resolved;
  }
  const tagged = /^!(reset|override)$/.exec(node.tag ?? "")?.[1] as ComposeTag | undefined;
  const tag = tagged ? { composeTag: tagged } : {};
  if (isMap(node)) {
    const entries: YEntry[] = [];
    const merged: YEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyValue = isScalar(keyNode) ? keyNode.value : keyNode;
      const value = pair.value
        ? convert(doc, pair.value as Node, loc, duplicates, resolving, budget)
        : nullNode(loc(keyNode?.range?.[0]));
      if (keyValue === "<<" || typeof keyValue === "symbol") {
        // Merge keys: the merged maps' entries apply unless the map sets them itself.
        const sources = value.kind === "seq" ? value.items : [value];
        for (const s of sources) if (s.kind === "map") merged.push(...s.entries);
        continue;
      }
      const key = String(keyValue ?? "");
      const keyLoc = loc(keyNode?.range?.[0]);
      const earlier = entries.findIndex((e) => e.key === key);
      if (earlier >= 0) {
        const first = entries[earlier] as YEntry;
        duplicates.push({
          kind: "duplicate-key",
          severity: "warning",
          agents: [],
          message: `key "${key}" is given twice (first at line ${first.keyLoc.line}); most YAML parsers keep only the last one silently. Both were read${
            first.value.kind === "map" && value.kind === "map" ? ", their entries merged" : "; the last wins"
          }`,
          source: `${keyLoc.file}:${keyLoc.line}`,
        });
        entries[earlier] = {
          key,
          keyLoc: first.keyLoc,
          value:
            first.value.kind === "map" && value.kind === "map"
              ? {
                  ...value,
                  entries: [
                    ...first.value.entries.filter((e) => !value.entries.some((n) => n.key === e.key)),
                    ...value.entries,
                  ],
                }
              : value,
        };
        continue;
      }
      entries.push({ key, keyLoc, value });
    }
    for (const m of merged) if (!entries.some((e) => e.key === m.key)) entries.push(m);
    return { kind: "map", entries, loc: loc(node.range?.[0]), ...tag };
  }
  if (isSeq(node)) {
    return {
      kind: "seq",
      items: node.items.map((i) => convert(doc, i as Node, loc, duplicates, resolving, budget)),
      loc: loc(node.range?.[0]),
      ...tag,
    };
  }
  // `!reset null` leaves the key nothing; an unknown tag would otherwise keep the text "null".
  if (isScalar(node))
    return { kind: "scalar", value: tagged === "reset" ? null : node.value, loc: loc(node.range?.[0]), ...tag };
  return nullNode(loc(undefined));
}

const nullNode = (l: Location): YNode => ({ kind: "scalar", value: null, loc: l });

export function entry(node: YNode | undefined, key: string): YEntry | undefined {
  return node?.kind === "map" ? node.entries.find((e) => e.key === key) : undefined;
}

export function child(node: YNode | undefined, key: string): YNode | undefined {
  return entry(node, key)?.value;
}

export function scalar(node: YNode | undefined): string | undefined {
  if (node?.kind !== "scalar" || node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}

/** The plain JavaScript value of a node. */
export function toJS(node: YNode | undefined): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "seq":
      return node.items.map(toJS);
    case "map":
      return Object.fromEntries(node.entries.map((e) => [e.key, toJS(e.value)]));
  }
}

/** Every scalar under a node, with its dotted path and location; none under a node `skip` passes over. */
export function scalarsOf(
  node: YNode | undefined,
  path = "",
  skip: (node: YNode) => boolean = () => false,
): { path: string; value: string; loc: Location }[] {
  if (!node || skip(node)) return [];
  switch (node.kind) {
    case "scalar":
      return node.value === null || node.value === undefined
        ? []
        : [{ path, value: String(node.value), loc: node.loc }];
    case "seq":
      return node.items.flatMap((item, i) => scalarsOf(item, `${path}[${i}]`, skip));
    case "map":
      return node.entries.flatMap((e) => scalarsOf(e.value, path ? `${path}.${e.key}` : e.key, skip));
  }
}
