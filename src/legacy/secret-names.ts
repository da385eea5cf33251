// What names a secret. The variables, .env and manifest steps read it to leave such a value out of
// what they write, and the findings to report it: it lives below both, so that neither depends on
// the other.

/** Names of values that are secrets: a password, secret, token, API key, private key or credential. */
export const secretKey = /(pass(word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|credential|auth[_-]?key)$/i;
