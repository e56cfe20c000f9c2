import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // Stops the local Slurm + sshd (test/cluster/) if this run started it.
    globalSetup: ["test/cluster/globalSetup.ts"],
  },
});
