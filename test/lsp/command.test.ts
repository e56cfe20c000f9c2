// `flowc lsp` as a command: its help, and a clear refusal where there are no process streams to
// speak LSP on (the CLI run in-process, as tests and the library do).
import { expect, it } from "vitest";
import { runCli } from "../cli/harness.js";

it("refuses to start in-process, saying how to start it", async () => {
  const r = await runCli(["lsp"]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe("flowc lsp: the language server speaks LSP on the process's stdin and stdout, which this caller does not give it\nhelp: start it as a process, as editors do: `flowc lsp --stdio`\n");
});

it("is listed and has help", async () => {
  expect((await runCli(["--help"])).stdout).toMatch(/\n\s+lsp\s+Run the language server/);
  const h = await runCli(["lsp", "--help"]);
  expect(h.code).toBe(0);
  expect(h.stdout).toContain("--stdio");
});
