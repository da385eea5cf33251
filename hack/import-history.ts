// Checks the importer against a legacy system's own history: every version of every startup config
// and compose file in a Git repository, imported alone, then every version of its other YAML and
// JSON files (which must be refused by what they are, or read for the agents they define, never
// crash it), and the files of 1 commit in N imported
// together. It says what the importer refused (with its message), what crashed it and which agents
// of its report got no manifest (defects, exit 1), and which addresses of the manifests no Service
// would answer (hack/lib/import-checks.ts).
//
//   npm run import:history -- GIT_DIR [--every N]
//
// GIT_DIR is a repository's .git directory, or a bare mirror (such as one fetched to read a
// project's files). Nothing is written; the files are read from Git, never checked out.
import { parseArgs } from "node:util";
import { defaultClasses, importLegacy } from "../src/legacy/import.ts";
import { InputError } from "../src/legacy/model.ts";
import { fileVersions, git, readBlobs } from "./lib/git-history.ts";
import { agentSpecs, agentsWithoutManifest, type Unreachable, unreachableAddresses } from "./lib/import-checks.ts";

/** The files a legacy fleet was started from: startup configs, service lists, compose files. */
const legacyFile = /(^|\/)(([^/]*(startup|compose|services)[^/]*)\.ya?ml|Procfile(\.[\w.-]+)?)$/i;

type Outcome =
  | { kind: "imported"; unreachable: Unreachable[]; unwritten: string[] }
  | { kind: "refused"; message: string }
  | { kind: "crashed"; stack: string };

