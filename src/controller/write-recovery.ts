// When the API server takes writes again after failing them. While etcd is away the API server keeps
// its watches open from its cache, so no cache sees the outage (manager.ts wakes everything when a
// cache does); only writes fail. Each failed reconcile then waits out a backoff that doubled with
// each failure: up to twice the outage after etcd is back. The first write that goes through again
// is the sign that the others may too.

/** No answer at all (0: the connection failed or timed out) or a 5xx: the server could not serve it. */
export const serverFailed = (code: number): boolean => code === 0 || code >= 500;

export class WriteRecovery {
  private failing = false;

  /**
   * Told of every request's method and answer; true once, for the first write the server answers
   * (a success or a refusal) after it failed one. Reads are left out: they are served from the API
   * server's cache while its storage is away.
   */
  answered(method: string, code: number): boolean {
    if (method === "GET") return false;
    if (serverFailed(code)) {
      this.failing = true;
      return false;
    }
    const recovered = this.failing;
    this.failing = false;
    return recovered;
  }
}
