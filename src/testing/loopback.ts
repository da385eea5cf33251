// A connection to a test server on loopback, for tests of the machinery against a server that
// misbehaves on purpose (never an API server's stand-in for the operator's behaviour).
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { SettingsConnection } from "../controller/connection.ts";
import { KubeClient } from "../controller/rest.ts";

/** A server on loopback that answers with `handler`, and a client of it; close() ends both. */
export async function loopbackServer(
  handler: RequestListener,
): Promise<{ client: KubeClient; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new KubeClient(
    new SettingsConnection({
      server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      insecureSkipTlsVerify: false,
    }),
  );
  return {
    client,
    async close() {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
