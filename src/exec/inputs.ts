// Before `flowc run` starts any step: the plan's inputs this machine cannot read (source and
// evalset URIs, tokenizer files). flowrt answers (`python -m flowrt inputs`), so a glob matches
// exactly what the steps will match; flowc turns each answer into a diagnostic at the declaration,
// so a missing dataset is reported with its line before any curation or training has run.
import { execa } from "execa";
import { attributeValue } from "../ast/nodes.js";
import type { CheckedProgram } from "../check/analysis.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";

export interface MissingInput {
  readonly what: "source" | "evalset" | "tokenizer";
  readonly name: string;
  readonly key: string;
  readonly message: string;
  readonly help: string;
}

/** What flowrt says is missing, or why it could not be asked. */
export async function missingInputs(python: string, planFile: string, inputRoot: string): Promise<{ missing: MissingInput[] } | { error: string }> {
  const r = await execa(python, ["-m", "flowrt", "inputs", "--plan", planFile, "--input-root", inputRoot], { reject: false, env: { FLOWRT_LOG: "WARNING" }, timeout: 120_000 });
  if (r.failed || r.exitCode !== 0) {
    const why = (r.stderr || r.stdout || (r as { shortMessage?: string }).shortMessage || "").toString().trim().split("\n").slice(-3).join("\n");
    return { error: `\`${python} -m flowrt inputs\` failed: ${why}` };
  }
  try {
    return { missing: (JSON.parse(r.stdout.toString()) as { missing: MissingInput[] }).missing };
  } catch {
    return { error: `\`${python} -m flowrt inputs\` printed something that is not its JSON answer` };
  }
}

/** E0220 at each missing input's `uri`/`path` (or its declaration's name). */
export function inputDiagnostics(missing: readonly MissingInput[], checked: CheckedProgram): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of missing) {
    const decl = m.what === "source" ? checked.decls.sources.get(m.name)
      : m.what === "evalset" ? checked.decls.evalsets.get(m.name) : checked.decls.tokenizers.get(m.name);
    if (!decl) continue;
    const at = attributeValue(decl.block, m.key) ?? decl.block.name ?? decl.block.keyword;
    out.push(diagnostic("E0220", at.span, `${m.what} \`${m.name}\`: ${m.message}.`, m.help ? { help: m.help } : {}));
  }
  return out;
}
