// Reading a kubeconfig as kubectl does: the current context's cluster and user, files relative to
// the kubeconfig's folder, and a clear word on what is wrong, naming the file and the field.
import { describe, expect, it } from "vitest";
import { inClusterSettings, readKubeconfig } from "./kubeconfig.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

const kubeconfig = (user: string, cluster = "    server: https://10.0.0.1:6443/\n") => `apiVersion: v1
kind: Config
current-context: home
contexts:
- name: home
  context: { cluster: k3s, user: admin }
- name: other
  context: { cluster: elsewhere, user: admin }
clusters:
- name: k3s
  cluster:
${cluster}- name: elsewhere
  cluster:
    server: https://192.168.1.20:6443
users:
- name: admin
  user:
${user}`;

describe("readKubeconfig", () => {
  it("reads the current context's server, CA and client certificate, inline or as files beside the kubeconfig", () => {
    const inline = readKubeconfig(
      kubeconfig(
        `    client-certificate-data: ${b64("CERT")}\n    client-key-data: ${b64("KEY")}\n`,
        `    server: https://10.0.0.1:6443/\n    certificate-authority-data: ${b64("CA")}\n`,
      ),
      "/home/me/.kube/config",
    );
    expect(inline).toEqual({
      settings: {
        server: "https://10.0.0.1:6443",
        ca: { data: "CA" },
        cert: { data: "CERT" },
        key: { data: "KEY" },
        insecureSkipTlsVerify: false,
      },
    });
    const files = readKubeconfig(
      kubeconfig(
        "    client-certificate: pki/admin.crt\n    client-key: /etc/pki/admin.key\n",
        "    server: https://10.0.0.1:6443\n    certificate-authority: ca.crt\n    insecure-skip-tls-verify: true\n",
      ),
      "/home/me/.kube/config",
    );
    expect(files).toMatchObject({
      settings: {
        ca: { file: "/home/me/.kube/ca.crt" },
        cert: { file: "/home/me/.kube/pki/admin.crt" },
        key: { file: "/etc/pki/admin.key" },
        insecureSkipTlsVerify: true,
      },
    });
  });

  it("takes a token as it is written (not base64), a token file relative to the kubeconfig, or basic auth", () => {
    expect(readKubeconfig(kubeconfig("    token: abc.def\n"), "/k/config")).toMatchObject({
      settings: { token: { data: "abc.def" } },
    });
    expect(readKubeconfig(kubeconfig("    tokenFile: token\n"), "/k/config")).toMatchObject({
      settings: { token: { file: "/k/token" } },
    });
    expect(readKubeconfig(kubeconfig("    username: u\n    password: p\n"), "/k/config")).toMatchObject({
      settings: { basic: { username: "u", password: "p" } },
    });
  });

  it("reads another context when one is named", () => {
    expect(readKubeconfig(kubeconfig("    token: t\n"), "/k/config", "other")).toMatchObject({
      settings: { server: "https://192.168.1.20:6443" },
    });
  });

  it("hands exec plugins, auth providers and proxies to client-node, naming the field", () => {
    expect(readKubeconfig(kubeconfig("    exec:\n      command: aws\n"), "/k/config")).toEqual({
      delegate: "users[].user.exec",
    });
    expect(
      readKubeconfig(kubeconfig("    token: t\n", "    server: https://x:6443\n    proxy-url: http://p:3128\n"), "/k"),
    ).toEqual({ delegate: "clusters[].cluster.proxy-url" });
  });

  it("says which file and which field is wrong", () => {
    expect(() => readKubeconfig("a: [", "/k/config")).toThrow(/^\/k\/config: not a kubeconfig/);
    expect(() => readKubeconfig("- 1\n", "/k/config")).toThrow("/k/config: not a kubeconfig: expected a YAML mapping");
    expect(() => readKubeconfig(kubeconfig("    token: t\n").replace("current-context: home\n", ""), "/k/c")).toThrow(
      "/k/c: current-context is not set",
    );
    expect(() => readKubeconfig(kubeconfig("    token: t\n"), "/k/c", "nowhere")).toThrow(
      '/k/c: contexts has no entry named "nowhere"',
    );
    expect(() => readKubeconfig(kubeconfig("    token: t\n", "    server: 10.0.0.1:6443\n"), "/k/c")).toThrow(
      "/k/c: clusters[k3s].cluster.server must be an http(s) URL",
    );
    expect(() => readKubeconfig(kubeconfig(`    client-certificate-data: ${b64("C")}\n`), "/k/c")).toThrow(
      "without the other",
    );
  });
});

describe("inClusterSettings", () => {
  it("reaches the API server by the service's address with the service account's CA and token", () => {
    expect(inClusterSettings({ KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBERNETES_SERVICE_PORT: "443" }, "/sa")).toEqual({
      server: "https://10.43.0.1:443",
      ca: { file: "/sa/ca.crt" },
      token: { file: "/sa/token" },
      insecureSkipTlsVerify: false,
    });
    expect(
      inClusterSettings({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" }, "/sa")?.server,
    ).toBe("https://[fd00::1]:443");
    expect(inClusterSettings({}, "/sa")).toBeUndefined();
  });
});
