import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "hack/**/*.test.ts", "bench/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.e2e.ts"],
          env: { AGENTFLEET_CLUSTER: "agentfleet-e2e" },
          // Brings the local cluster up when it is not, and takes it down again afterwards.
          globalSetup: ["e2e/support/global-setup.ts"],
          // One cluster is shared by every e2e file; they run one after another.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
