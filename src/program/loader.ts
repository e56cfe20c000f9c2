// Loads the entry file and its imports (resolved relative to the importing file), detects import
// cycles, and reports a file that cannot be used on the `import` that names it.
//
// Every file is known by its canonical path (absolute, symbolic links resolved): spans carry it, so a
// file reached directly and through a link is one file, and nothing depends on the working directory.
// Renderers shorten paths for people; the messages written here name files relative to the entry's
// directory, which is the same wherever the compiler runs.
//
// Imports name `.flow` files, and only those are read: `import "../../../../etc/passwd"` is refused
// before anything is opened, so the text of a file that is not a program never reaches a diagnostic.
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { FlowFile, Import } from "../ast/nodes.js";
import type { Code, Diagnostic, Result } from "../diagnostics/diagnostic.js";
import { syntaxDiagnostic } from "../syntax/diagnose.js";
import { parseText } from "../syntax/parse.js";
import { span, type Span } from "../source/span.js";
import { nodeHost, type FileProblem, type HostResult, type SourceHost } from "./host.js";

/**
 * The largest source file read, in bytes. Real programs are a few KiB (the SmolLM2 recipe is 5 KiB);
 * at the parser's ~70k lines/s, 8 MiB is already seconds of parsing, so anything larger is taken to
 * be a mistake (a data file named .flow, a runaway generator) and refused before it is read (E0015).
 */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

/** The extension every imported file must have. */
export const FLOW_EXTENSION = ".flow";

export interface Program {
  readonly entry: FlowFile;
  /** Every file, imports first (in dependency order), the entry last. */
  readonly files: readonly FlowFile[];
  /** Canonical path -> text, for rendering diagnostics. */
  readonly texts: ReadonlyMap<string, string>;
  /** The entry's canonical path (absolute, links resolved); the key of its text. */
  readonly entryPath: string;
}

export interface LoadOptions {
  /** Where files come from (default: the file system). */
  readonly host?: SourceHost;
  /** Files larger than this are refused (default MAX_SOURCE_BYTES). */
  readonly maxBytes?: number;
  /** How a file's text is parsed (default parseText); an editor passes one that reuses its last parse. */
  readonly parse?: ParseFile;
}

/** Text and canonical path -> the file's AST and syntax diagnostics. */
export type ParseFile = (text: string, path: string) => Result<FlowFile>;

export interface LoadResult extends Result<Program> {
  /** Why the entry itself could not be read, if it could not (the CLI reports this as exit 2). */
  readonly entryProblem?: FileProblem;
}

/** The diagnostic code of a file that cannot be used: unreadable, not a regular file, too large. */
function problemCode(p: FileProblem, isEntry: boolean): Code {
  if (p.kind === "not-regular") return "E0014";
  if (p.kind === "too-large") return "E0015";
  if (p.kind === "not-utf8") return "E0016";
  return isEntry ? "E0012" : "E0010";
}

function problemHelp(p: FileProblem): string {
  if (p.kind === "not-regular") return "import a .flow source file; directories, pipes and devices cannot be imported";
  if (p.kind === "too-large") return "a .flow program is a few KiB of declarations; check that the path names the program, not data";
  if (p.kind === "not-utf8") return "save the file as UTF-8 (a .flow program is UTF-8 text)";
  return "imports are resolved relative to the importing file; check the path";
}

