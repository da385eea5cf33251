// What names a secret, and where an imported one is kept. The variables, .env and manifest steps
// read it to leave such a value out of what they write, and the findings to report it: it lives
// below both, so that neither depends on the other.
import { posix } from "node:path";
import { secretFileNamePattern } from "../api/agentdeployment.ts";

/** Names of values that are secrets: a password, secret, token, API key, private key or credential. */
export const secretKey = /(pass(word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|credential|auth[_-]?key)$/i;

/** The Secret every imported secret is taken from: one, which `kubectl create secret` makes. */
export const legacySecretName = "legacy-secrets";

/** An agent's key in that Secret: its name and the legacy one (stt-service.OPENAI_API_KEY). */
export const legacySecretKey = (agentName: string, key: string) =>
  `${agentName}.${key}`.replace(/[^-._a-zA-Z0-9]/g, "_");

/**
 * Where a compose secret read as a file can be mounted from a Secret: the directory (the volume's
 * mountPath) and the file's name in it. Undefined for a path no Secret volume can give: a name
 * with other characters than letters, digits, '-', '_' and '.', or a file right under /.
 */
export function secretFileMount(target: string): { directory: string; file: string } | undefined {
  const path = posix.normalize(target);
  const directory = posix.dirname(path);
  const file = posix.basename(path);
  return directory !== "/" && path.startsWith("/") && secretFileNamePattern.test(file)
    ? { directory, file }
    : undefined;
}
