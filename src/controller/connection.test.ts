// Finding the cluster as kubectl does, and the credentials each request carries.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConnection } from "./connection.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "agentfleet-kubeconfig-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (user: string, cluster = "", server = "http://127.0.0.1:6443") => `apiVersion: v1
kind: Config
current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters: [{ name: k, cluster: { server: "${server}"${cluster} } }]
users: [{ name: u, user: ${user} }]
`;

describe("loadConnection", () => {
  it("sends the token of the token file beside the kubeconfig", async () => {
    await writeFile(path.join(dir, "token"), "s3cret\n");
    await writeFile(path.join(dir, "token-config"), config("{ tokenFile: token }"));
    const connection = await loadConnection(path.join(dir, "token-config"), {});
    expect(connection.server).toBe("http://127.0.0.1:6443");
    expect((await connection.prepare()).headers).toEqual({ Authorization: "Bearer s3cret" });
    await connection.close();
  });

  it("re-reads a rotated token file once a minute, and keeps the last token while the file is away", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const tokenFile = path.join(dir, "rotating-token");
      await writeFile(tokenFile, "one");
      await writeFile(path.join(dir, "rotating-config"), config(`{ tokenFile: ${tokenFile} }`));
      const connection = await loadConnection(path.join(dir, "rotating-config"), {});
      const bearer = async () => (await connection.prepare()).headers.Authorization;
      expect(await bearer()).toBe("Bearer one");
      await writeFile(tokenFile, "two");
      expect(await bearer()).toBe("Bearer one");
      vi.setSystemTime(Date.now() + 61_000);
      expect(await bearer()).toBe("Bearer two");
      await rm(tokenFile);
      vi.setSystemTime(Date.now() + 61_000);
      expect(await bearer()).toBe("Bearer two");
      await connection.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("takes KUBECONFIG when no file is given, and ~/.kube/config after it", async () => {
    await writeFile(path.join(dir, "env-config"), config("{ username: ann, password: pw }"));
    const fromEnv = await loadConnection(undefined, { KUBECONFIG: path.join(dir, "env-config"), HOME: "/nowhere" });
    expect((await fromEnv.prepare()).headers.Authorization).toBe(`Basic ${Buffer.from("ann:pw").toString("base64")}`);
    await fromEnv.close();
    await expect(loadConnection(undefined, { HOME: "/nowhere" })).rejects.toThrow(
      "no cluster to talk to: set KUBECONFIG, pass --kubeconfig, or run inside a cluster",
    );
  });

  it("names the file it cannot read, whether the kubeconfig or a certificate it points to", async () => {
    await expect(loadConnection(path.join(dir, "missing"), {})).rejects.toThrow(
      `${path.join(dir, "missing")}: cannot read it (ENOENT)`,
    );
    await writeFile(path.join(dir, "ca-config"), config("{ token: t }", ", certificate-authority: ca.crt"));
    await expect(loadConnection(path.join(dir, "ca-config"), {})).rejects.toThrow(
      `cannot read ${path.join(dir, "ca.crt")}: ENOENT`,
    );
  });

  it("hands an exec plugin's kubeconfig to client-node, which runs the plugin for each request's credentials", async () => {
    const plugin = path.join(dir, "plugin.sh");
    await writeFile(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'\n`,
      { mode: 0o755 },
    );
    await writeFile(
      path.join(dir, "exec-config"),
      config(
        `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: "${plugin}", interactiveMode: Never } }`,
        "",
        "https://127.0.0.1:6443",
      ),
    );
    const connection = await loadConnection(path.join(dir, "exec-config"), {});
    expect(connection.server).toBe("https://127.0.0.1:6443");
    expect((await connection.prepare()).headers.Authorization).toBe("Bearer from-plugin");
    await connection.close();
  });
});
