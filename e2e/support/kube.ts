// Clients and waits for e2e tests, on the local cluster's kubeconfig.
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, PolicyV1Api } from "@kubernetes/client-node";
import { kubectl } from "../../hack/lib/cluster.ts";
import { kubeconfigPath } from "../../hack/lib/paths.ts";

/** A condition as kubectl shows it in an object's status. */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

export function clients() {
  const kc = kubeConfig();
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    policy: kc.makeApiClient(PolicyV1Api),
  };
}

/** Polls until `probe` returns a value other than undefined, or fails with what it last saw. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    explain,
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    /** What the cluster looked like when the wait gave up, for the failure's message. */
    explain?: () => Promise<string>;
  } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = explain ? await explain().catch((err: unknown) => `(could not look: ${String(err)})`) : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ""}${seen ? `\n${seen}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function httpStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Deletes a namespace and waits until it is gone, so its pods no longer hold GPU replicas for the next test. */
export async function removeNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.deleteNamespace({ name }).catch(() => undefined);
  await eventually(
    `namespace ${name} to be deleted`,
    () =>
      core.readNamespace({ name }).then(
        () => undefined,
        (err: unknown) => (httpStatus(err) === 404 ? true : undefined),
      ),
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** A namespace of its own for each test file, deleted afterwards. */
export async function withNamespace(
  core: CoreV1Api,
  prefix: string,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return { name, remove: () => removeNamespace(core, name) };
}

/** The events of a namespace with this reason, as kubectl lists them (type Normal or Warning). */
export async function eventsWithReason(namespace: string, reason: string): Promise<{ type: string }[]> {
  const out = await kubectl(["get", "events", "-n", namespace, "--field-selector", `reason=${reason}`, "-o", "json"]);
  return (JSON.parse(out) as { items: { type: string }[] }).items;
}
