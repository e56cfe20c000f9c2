// No argv makes the CLI throw: every run ends in exit 0, 1 or 2 with words, never a stack trace.
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { runCli, scratch } from "./harness.js";

const files = scratch({ "a.flow": "source web { tokens = 1M }\n" });
afterAll(files.cleanup);

const word = fc.oneof(
  fc.constantFrom(...COMMANDS.map((c) => c.name), "help", "a.flow", "missing.flow", ".", "-", "--"),
  fc.constantFrom("--help", "-h", "--version", "-V", "--color", "--color=always", "--format", "json", "--check", "--write", "--target", "slurm", "--out", "--runs", "0", "-1", "--list", "E0001"),
  fc.string({ maxLength: 8 }),
  fc.string({ maxLength: 8 }).map((s) => `--${s}`),
);

test("property: any argv exits 0, 1 or 2 without throwing or printing a stack", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(word, { maxLength: 6 }), async (argv) => {
      // The real pipeline: a.flow never checks clean (it has no cluster), so no run reaches Python.
      const r = await runCli(argv, { cwd: files.dir });
      expect([0, 1, 2]).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      if (r.code === 2) expect(r.stderr.length).toBeGreaterThan(0);
    }),
    { numRuns: 400 },
  );
});
