// Every e2e run needs the local control plane. Start it when it is down and stop it afterwards, so a
// test run leaves no process behind; a cluster that was already up (a developer's) is left running.
import { down, isUp, up } from "../../hack/lib/cluster.ts";

export default async function setup(): Promise<() => Promise<void>> {
  if (await isUp()) return async () => {};
  await up();
  return async () => {
    await down();
  };
}
