// flowc lsp: the language server for editors, speaking LSP on stdin/stdout until the client
// says `exit`. The server (src/lsp/) gets the compiler's pipeline from here.
import { checkPath } from "../../pipeline.js";
import { defineCommand } from "../command.js";
import { environmentError } from "../context.js";

export const lsp = defineCommand({
  name: "lsp",
  summary: "Run the language server (LSP over stdin/stdout) for editors",
  description:
    "Speaks the Language Server Protocol on stdin and stdout: diagnostics as you type, hover with exact\n" +
    "tokens, epochs, memory per GPU and GPU-hours, definitions, references, rename, completion, quick fixes,\n" +
    "formatting and semantic tokens. Editors start it themselves (see editors/README.md).",
  positionals: [],
  flags: {
    stdio: { type: "boolean", help: "use stdin/stdout (the only transport; accepted because clients pass it)" },
    clientProcessId: { type: "integer", value: "PID", min: 0, help: "exit when this process (the editor) is gone" },
  },
  examples: ["flowc lsp --stdio"],
  async run(_args, ctx) {
    if (!ctx.streams) {
      return environmentError(ctx, "the language server speaks LSP on the process's stdin and stdout, which this caller does not give it",
        "start it as a process, as editors do: `flowc lsp --stdio`");
    }
    const { stdin, stdout } = ctx.streams;
    const { createConnection } = await import("vscode-languageserver/node");
    const { startServer } = await import("../../lsp/server.js");
    // stdout carries the protocol: anything else written there would corrupt it.
    const connection = createConnection(stdin, stdout);
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      console[level] = (...args: unknown[]) => connection.console.log(args.map(String).join(" "));
    }
    startServer(connection, { check: (entry, opts) => checkPath(entry, opts) });
    // The connection ends the process on `exit` (0 after `shutdown`, else 1) or when stdin closes.
    return new Promise<number>(() => {});
  },
});
