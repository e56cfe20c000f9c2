// The real phases, for the CLI. Tests may hand `main` another Engine (e.g. one without a phase) to
// check how a command behaves when that phase is absent.
import { loadProgram } from "../program/loader.js";
import { formatText } from "../syntax/format.js";
import { checkFiles } from "../check/check.js";
import { lowerProgram } from "../plan/lower.js";
import { renderPlan } from "../plan/render.js";
import type { CheckedProgram } from "../check/analysis.js";
import type { Engine } from "./engine.js";

export async function loadDefaultEngine(): Promise<Engine> {
  return {
    loadProgram,
    formatText,
    checkProgram: (p) => checkFiles(p.files),
    planProgram: (p, checked, entryPath) => {
      const c = checked as CheckedProgram;
      const ir = lowerProgram({ checked: c, entryPath, texts: p.texts });
      return { value: { text: renderPlan(ir, c), json: ir }, diagnostics: [] };
    },
  };
}
