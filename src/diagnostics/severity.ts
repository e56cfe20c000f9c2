// How bad a diagnostic is. A code's severity is fixed by its catalog entry (W… codes warn).
export type Severity = "error" | "warning" | "note";