function tryImport(files: { path: string; text: string }[]): Outcome {
  try {
    const result = importLegacy(files, {
      namespace: "agents",
      classes: defaultClasses,
      readBesideFile: () => undefined,
    });
    const specs = agentSpecs(result.files);
    return {
      kind: "imported",
      unreachable: unreachableAddresses(specs),
      unwritten: agentsWithoutManifest(
        result.report.agents.map((a) => a.name),
        specs,
      ),
    };
  } catch (err) {
    if (err instanceof InputError) return { kind: "refused", message: err.message };
    return { kind: "crashed", stack: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
}

/** The files an import's refusal names: each of its lines that begins with file:line:column. */
const refusedFiles = (message: string) => [...message.matchAll(/^\s*(.+?):\d+:\d+: /gm)].map((m) => m[1] as string);

/** Counts, and the first few of each kind, as a person reads a summary. */
function summary(label: string, outcomes: { where: string; outcome: Outcome }[]): string[] {
  const of = <K extends Outcome["kind"]>(kind: K) =>
    outcomes.flatMap((o) =>
      o.outcome.kind === kind ? [{ where: o.where, outcome: o.outcome as Extract<Outcome, { kind: K }> }] : [],
    );
  const imported = of("imported");
  const unreachable = imported.flatMap((o) => o.outcome.unreachable.map((u) => ({ where: o.where, ...u })));
  const unwritten = imported.flatMap((o) => o.outcome.unwritten.map((agent) => ({ where: o.where, agent })));
  // One line per reason: what a message names in parentheses (the objects, the services) set aside.
  const message = (o: { outcome: { message: string } }) => o.outcome.message.replace(/^[^:]*:\d+:\d+: /, "");
  const refusals = Map.groupBy(of("refused"), (o) => message(o).replace(/\([^()]*\)/g, "(…)"));
  return [
    `${label}: ${outcomes.length} imports, ${imported.length} imported, ${of("refused").length} refused, ${of("crashed").length} crashed`,
    ...of("crashed").map((c) => `  CRASHED ${c.where}\n    ${c.outcome.stack.split("\n").slice(0, 4).join("\n    ")}`),
    ...[...refusals.values()].map((list) => {
      const first = list[0] as (typeof list)[number];
      return `  refused ${list.length}× (first ${first.where}): ${message(first).slice(0, 160)}`;
    }),
    `  agents without a manifest (written over by another's): ${unwritten.length}`,
    ...unwritten.slice(0, 10).map((u) => `    ${u.where}: ${u.agent}`),
    `  addresses and dependencies nothing answers: ${unreachable.length}`,
    ...unreachable.slice(0, 10).map((u) => `    ${u.where}: ${u.agent} → ${u.address} (${u.why})`),
  ];
}

function main(): number {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { every: { type: "string", default: "8" } },
  });
  const dir = positionals[0];
  const every = Number(values.every);
  if (!dir || !Number.isInteger(every) || every < 1) {
    process.stderr.write("usage: npm run import:history -- GIT_DIR [--every N]\n");
    return 2;
  }

  // Every version of every legacy file, once: its blob, and the first path it was seen at.
  const versions = new Map<string, string>();
  for (const { path, blob } of fileVersions(dir, ["*.yml", "*.yaml", "*.json", "*Procfile", "*Procfile.*"])) {
    // Vendored packages' JSON (a committed node_modules) is not the system's.
    const vendored = /(^|\/)node_modules\//.test(path);
    if (!vendored && !versions.has(blob)) versions.set(blob, path);
  }
  const texts = readBlobs(dir, [...versions.keys()]);
  const configs = [...versions].filter(([, path]) => legacyFile.test(path));
  const alone = configs.map(([blob, path], i) => {
    if (i % 50 === 0) process.stderr.write(`importing file versions: ${i}/${configs.length}\n`);
    return {
      blob,
      where: `${path} (${blob.slice(0, 8)})`,
      outcome: tryImport([{ path, text: texts.get(blob) ?? "" }]),
    };
  });
  // The checkout's other YAML and JSON (workflows, Kubernetes objects, settings, tools' reports), as a
  // person globbing *.yaml or *.json would give it: each refused by what it is, or read for the agents it defines; never a crash.
  const others = [...versions]
    .filter(([, path]) => !legacyFile.test(path))
    .map(([blob, path]) => ({
      blob,
      where: `${path} (${blob.slice(0, 8)})`,
      outcome: tryImport([{ path, text: texts.get(blob) ?? "" }]),
    }));
  const configBlobs = new Set(configs.map(([blob]) => blob));

  // The files of 1 commit in N, together, as a person would import a checkout: all its configs, then
  // without those the import names as refused (as its error says: mend them or leave them out). A
  // file refused alone may be read together (networks alone, a file of includes).
  const commits = git(dir, ["rev-list", "--all"])
    .trim()
    .split("\n")
    .filter((_, i) => i % every === 0);
  const together = commits.flatMap((commit, i) => {
    if (i % 10 === 0) process.stderr.write(`importing commits: ${i}/${commits.length}\n`);
    const tree = git(dir, ["ls-tree", "-r", commit])
      .split("\n")
      .flatMap((line) => {
        const [meta, path] = line.split("\t");
        const blob = meta?.split(" ")[2];
        return path && blob && configBlobs.has(blob) ? [{ path, blob }] : [];
      });
    const all = tree.map((f) => ({ path: f.path, text: texts.get(f.blob) ?? "" }));
    const first = tryImport(all);
    const refused = new Set(first.kind === "refused" ? refusedFiles(first.message) : []);
    const files = all.filter((f) => !refused.has(f.path));
    if (files.length < 2) return [];
    const outcome = refused.size ? tryImport(files) : first;
    return [{ where: `${commit.slice(0, 8)} (${files.length} files)`, outcome }];
  });

  const sampled = every === 1 ? "each commit's files, together" : `the files of 1 commit in ${every}, together`;
  const lines = [
    ...summary("each file version alone", alone),
    ...summary("each version of the other YAML and JSON files alone", others),
    ...summary(sampled, together),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  // A crash, or an agent lost without a word: defects of the importer.
  const defect = (o: Outcome) => o.kind === "crashed" || (o.kind === "imported" && o.unwritten.length > 0);
  return [...alone, ...others, ...together].some((o) => defect(o.outcome)) ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`import:history: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
