// Loads the entry file and its imports (resolved relative to the importing file), detects import
// cycles, and reports a missing or unreadable file on the `import` that names it.
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type { FlowFile } from "../ast/nodes.js";
import type { Diagnostic, Result } from "../diagnostics/diagnostic.js";
import { syntaxDiagnostic } from "../syntax/diagnose.js";
import { parseText } from "../syntax/parse.js";
import { span } from "../source/span.js";

export interface Program {
  readonly entry: FlowFile;
  /** Every file, imports first (in dependency order), the entry last. */
  readonly files: readonly FlowFile[];
  /** path -> text, for rendering diagnostics. */
  readonly texts: ReadonlyMap<string, string>;
}

export function defaultRead(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Display path: relative to the working directory when that is shorter. */
function display(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith("..") && rel.length < abs.length ? rel : abs;
}

/** How the loader parses one file's text; an editor passes one that reuses its last parse. */
export type ParseFile = (text: string, file: string) => Result<FlowFile>;

export function loadProgram(entryPath: string, read: (path: string) => string | undefined = defaultRead, parse: ParseFile = parseText): Result<Program> {
  const diagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  const files: FlowFile[] = [];
  const done = new Set<string>();
  const visiting: string[] = [];

  const visit = (abs: string): FlowFile | undefined => {
    const path = display(abs);
    const text = read(abs);
    if (text === undefined) return undefined;
    texts.set(path, text);
    const parsed = parse(text, path);
    diagnostics.push(...parsed.diagnostics);
    visiting.push(abs);
    for (const imp of parsed.value.imports) {
      const target = resolve(dirname(abs), imp.path.value);
      if (visiting.includes(target)) {
        const cycle = [...visiting.slice(visiting.indexOf(target)), target].map(display);
        diagnostics.push(syntaxDiagnostic("E0011", imp.path.span, `Import cycle: ${cycle.join(" → ")}.`, "remove one of the imports; declarations may be shared through a third file"));
        continue;
      }
      if (done.has(target)) continue;
      if (!visit(target)) {
        diagnostics.push(syntaxDiagnostic("E0010", imp.path.span, `Cannot read \`${imp.path.value}\` (looked for ${display(target)}).`,
          "imports are resolved relative to the importing file; check the path", "imported here"));
      }
    }
    visiting.pop();
    done.add(abs);
    files.push(parsed.value);
    return parsed.value;
  };

  const abs = resolve(entryPath);
  const entry = visit(abs);
  if (!entry) {
    diagnostics.push(syntaxDiagnostic("E0012", span(entryPath, 0, 0), `Cannot read \`${entryPath}\`.`, "check the path and that the file is readable"));
    // An empty program, so callers need no special case; the error says why.
    const empty: FlowFile = { kind: "File", path: entryPath, imports: [], decls: [], comments: [], span: span(entryPath, 0, 0) };
    return { value: { entry: empty, files: [], texts }, diagnostics };
  }
  return { value: { entry, files, texts }, diagnostics };
}
