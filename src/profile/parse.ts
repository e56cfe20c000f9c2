// The cluster profiles file, from YAML text to a checked ProfilesFile, with every mistake a
// diagnostic at its line:col in the YAML (the `yaml` package keeps each node's offsets): a syntax
// error, an unknown key (with "did you mean"), a missing or mistyped value, a profile `default:`
// names that does not exist. Pure: text in, result out.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from "yaml";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import { span, type Span } from "../source/span.js";
import { CONTAINER_KEYS, ClusterProfile, FILE_KEYS, PROFILE_KEYS, ProfilesFile } from "./schema.js";

type Path = readonly (string | number)[];

interface Located {
  /** The key node of the last path segment found (when the parent is a mapping). */
  readonly key?: Node;
  /** The value node at the path, when it exists. */
  readonly value?: Node;
  /** How much of the path was found. */
  readonly depth: number;
}

function deref(doc: Document, n: unknown): unknown {
  return isAlias(n) ? n.resolve(doc) : n;
}

/** The nodes at `path`, following aliases; as deep as the path exists. */
function locate(doc: Document, path: Path): Located {
  let node: unknown = deref(doc, doc.contents);
  let key: Node | undefined;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = (node.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      key = pair.key as Node;
      node = deref(doc, pair.value);
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      key = undefined;
      node = deref(doc, node.items[seg]);
    } else {
      break;
    }
    depth++;
  }
  return { ...(key ? { key } : {}), ...(node && typeof node === "object" && "range" in (node as object) ? { value: node as Node } : {}), depth };
}

function nodeSpan(file: string, n: Node | undefined, fallback: Span): Span {
  const r = n?.range;
  return r ? span(file, r[0], Math.max(r[0] + 1, r[1])) : fallback;
}

/** What a YAML value is, in words: "a list", "text", "a number". */
function kindOf(n: Node | undefined): string {
  if (!n) return "missing";
  if (isSeq(n)) return "a list";
  if (isMap(n)) return "a mapping";
  if (isScalar(n)) {
    if (n.value === null) return "empty";
    if (typeof n.value === "number") return "a number";
    if (typeof n.value === "boolean") return "a boolean";
    return "text";
  }
  return "something else";
}

const EXPECTED: Record<string, string> = { string: "text", number: "a number", array: "a list", object: "a mapping", record: "a mapping", boolean: "true or false" };

/** `run_dir` of cluster profile `big`; `modules[1]` of …; cluster profile `big`; the file. */
function subject(path: Path): string {
  if (path.length === 0) return "the file";
  if (path[0] !== "clusters") return `\`${path.join(".")}\``;
  if (path.length === 1) return "`clusters`";
  const name = String(path[1]);
  if (path.length === 2) return `cluster profile \`${name}\``;
  const rest = path.slice(2).map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
  return `\`${rest}\` of cluster profile \`${name}\``;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The description the schema gives a profile key, for the help line. */
function describeKey(key: string | number | undefined): string | undefined {
  if (typeof key !== "string") return undefined;
  const shape = ClusterProfile.shape as Record<string, { description?: string }>;
  return shape[key]?.description;
}

function keysAt(path: Path): readonly string[] {
  if (path.length === 0) return FILE_KEYS;
  if (path[0] === "clusters" && path.length === 2) return PROFILE_KEYS;
  if (path[0] === "clusters" && path.length === 3 && path[2] === "container") return CONTAINER_KEYS;
  return [];
}

function diag(code: "E0500" | "E0501", message: string, at: Span, help?: string, label?: string): Diagnostic {
  return diagnostic(code, at, message, { ...(help ? { help } : {}), ...(label ? { label } : {}) });
}

export function parseProfiles(text: string, file: string): Result<ProfilesFile | undefined> {
  const whole = span(file, 0, Math.min(text.length, 1));
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true });
  const ds: Diagnostic[] = [];
  for (const e of doc.errors) {
    const at = span(file, e.pos[0], Math.max(e.pos[1], e.pos[0] + 1));
    const msg = e.code === "DUPLICATE_KEY" ? `Duplicate key \`${text.slice(e.pos[0], e.pos[1]).trim() || "?"}\`.` : `YAML syntax error: ${e.message.split("\n")[0]!.replace(/\.$/, "")}.`;
    ds.push(diag("E0500", msg, at, e.code === "DUPLICATE_KEY" ? "each key appears once in a mapping: remove or merge the other one" : "fix the YAML at this place (indentation, a closing bracket or quote)"));
  }
  if (ds.length > 0) return { value: undefined, diagnostics: ds };
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (data === null || data === undefined) {
    return { value: undefined, diagnostics: [diag("E0500", "The cluster profiles file is empty.", whole, "start it with `clusters:` and one profile under it, e.g. `clusters: { big: { run_dir: /scratch/me/flowc } }`")] };
  }
  const parsed = ProfilesFile.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues as readonly Issue[];
    // `cluster:` for `clusters:` is one mistake, not two: the missing key the typo was meant to be is not reported.
    const meant = new Set(issues.filter((i) => i.code === "unrecognized_keys").flatMap((i) =>
      (i.keys ?? []).map((k) => `${i.path.join(".")}|${suggest(k, keysAt(i.path as Path)) ?? ""}`)));
    for (const issue of issues) {
      const missing = issue.code === "invalid_type" && locate(doc, issue.path as Path).depth < issue.path.length;
      if (missing && meant.has(`${issue.path.slice(0, -1).join(".")}|${String(issue.path[issue.path.length - 1])}`)) continue;
      ds.push(...issueDiagnostics(issue, doc, file, whole));
    }
    return { value: undefined, diagnostics: ds.sort((a, b) => a.primary.span.start - b.primary.span.start) };
  }
  const value = parsed.data;
  if (value.default !== undefined && !(value.default in value.clusters)) {
    const at = locate(doc, ["default"]);
    ds.push(unknownProfile(value.default, Object.keys(value.clusters), nodeSpan(file, at.value, whole)));
  }
  return { value: ds.length === 0 ? value : undefined, diagnostics: ds };
}

