// What names a secret, and where an imported one is kept. The variables, .env and manifest steps
// read it to leave such a value out of what they write, and the findings to report it: it lives
// below both, so that neither depends on the other.
import { posix } from "node:path";
import { secretFileNamePattern } from "../api/agentdeployment.ts";
import type { SecretFile } from "./model.ts";

/** Names of values that are secrets: a password, secret, token, API key, private key or credential. */
export const secretKey = /(pass(word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|credential|auth[_-]?key)$/i;

/** The Secret every imported secret is taken from: one, which `kubectl create secret` makes. */
export const legacySecretName = "legacy-secrets";

/** An agent's key in that Secret: its name and the legacy one (stt-service.OPENAI_API_KEY). */
export const legacySecretKey = (agentName: string, key: string) =>
  `${agentName}.${key}`.replace(/[^-._a-zA-Z0-9]/g, "_");

/** Where compose puts the secrets a service reads: a directory of secrets alone. */
export const composeSecretsDirectory = "/run/secrets";

/**
 * Where a compose secret read as a file can be mounted from a Secret: its path, the directory it is
 * in and its name there. Undefined for a name no Secret volume can give one by (other characters
 * than letters, digits, '-', '_' and '.').
 */
function secretFileMount(target: string): { path: string; directory: string; file: string } | undefined {
  const path = posix.normalize(target);
  const file = posix.basename(path);
  return path.startsWith("/") && secretFileNamePattern.test(file)
    ? { path, directory: posix.dirname(path), file }
    : undefined;
}

/** A compose secret an agent's manifest mounts: the file, its key in legacy-secrets, and where. */
export interface MountedSecretFile {
  secret: SecretFile;
  key: string;
  path: string;
  directory: string;
  file: string;
}

/**
 * An agent's compose secrets read as files: those mounted from legacy-secrets (with their keys) and
 * those no Secret volume can give. The manifest, the report's SECRETS TO CREATE and the secret
 * finding all read this one answer.
 */
export function secretFileMounts(
  agentName: string,
  secrets: readonly SecretFile[],
): { mounted: MountedSecretFile[]; unmounted: SecretFile[] } {
  const mounted: MountedSecretFile[] = [];
  const unmounted: SecretFile[] = [];
  for (const secret of secrets) {
    const at = secretFileMount(secret.target);
    if (at) mounted.push({ secret, key: legacySecretKey(agentName, secret.name), ...at });
    else unmounted.push(secret);
  }
  return { mounted, unmounted };
}
