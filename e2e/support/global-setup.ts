// Every e2e run needs a control plane of its own: a cluster named agentfleet-e2e, separate from the one
// `npm start` uses, so that a developer's running fleet never takes the GPUs a test counts on. It is
// started when it is down and stopped afterwards, so a test run leaves no process behind; one that was
// already up (a developer iterating on tests) is left running.
export const e2eCluster = "agentfleet-e2e";

export default async function setup(): Promise<() => Promise<void>> {
  process.env.AGENTFLEET_CLUSTER = e2eCluster;
  // Imported only now: the cluster's paths are fixed when the module loads.
  const { down, isUp, up } = await import("../../hack/lib/cluster.ts");
  if (await isUp()) return async () => {};
  await up();
  return async () => {
    await down();
  };
}
