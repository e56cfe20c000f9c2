// The library API of flowc: the only entry point besides the CLI (src/cli/), and the same pipeline
// the CLI runs. A program is loaded, checked, lowered to the plan and property-tested by the stages of
// src/pipeline.ts, each extending the result of the one before; the *Path functions chain them.
export type { Span } from "./source/span.js";
export type { Diagnostic, Severity, Label, Result } from "./diagnostics/diagnostic.js";
export type * from "./ast/nodes.js";
export type { Quantity, Dimension } from "./units/dimension.js";
export type { CheckedProgram, TrainAnalysis } from "./check/analysis.js";
export type { PlanIR, TrainIR, StageIR, StepIR } from "./plan/ir.js";
export type { PropertyResult } from "./proptest/properties.js";
export type { Program, LoadOptions } from "./program/loader.js";
export type { SourceHost, FileProblem, HostResult } from "./program/host.js";
export type { Loaded, Checked, Planned, WithPlan, Tested, WithProperties, TestOptions, Blocking } from "./pipeline.js";

/** The pipeline: load (a file and its imports) -> check -> lower (the plan) -> properties (`flowc test`). */
export { load, check, lower, properties, checkPath, planPath, testPath, PROPERTY_CODES } from "./pipeline.js";
/** Where the loader reads files: the file system, or texts in memory (over the file system, for editors). */
export { nodeHost, memoryHost } from "./program/host.js";
export { MAX_SOURCE_BYTES } from "./program/loader.js";
/** One file's text on its own: parse (never throws; syntax errors are diagnostics) and format. */
export { parseText as parse } from "./syntax/parse.js";
export { formatText as format } from "./syntax/format.js";
/** The plan as `flowc plan` prints it. */
export { renderPlan } from "./plan/render.js";
export { renderAll, renderText } from "./diagnostics/render.js";
export { renderJson } from "./diagnostics/json.js";
export { displayPath } from "./diagnostics/paths.js";
export { PlanIR as PlanIRSchema, planJsonSchema } from "./plan/ir.js";
export * as schedule from "./schedule/index.js";
export * as estimate from "./estimate/index.js";