export function loadProgram(entryPath: string, opts: LoadOptions = {}): LoadResult {
  const host = opts.host ?? nodeHost;
  const maxBytes = opts.maxBytes ?? MAX_SOURCE_BYTES;
  const parse = opts.parse ?? parseText;
  const diagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  const files: FlowFile[] = [];
  const done = new Set<string>();
  const visiting: string[] = [];

  const given = resolve(entryPath);
  const canonicalEntry = host.realpath(given);
  const entryAbs = canonicalEntry.ok ? canonicalEntry.value : given;
  const root = dirname(entryAbs);
  /** A path as messages show it: relative to the entry's directory when inside it, `/`-separated. */
  const shown = (abs: string): string => {
    const rel = relative(root, abs);
    return rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? abs : rel.split(sep).join("/");
  };

  /** Reads and parses a canonical path, then its imports; undefined (and a problem) when unreadable. */
  const visit = (abs: string): { file: FlowFile } | { problem: FileProblem } => {
    const read = host.read(abs, maxBytes);
    if (!read.ok) return { problem: read.problem };
    texts.set(abs, read.value);
    const parsed = parse(read.value, abs);
    diagnostics.push(...parsed.diagnostics);
    visiting.push(abs);
    for (const imp of parsed.value.imports) {
      const target = resolveImport(abs, imp);
      if (target === undefined) continue;
      if (visiting.includes(target)) {
        const cycle = [...visiting.slice(visiting.indexOf(target)), target].map(shown);
        diagnostics.push(syntaxDiagnostic("E0011", imp.path.span, `Import cycle: ${cycle.join(" → ")}.`, "remove one of the imports; declarations may be shared through a third file"));
        continue;
      }
      if (done.has(target)) continue;
      const got = visit(target);
      if ("problem" in got) diagnostics.push(fileDiagnostic(got.problem, imp.path.span, `\`${imp.path.value}\``, false));
    }
    visiting.pop();
    done.add(abs);
    files.push(parsed.value);
    return { file: parsed.value };
  };

  /** The canonical path an import names, or undefined after reporting why it cannot be loaded. */
  const resolveImport = (from: string, imp: Import): string | undefined => {
    const spec = imp.path.value;
    const at = imp.path.span;
    if (!spec.endsWith(FLOW_EXTENSION)) {
      diagnostics.push(syntaxDiagnostic("E0013", at, `\`${spec}\` is not a .flow file; only .flow files can be imported.`,
        "import the .flow file that declares what you need; data files are named by a source's `uri`", "not a .flow file"));
      return undefined;
    }
    const real = host.realpath(resolve(dirname(from), spec));
    if (!real.ok) {
      diagnostics.push(fileDiagnostic(real.problem, at, `\`${spec}\``, false));
      return undefined;
    }
    if (!real.value.endsWith(FLOW_EXTENSION)) {
      diagnostics.push(syntaxDiagnostic("E0013", at, `\`${spec}\` is a link to \`${shown(real.value)}\`, which is not a .flow file.`,
        "import the .flow file itself; a link may only lead to another .flow file", "links to a file that is not a .flow file"));
      return undefined;
    }
    return real.value;
  };

  const fileDiagnostic = (p: FileProblem, at: Span, name: string, isEntry: boolean): Diagnostic =>
    syntaxDiagnostic(problemCode(p, isEntry), at, `Cannot read ${name}: ${p.message}.`,
      isEntry ? "check the path and that the file is readable" : problemHelp(p), isEntry ? undefined : "imported here");

  const entry = canonicalEntry.ok ? visit(entryAbs) : { problem: canonicalEntry.problem };
  if ("problem" in entry) {
    const at = span(entryAbs, 0, 0);
    diagnostics.push(fileDiagnostic(entry.problem, at, `\`${entryPath}\``, true));
    // An empty program, so callers need no special case; the error says why.
    const empty: FlowFile = { kind: "File", path: entryAbs, imports: [], decls: [], comments: [], span: at };
    return { value: { entry: empty, files: [], texts, entryPath: entryAbs }, diagnostics, entryProblem: entry.problem };
  }
  return { value: { entry: entry.file, files, texts, entryPath: entryAbs }, diagnostics };
}


/** One file read as the loader reads files, for tools that take a file on its own (`flowc fmt`). */
export function readSource(path: string, opts: LoadOptions = {}): HostResult<{ readonly path: string; readonly text: string }> {
  const host = opts.host ?? nodeHost;
  const real = host.realpath(resolve(path));
  if (!real.ok) return real;
  const read = host.read(real.value, opts.maxBytes ?? MAX_SOURCE_BYTES);
  return read.ok ? { ok: true, value: { path: real.value, text: read.value } } : read;
}
