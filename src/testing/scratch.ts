// Temporary directories for tests, removed when the test that made them ends (passed or failed), so
// that a run of the suite leaves nothing behind in the machine's temp directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";

/** A new empty directory under the temp directory, removed when the current test finishes. */
export async function scratchDirectory(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `agentfleet-${prefix}-`));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
