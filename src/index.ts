// The library API of flowc: the only entry point besides the CLI (src/cli/).
export type { Span } from "./source/span.js";
export type { Diagnostic, Severity, Label, Result } from "./diagnostics/diagnostic.js";
export type * from "./ast/nodes.js";
export type { Quantity, Dimension } from "./units/dimension.js";
