// Python literals for the emitted ray/dag.py. Strings go through JSON.stringify: every JSON string
// escape (\" \\ \n \t \uXXXX …) means the same in a Python string literal.

export type PyValue = string | number | boolean | null | readonly PyValue[] | { readonly [k: string]: PyValue };

export function pyStr(s: string): string {
  return JSON.stringify(s);
}

/** A Python literal: None/True/False, ints as written (exact), lists, dicts with string keys. */
export function py(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`no Python literal for ${v}`);
    return Number.isInteger(v) ? String(v) : JSON.stringify(v);
  }
  if (typeof v === "string") return pyStr(v);
  if (Array.isArray(v)) return `[${v.map(py).join(", ")}]`;
  const entries = Object.entries(v as { readonly [k: string]: PyValue });
  return `{${entries.map(([k, x]) => `${pyStr(k)}: ${py(x)}`).join(", ")}}`;
}

/** `name(a, b, k=v, …)`: a call with keyword arguments in the order given. */
export function call(name: string, args: readonly string[], kwargs: Readonly<Record<string, string>> = {}): string {
  return `${name}(${[...args, ...Object.entries(kwargs).map(([k, x]) => `${k}=${x}`)].join(", ")})`;
}
