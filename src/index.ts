// The library API of flowc: the only entry point besides the CLI (src/cli/).
export type { Span } from "./source/span.js";
export type { Diagnostic, Severity, Label, Result } from "./diagnostics/diagnostic.js";
export type * from "./ast/nodes.js";
export type { Quantity, Dimension } from "./units/dimension.js";
export type { CheckedProgram, TrainAnalysis } from "./check/analysis.js";
export type { PlanIR, TrainIR, StageIR, StepIR } from "./plan/ir.js";

/** Parse one file's text (never throws; syntax errors are diagnostics). */
export { parseText as parse } from "./syntax/parse.js";
/** Load a file with its imports. */
export { loadProgram } from "./program/loader.js";
/** Check parsed files (every rule of LANGUAGE.md). */
export { checkFiles as check } from "./check/check.js";
/** Lower a checked program to the plan IR. */
export { lowerProgram as plan } from "./plan/lower.js";
/** The phases chained from a path: load + check, + lower, + schedule properties. */
export { checkPath, planPath, testPath } from "./pipeline.js";
export { formatText as format } from "./syntax/format.js";
export { renderAll, renderText } from "./diagnostics/render.js";
export { renderJson } from "./diagnostics/json.js";
export { PlanIR as PlanIRSchema, planJsonSchema } from "./plan/ir.js";
export * as schedule from "./schedule/index.js";
export * as estimate from "./estimate/index.js";
