// compose's extends: a service takes another's definition, from its own file or another one, and
// adds its own over it. compose-go merges the two as it merges an override file over a base
// (its ExtendService is its MergeYaml), so the import does the same with withOverride; the service
// keeps its own name, place and image. A base in another file is not part of the project: only what
// it lends is imported. A base that cannot be found is a warning, the service imported as written.
import { posix } from "node:path";
import { isCompose, outOfProfile, readCompose } from "./compose.ts";
import { withOverride } from "./compose-override.ts";
import { fillFromDotEnv } from "./dotenv.ts";
import {
  agentFinding,
  type BesideFileReader,
  type EnvVar,
  type Finding,
  InputError,
  type LegacyAgent,
} from "./model.ts";
import { parseYaml } from "./yaml-source.ts";

/** The services of another compose file (`extends: {file}`), or why they cannot be read. */
export type ExtendedFileLoader = (fromFile: string, file: string) => LegacyAgent[] | { unreadable: string };

/** The base's definition with the service's own merged over it, under the service's name. */
function extendService(base: LegacyAgent, own: LegacyAgent, enabled: ReadonlySet<string>): LegacyAgent {
  const { extendsService: ref, ...self } = own;
  // The base's container_name is its own container's: compose refuses two containers of one name.
  const { containerName: _baseContainer, ...lent } = base;
  const merged = withOverride(lent, self);
  const image = self.image ?? base.image;
  const buildDirectory = self.buildDirectory ?? base.buildDirectory;
  const infrastructure = self.image ? self.infrastructure : base.infrastructure;
  // compose adds the base's profiles to the service's, and starts it when one of them is asked for.
  const names = [...new Set([...(base.composeProfiles?.names ?? []), ...(self.composeProfiles?.names ?? [])])];
  const source = self.composeProfiles?.source ?? base.composeProfiles?.source;
  const composeProfiles = source && names.length ? { names, source } : undefined;
  const disabled = outOfProfile(self.legacyName, composeProfiles, enabled);
  const hostnames = (merged.hostnames ?? []).filter((h) => h !== base.containerName);
  const {
    image: _image,
    buildDirectory: _build,
    infrastructure: _infrastructure,
    disabled: _disabled,
    composeProfiles: _profiles,
    overrideOnly: _overrideOnly,
    hostnames: _hostnames,
    ...rest
  } = merged;
  return {
    ...rest,
    legacyName: self.legacyName,
    machine: self.machine,
    from: self.from,
    source: self.source,
    ...(image ? { image } : {}),
    ...(buildDirectory ? { buildDirectory } : {}),
    ...(infrastructure ? { infrastructure } : {}),
    ...(disabled ? { disabled } : {}),
    ...(composeProfiles ? { composeProfiles } : {}),
    ...(hostnames.length ? { hostnames } : {}),
    ...(!ref?.ownImageOrBuild && base.overrideOnly ? { overrideOnly: true as const } : {}),
  };
}

const missingBase = (own: LegacyAgent, why: string): Finding =>
  agentFinding(own, {
    kind: "compose-extends",
    severity: "warning",
    message: `${own.legacyName} extends ${why}: it is imported with its own settings alone, without the image, environment, ports or volumes it would take from there. Import the file that defines that service with it`,
    source: own.extendsService?.source ?? own.source,
  });

/**
 * A compose file's services with each extends: resolved, bases first (a chain, across files too);
 * `load` gives another file's services. A loop of extends is compose's error: the services in it are
 * taken as written, with a warning.
 */
export function resolveExtends(
  services: readonly LegacyAgent[],
  load: ExtendedFileLoader,
  enabled: ReadonlySet<string>,
): { services: LegacyAgent[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const resolve = (own: LegacyAgent, among: readonly LegacyAgent[], visiting: readonly string[]): LegacyAgent => {
    const ref = own.extendsService;
    if (!ref) return own;
    const { extendsService: _ref, ...written } = own;
    const here = `${own.source.file}#${own.legacyName}`;
    if (visiting.includes(here)) {
      findings.push(missingBase(own, `${ref.service} in a loop of extends (${[...visiting, here].join(" → ")})`));
      return written;
    }
    const fromFile = ref.file ? posix.normalize(posix.join(posix.dirname(own.source.file), ref.file)) : undefined;
    const loaded = ref.file ? load(own.source.file, ref.file) : among;
    if ("unreadable" in loaded) {
      findings.push(missingBase(own, `${ref.service} of ${fromFile}, which ${loaded.unreadable}`));
      return written;
    }
    const base = loaded.find((s) => s.legacyName === ref.service);
    if (!base) {
      findings.push(
        missingBase(own, `${ref.service}, which ${fromFile ?? "its own file"} does not define (compose refuses it)`),
      );
      return written;
    }
    return extendService(resolve(base, loaded, [...visiting, here]), own, enabled);
  };
  return { services: services.map((s) => resolve(s, services, [])), findings };
}

/**
 * Another compose file's services, as `extends: {file}` reads them: a file given to the import (its
 * text as given), else one read beside the service's file; each file read once.
 */
export function extendedFileLoader(
  given: readonly { path: string; text: string }[],
  read: BesideFileReader | undefined,
  profiles: ReadonlySet<string>,
  machine: string,
  /** The project's variables (the extending file's .env): compose fills the extended file's ${VAR}s with them. */
  variables: readonly EnvVar[] = [],
): ExtendedFileLoader {
  const cache = new Map<string, ReturnType<ExtendedFileLoader>>();
  return (fromFile, file) => {
    const path = posix.normalize(posix.join(posix.dirname(fromFile), file));
    const known = cache.get(path);
    if (known) return known;
    const text = given.find((f) => posix.normalize(f.path) === path)?.text ?? read?.(fromFile, file);
    const loaded =
      text === undefined ? { unreadable: "is not among the files given and could not be read" } : parse(path, text);
    cache.set(path, loaded);
    return loaded;
  };
  function parse(path: string, text: string): ReturnType<ExtendedFileLoader> {
    try {
      const parsed = parseYaml(path, text).root;
      if (!parsed || !isCompose(parsed)) return { unreadable: "is no compose file (it has no services: of compose's)" };
      const root = variables.length ? fillFromDotEnv(parsed, variables).root : parsed;
      return readCompose(root, profiles).map((s) => ({ ...s, machine }));
    } catch (err) {
      if (err instanceof InputError) return { unreadable: `cannot be read (${err.message})` };
      throw err;
    }
  }
}
