// flowc explain CODE: the long explanation of a diagnostic code, with a wrong and a right example.
import { ALL_CODES } from "../../diagnostics/catalog.js";
import { findCode, renderCodeList, renderExplain } from "../../diagnostics/explain.js";
import { defineCommand } from "../command.js";
import { EXIT, usageError } from "../context.js";

export const explain = defineCommand({
  name: "explain",
  summary: "Explain a diagnostic code, with a wrong and a right example",
  positionals: [{ name: "CODE", arity: "optional", help: "a code such as E0101 (from `flowc check`)" }],
  flags: {
    list: { type: "boolean", help: "list every code with its title" },
  },
  examples: ["flowc explain E0101", "flowc explain --list"],
  async run({ flags, positionals }, ctx) {
    const code = positionals[0];
    if (flags.list) {
      if (code !== undefined) return usageError(ctx, { message: "give either CODE or `--list`, not both" });
      ctx.stdout(renderCodeList(ALL_CODES));
      return EXIT.ok;
    }
    if (code === undefined) return usageError(ctx, { message: "missing CODE", hint: "usage: flowc explain CODE (or `flowc explain --list`)" });
    const found = findCode(code, ALL_CODES);
    if (!found.ok) return usageError(ctx, { message: found.message, ...(found.help !== undefined ? { hint: found.help } : {}) });
    ctx.stdout(renderExplain(found.info, { color: ctx.color.stdout }));
    return EXIT.ok;
  },
});
