// A manager's HTTP endpoints: /metrics for Prometheus, /healthz (the process serves) and /readyz
// (its caches are synced), as kubelet probes and controller-runtime expect.
import { createServer, type Server } from "node:http";

/** Whatever serves the metrics: a Prometheus registry does. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface ProbeServerOptions {
  port: number;
  host?: string;
  registry: MetricsSource;
  ready: () => boolean;
}

export function startProbeServer(opts: ProbeServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      opts.registry.metrics().then(
        (body) => {
          res.writeHead(200, { "Content-Type": opts.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200).end("ok");
      return;
    }
    if (path === "/readyz") {
      const ready = opts.ready();
      res.writeHead(ready ? 200 : 503).end(ready ? "ok" : "caches not synced, or a watch keeps failing");
      return;
    }
    res.writeHead(404).end("not found");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve(server));
  });
}