/** E0501: a profile name the file does not have. */
export function unknownProfile(name: string, names: readonly string[], at: Span): Diagnostic {
  const near = suggest(name, names);
  const help = near !== undefined ? `did you mean \`${near}\`?` : names.length > 0 ? `the profiles are: ${names.map((n) => `\`${n}\``).join(", ")}` : "add it under `clusters:`";
  return diag("E0501", `Unknown cluster profile \`${name}\`.`, at, help);
}

interface Issue {
  readonly code: string;
  readonly path: PropertyKey[];
  readonly message: string;
  readonly keys?: string[];
  readonly expected?: string;
  readonly issues?: readonly { message: string }[];
}

function issueDiagnostics(issue: Issue, doc: Document, file: string, whole: Span): Diagnostic[] {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as Path;
  const at = locate(doc, path);
  const parentKeySpan = () => {
    const parent = locate(doc, path.slice(0, -1));
    return nodeSpan(file, parent.key ?? parent.value, whole);
  };
  switch (issue.code) {
    case "unrecognized_keys":
      return (issue.keys ?? []).map((k) => {
        const key = locate(doc, [...path, k]).key;
        const allowed = keysAt(path);
        const near = suggest(k, allowed);
        const help = near !== undefined ? `did you mean \`${near}\`?` : allowed.length > 0 ? `the keys here are: ${allowed.join(", ")}` : "remove it";
        return diag("E0500", `Unknown key \`${k}\` in ${subject(path)}.`, nodeSpan(file, key, whole), help);
      });
    case "invalid_type": {
      const expected = EXPECTED[issue.expected ?? ""] ?? issue.expected ?? "something else";
      const last = path[path.length - 1];
      if (at.depth < path.length) {
        // Missing: point at the mapping that should have it.
        const d = describeKey(last);
        return [diag("E0500", `${cap(subject(path.slice(0, -1)))} has no \`${String(last)}\`.`, parentKeySpan(), `add \`${String(last)}: …\`${d ? ` (${d})` : ""}`)];
      }
      const d = describeKey(last);
      return [diag("E0500", `${cap(subject(path))} must be ${expected}, but it is ${kindOf(at.value)}.`, nodeSpan(file, at.value ?? at.key, whole), d ? `it is ${d}` : undefined)];
    }
    case "invalid_key": {
      const why = issue.issues?.[0]?.message ?? "is not allowed here";
      const key = String(path[path.length - 1]);
      return [diag("E0500", `\`${key}\` in ${subject(path.slice(0, -1))} ${why}.`, nodeSpan(file, at.key, whole))];
    }
    default: {
      const target = at.depth === path.length ? (at.value ?? at.key) : undefined;
      const d = describeKey(path[path.length - 1]);
      return [diag("E0500", `${cap(subject(path))} ${issue.message.replace(/\.$/, "")}.`, target ? nodeSpan(file, target, whole) : parentKeySpan(), d ? `it is ${d}` : undefined)];
    }
  }
}
