// The REST client against a server that answers late or not at all, on loopback: a stuck request
// must end (so a worker is never blocked for ever), and an error keeps its status and words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopbackServer } from "../testing/loopback.ts";
import { ApiError, isNamespaceTerminating, type KubeClient } from "./rest.ts";

let close: () => Promise<void>;
let client: KubeClient;
const held: (() => void)[] = [];
/** The Accept-Encoding of every request the server saw, watches too. */
const encodingsAsked = new Set<string | undefined>();

/** Two 403s as kube-apiserver words them: a namespace being deleted, and RBAC. */
const forbiddenAnswers: Record<string, unknown> = {
  "/terminating": {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'configmaps "x" is forbidden: unable to create new content in namespace stuck because it is being terminated',
    reason: "Forbidden",
    details: {
      name: "x",
      kind: "configmaps",
      causes: [
        { reason: "NamespaceTerminating", message: "namespace stuck is being terminated", field: "metadata.namespace" },
      ],
    },
    code: 403,
  },
  "/rbac": {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message:
      'configmaps is forbidden: User "system:serviceaccount:x:y" cannot create resource "configmaps" in API group "" in the namespace "stuck"',
    reason: "Forbidden",
    details: { kind: "configmaps" },
    code: 403,
  },
};

beforeAll(async () => {
  ({ client, close } = await loopbackServer((req, res) => {
    encodingsAsked.add(req.headers["accept-encoding"]);
    if (req.url?.startsWith("/hang")) {
      held.push(() => res.end("{}"));
      return; // holds the request open
    }
    const forbidden = forbiddenAnswers[req.url ?? ""];
    if (forbidden) {
      res.writeHead(403, { "Content-Type": "application/json" }).end(JSON.stringify(forbidden));
      return;
    }
    if (req.url?.startsWith("/plain404")) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"kind":"Status","status":"Success"}');
  }));
});

afterAll(async () => {
  for (const release of held) release();
  await close();
});

describe("KubeClient", () => {
  it("gives up on a request the server holds open, after its timeout", async () => {
    // Were it not to end, the test's own timeout would fail it: no clock is read here.
    const outcome = await client.request("GET", "/hang", { timeoutMs: 300 }).then(
      () => "answered",
      (err: Error) => err.name,
    );
    expect(outcome).toMatch(/TimeoutError|AbortError/);
  });

  it("keeps the status and words of an error whose body is not JSON", async () => {
    const err = await client.request("GET", "/plain404").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, message: "404 page not found" });
  });

  it("tells a namespace being deleted from any other refusal", async () => {
    const terminating = await client.request("POST", "/terminating", { body: {} }).catch((e: unknown) => e);
    const rbac = await client.request("POST", "/rbac", { body: {} }).catch((e: unknown) => e);
    expect(terminating).toMatchObject({ status: 403, reason: "Forbidden" });
    expect(isNamespaceTerminating(terminating)).toBe(true);
    expect(rbac).toMatchObject({ status: 403, reason: "Forbidden" });
    expect(isNamespaceTerminating(rbac)).toBe(false);
  });

  it("asks for answers without compression, lists and watches alike (no gzip on either side)", async () => {
    encodingsAsked.clear();
    await client.get("/ok");
    await client.watch("/ok", {}, () => undefined, { inactivityMs: 1000, signal: new AbortController().signal });
    expect([...encodingsAsked]).toEqual(["identity"]);
  });

  it("counts every request, answered or not, for rest_client_requests_total", async () => {
    const seen: string[] = [];
    client.onRequest((method, code) => seen.push(`${method} ${code}`));
    await client.request("GET", "/ok");
    await client.request("GET", "/hang", { timeoutMs: 100 }).catch(() => undefined);
    expect(seen).toEqual(["GET 200", "GET 0"]);
  });
});

describe("resourceOfPath", () => {
  it("names the resource and subresource a request writes", async () => {
    const { resourceOfPath } = await import("./resources.ts");
    expect(resourceOfPath("/apis/apps/v1/namespaces/a/deployments/x")).toBe("deployments");
    expect(resourceOfPath("/apis/agentfleet.io/v1alpha1/namespaces/a/agentdeployments/x/status")).toBe(
      "agentdeployments/status",
    );
    expect(resourceOfPath("/api/v1/namespaces/a/configmaps?fieldManager=x")).toBe("configmaps");
    expect(resourceOfPath("/apis/events.k8s.io/v1/namespaces/a/events")).toBe("events");
    expect(resourceOfPath("/api/v1/namespaces/a")).toBe("namespaces");
    expect(resourceOfPath("/api/v1/nodes/n1")).toBe("nodes");
  });
});
