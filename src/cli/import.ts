// `agentfleet import [MACHINE=]FILE... [--out DIR] [--json] [--namespace NS] [--class MACHINE=GPUCLASS]... [--strict] [--keep-addresses] [--profile NAME]... [--dotenv FILE]...`
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { isTaggedImage } from "../legacy/dockerfile.ts";
import { sharedClaimsFile } from "../legacy/emit.ts";
import { defaultClasses, importLegacy } from "../legacy/import.ts";
import { InputError, type LegacyFile } from "../legacy/model.ts";
import { jobFileSuffix } from "../legacy/one-shot-jobs.ts";
import { textReport } from "../legacy/report.ts";
import { decodeText } from "../lib/text-decoding.ts";
import { counted } from "../lib/words.ts";
import { readTextFile, UnreadableFileError } from "./read-text-file.ts";
import { OutputError, writeDirectoryAtomically } from "./write-atomically.ts";

export const importUsage = `agentfleet import [MACHINE=]FILE... [flags]
  Turns legacy startup_config.yaml and docker-compose files into AgentDeployment manifests (with the claims
  and the Jobs they need) and a report.
  MACHINE is mainpc, pc2, or a machine named by --class; without it, the machine is inferred.
    --out DIR                  where to write the manifests (default: agentfleet-import)
    --json                     print a machine-readable report instead of the text one
    --namespace NS             the namespace of the manifests (default: agents)
    --class MACHINE=GPUCLASS   the GPU class of a machine's agents (default: mainpc=rtx-4090, pc2=rtx-3060)
    --strict                   write nothing when there are blockers
    --no-fallback              do not give GPU agents the other machines' classes as fallbacks
    --keep-addresses           leave localhost and LAN addresses as they are (reported) instead of
                               rewriting them to the Service names of what they reach
    --image REPO:TAG           the monorepo's image for agents that name none (GPU agents: REPO:TAG-cuda);
                               writes a Dockerfile for it beside the manifests
    --profile NAME             also import compose services of this profile, as docker compose --profile
                               (and those of COMPOSE_PROFILES, as compose reads it; without either, a
                               service with profiles: is set aside, as compose left it)
    --dotenv FILE              fill the compose files' \${VAR}s from FILE instead of the .env beside each,
                               as docker compose --env-file does (repeatable: a later file's value wins)
  Exit status: 0 written; 1 blockers found (written unless --strict); 2 unusable input.`;

const marker = "agentfleet import";

export class ImportUsageError extends Error {}

export async function runImport(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string", default: "agentfleet-import" },
      json: { type: "boolean", default: false },
      namespace: { type: "string", default: "agents" },
      class: { type: "string", multiple: true, default: [] },
      strict: { type: "boolean", default: false },
      "no-fallback": { type: "boolean", default: false },
      "keep-addresses": { type: "boolean", default: false },
      image: { type: "string" },
      profile: { type: "string", multiple: true, default: [] },
      // compose's --env-file, under another name: Node takes --env-file for itself wherever it is on
      // its command line, even after the script (nodejs/node#54232), and exits when the file is absent.
      dotenv: { type: "string", multiple: true, default: [] },
    },
  });
  if (positionals.length === 0) throw new ImportUsageError("name at least one legacy file");
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(values.namespace)) {
    throw new ImportUsageError(
      `--namespace ${values.namespace} is not a valid namespace name (lowercase letters, digits and '-')`,
    );
  }
  if (values.image !== undefined && !isTaggedImage(values.image)) {
    throw new ImportUsageError(
      `--image takes REPO:TAG (such as registry.lan/cascade/agents:1.0), not "${values.image}"`,
    );
  }
  const classes = new Map(defaultClasses);
  for (const c of values.class) {
    const [machine, gpuClass] = c.split("=");
    if (!machine || !gpuClass || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(gpuClass)) {
      throw new ImportUsageError(`--class takes MACHINE=GPUCLASS with a GPUClass name such as rtx-3060, not "${c}"`);
    }
    classes.set(machine, gpuClass);
  }

  const read = (file: string) =>
    readTextFile(file).catch((err: unknown) => {
      throw err instanceof UnreadableFileError ? new InputError(err.message) : err;
    });
  const files: LegacyFile[] = [];
  for (const arg of positionals) {
    const eq = arg.indexOf("=");
    const [machine, file] =
      eq > 0 && !arg.slice(0, eq).includes("/") ? [arg.slice(0, eq), arg.slice(eq + 1)] : [undefined, arg];
    files.push({ path: file, text: await read(file), ...(machine ? { machine } : {}) });
  }
  const envFiles = [];
  for (const file of values.dotenv) envFiles.push({ path: file, text: await read(file) });

  const { report, files: manifests } = importLegacy(files, {
    namespace: values.namespace,
    classes,
    fallback: !values["no-fallback"],
    keepAddresses: values["keep-addresses"],
    ...(values.image ? { image: values.image } : {}),
    // As compose: COMPOSE_PROFILES=debug,ops is --profile debug --profile ops.
    profiles: [
      ...values.profile,
      ...(env.COMPOSE_PROFILES ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    ],
    readBesideFile,
    ...(envFiles.length ? { envFiles } : {}),
  });
  const blockers = report.findings.filter((f) => f.severity === "blocker").length;
  const write = !(values.strict && blockers > 0);
  if (write) await writeDirectoryAtomically(values.out, manifests, marker);
  const jobs = [...manifests.keys()].filter((f) => f.endsWith(jobFileSuffix)).length;
  const outcome = write
    ? `Wrote ${report.agents.length} AgentDeployments, namespace.yaml${manifests.has(sharedClaimsFile) ? `, the claims agents share (${sharedClaimsFile})` : ""}${jobs ? `, ${counted(jobs, "Job")} for what runs once` : ""}${manifests.has("Dockerfile") ? ", a Dockerfile" : ""} and kustomization.yaml to ${values.out}/.${
        blockers ? ` Fix the ${counted(blockers, "blocker")} first, then` : " Next:"
      } kubectl apply -k ${values.out}`
    : `Wrote nothing: --strict and ${counted(blockers, "blocker")}.`;
  out(values.json ? `${JSON.stringify(report, null, 2)}\n` : textReport(report, outcome));
  return blockers > 0 ? 1 : 0;
}

/** A file a compose file names (env_file, .env, extends: file), beside it as compose finds it; undefined when it cannot be read. */
function readBesideFile(composeFile: string, named: string): string | undefined {
  try {
    // A binary is a file compose could not read either.
    return decodeText(readFileSync(path.resolve(path.dirname(composeFile), named)));
  } catch {
    return undefined;
  }
}

export { OutputError };
