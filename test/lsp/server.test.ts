// The language server as an editor drives it (a real client over stdio to `flowc lsp`): diagnostics
// while `examples/tiny.flow` is edited into each error of `examples/errors/`, at the ranges
// `flowc check` reports; hover; definition, references and rename, across imports.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnostic, Hover, Location, Position, WorkspaceEdit } from "vscode-languageserver-protocol";
import { checkPath } from "../../src/pipeline.js";
import { LineIndex } from "../../src/source/lineIndex.js";
import { buildBin, REPO, scratch } from "../cli/harness.js";
import { applyEdits, LspClient, pos, textAt } from "./client.js";

const TINY = join(REPO, "examples/tiny.flow");
const tiny = readFileSync(TINY, "utf8");
let client: LspClient;

beforeAll(async () => {
  client = await LspClient.start(await buildBin("lsp-server"), { cwd: REPO });
}, 180_000);
afterAll(async () => {
  expect(await client.stop()).toBe(0);
});

/** What `flowc check` reports for a file: code and 0-based range of each error and warning. */
function checked(path: string) {
  const text = readFileSync(path, "utf8");
  const idx = new LineIndex(text);
  const p = (o: number) => ({ line: idx.position(o).line - 1, character: idx.position(o).col - 1 });
  return checkPath(path).diagnostics.map((d) => ({ code: d.code, range: { start: p(d.primary.span.start), end: p(d.primary.span.end) } }));
}
const shown = (ds: readonly Diagnostic[]) => ds.map((d) => ({ code: d.code, range: d.range }));

describe("diagnostics as tiny.flow is edited", () => {
  const errors = readdirSync(join(REPO, "examples/errors")).filter((f) => f.endsWith(".flow")).sort();

  it("has none for tiny.flow", async () => {
    const { diagnostics } = await client.open(TINY);
    expect(diagnostics).toEqual([]);
  });

  it.each(errors)("edited into errors/%s: the diagnostics `flowc check` reports, at the same ranges", async (name) => {
    const uri = client.uri(TINY);
    const target = readFileSync(join(REPO, "examples/errors", name), "utf8");
    const ds = await client.setText(uri, target);
    expect(shown(ds)).toEqual(checked(join(REPO, "examples/errors", name)));
    expect(ds.length).toBeGreaterThan(0);
    const d = ds.find((x) => x.severity === 1)!;
    expect(d.source).toBe("flowc");
    // Back to the file that checks: the diagnostics go away.
    expect(await client.setText(uri, tiny)).toEqual([]);
  });

  it("typo: the message, its help line, and the misspelt name under the range", async () => {
    const uri = client.uri(TINY);
    const ds = await client.setText(uri, tiny.replace("clean.math = 25%", "clean.mth = 25%"));
    expect(ds).toHaveLength(1);
    expect(ds[0]!.code).toBe("E0101");
    expect(textAt(client.texts.get(uri)!, ds[0]!.range)).toBe("clean.mth");
    expect(ds[0]!.message).toContain("help: did you mean `clean.math`?");
    await client.setText(uri, tiny);
  });

  it("epochs: the source's declared tokens as a related location", async () => {
    const uri = client.uri(TINY);
    const ds = await client.setText(uri, readFileSync(join(REPO, "examples/errors/epochs.flow"), "utf8"));
    const d = ds.find((x) => x.code === "E0140")!;
    expect(d.relatedInformation?.[0]?.message).toBe("300K tokens declared");
    expect(textAt(client.texts.get(uri)!, d.relatedInformation![0]!.location.range)).toBe("300K");
    expect(d.message).toContain("10.24 epochs");
    await client.setText(uri, tiny);
  });

  it("keeps up with many small edits: the last version's diagnostics win", async () => {
    const uri = client.uri(TINY);
    const at = pos(tiny, "ffn      = 256", 13);
    // Type `256` → `2560000`, one character at a time, without waiting for diagnostics.
    const steps = ["0", "0", "0", "0"].map((ch, i) => ({ range: { start: { ...at, character: at.character + 1 + i }, end: { ...at, character: at.character + 1 + i } }, newText: ch }));
    const waits: Promise<Diagnostic[]>[] = [];
    for (const s of steps) waits.push(client.edit(uri, [s]));
    await Promise.all(waits);
    expect(client.texts.get(uri)).toContain("ffn      = 2560000");
    // A 2.56M-wide MLP does not fit 2 CPU ranks: the memory error, on the `parallel` block.
    expect(client.published(uri)!.map((d) => d.code)).toContain("E0160");
    expect(await client.setText(uri, tiny)).toEqual([]);
  });
});

const hover = async (uri: string, p: Position) => {
  const h = await client.request<Hover | null>("textDocument/hover", { textDocument: { uri }, position: p });
  return h ? (h.contents as { value: string }).value : "";
};

describe("hover", () => {
  const uri = () => client.uri(TINY);

  it("a quantity: its exact value", async () => {
    expect(await hover(uri(), pos(tiny, "524_288", 2))).toContain("524,288 tokens");
    expect(await hover(uri(), pos(tiny, "30m", 1))).toContain("1,800 s (30 min)");
    expect(await hover(uri(), pos(tiny, "500K", 1))).toContain("500,000 tokens");
  });

  it("`1.3T` is 1,300,000,000,000 tokens (smollm2)", async () => {
    const path = join(REPO, "examples/smollm2-1.7b.flow");
    const { uri: u } = await client.open(path);
    const text = readFileSync(path, "utf8");
    expect(await hover(u, pos(text, "1.3T", 1))).toContain("1,300,000,000,000 tokens");
    expect(await hover(u, pos(text, "11T - 75B", 1))).toContain("11,000,000,000,000");
    // A train on 256 H100s: memory per GPU and GPU-hours.
    const t = await hover(u, pos(text, "train pretrain", 7));
    expect(t).toMatch(/memory per GPU: [\d.]+ GiB/);
    expect(t).toContain("5,245,209 steps");
    expect(t).toMatch(/GPU-hours/);
    await client.conn.sendNotification("textDocument/didClose", { textDocument: { uri: u } });
  });

  it("a source: available tokens and epochs per stage", async () => {
    const h = await hover(uri(), pos(tiny, "source math", 8));
    expect(h).toContain("300,000 tokens");
    expect(h).toContain("240,000 tokens available");
    // tokens(pretrain.anneal, clean.math) == 49_152 (the file's own assert): 49,152 of 240,000 = 0.20 epochs.
    expect(h).toContain("`anneal` 49,152 (0.20 epochs)");
  });

  it("a dataset in a mix: its quota in that stage", async () => {
    const h = await hover(uri(), pos(tiny, "clean.math = 25%", 7));
    expect(h).toContain("240,000 tokens available");
    expect(h).toContain("In stage `anneal`: **384 sequences = 49,152 tokens**");
  });

  it("a run: parameters, tokens, steps, memory per rank and GPU-hours", async () => {
    const h = await hover(uri(), pos(tiny, "train pretrain", 7));
    expect(h).toContain("524,288 tokens in 64 steps");
    expect(h).toMatch(/memory per rank: [\d.]+ [KMG]iB/);
    expect(h).toContain("weights");
    expect(h).toMatch(/GPU-hours/);
    expect(h).toContain("| warm | 0 | 40 |");
  });

  it("a stage and a `parallel` block: their memory breakdown", async () => {
    const st = await hover(uri(), pos(tiny, "stage anneal", 7));
    expect(st).toContain("steps 40 to 64");
    expect(st).toContain("196,608 tokens");
    expect(st).toMatch(/memory per rank: \*\*[\d.]+ [KMG]iB/);
    const par = await hover(uri(), pos(tiny, "parallel {", 2));
    expect(par).toContain("tp 1 · pp 1 · dp 2");
    expect(par).toMatch(/weights [\d.]+ [KMG]iB, gradients/);
  });

  it("an attribute: its type, default and meaning", async () => {
    const h = await hover(uri(), pos(tiny, "precision   = fp32", 2));
    expect(h).toContain("default `bf16`");
    expect(h).toContain("FP8");
  });

  it("a diagnostic: its code explained", async () => {
    const u = uri();
    const broken = tiny.replace("clean.math = 25%", "clean.mth = 25%");
    await client.setText(u, broken);
    const h = await hover(u, pos(broken, "clean.mth", 3));
    expect(h).toContain("error[E0101]");
    expect(h).toContain("flowc explain E0101");
    await client.setText(u, tiny);
  });
});

describe("definition, references, rename", () => {
  const uri = () => client.uri(TINY);
  const def = (u: string, p: Position) => client.request<Location | null>("textDocument/definition", { textDocument: { uri: u }, position: p });

  it("goes from a dataset's parts to the curation and the source, and from `tok.vocab` to the attribute", async () => {
    const u = uri();
    const math = await def(u, pos(tiny, "epochs(clean.math)", 14));
    expect(math!.range.start).toEqual(pos(tiny, "source math", 7));
    const clean = await def(u, pos(tiny, "epochs(clean.math)", 8));
    expect(clean!.range.start).toEqual(pos(tiny, "curate clean", 7));
    const vocab = await def(u, pos(tiny, "tok.vocab", 5));
    expect(vocab!.range.start).toEqual(pos(tiny, "vocab    = 4096"));
    const stage = await def(u, pos(tiny, "pretrain.anneal", 10));
    expect(stage!.range.start).toEqual(pos(tiny, "stage anneal", 6));
  });

  it("finds every reference of a run, and never an enum word of the same spelling", async () => {
    const u = uri();
    const refs = await client.request<Location[]>("textDocument/references", { textDocument: { uri: u }, position: pos(tiny, "train pretrain", 7), context: { includeDeclaration: true } });
    expect(refs.map((r) => textAt(tiny, r.range))).toEqual(["pretrain", "pretrain", "pretrain", "pretrain"]);
    // `kind = web` names the kind of data, not source `web`.
    const web = await client.request<Location[]>("textDocument/references", { textDocument: { uri: u }, position: pos(tiny, "source web", 7), context: { includeDeclaration: false } });
    const lines = web.map((r) => r.range.start.line);
    expect(lines).not.toContain(pos(tiny, "kind = web").line);
    expect(web.map((r) => textAt(tiny, r.range))).toEqual(["web", "web", "web", "web"]); // train_on, from, two mix entries
  });

  it("renames a stage everywhere it is named", async () => {
    const u = uri();
    const prep = await client.request<{ placeholder: string }>("textDocument/prepareRename", { textDocument: { uri: u }, position: pos(tiny, "stage anneal", 7) });
    expect(prep.placeholder).toBe("anneal");
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: u }, position: pos(tiny, "stage anneal", 7), newName: "cooldown" });
    const out = applyEdits(tiny, edit.changes![u]!);
    expect(out).toContain("stage cooldown {");
    expect(out).toContain("tokens(pretrain.cooldown, clean.math)");
    expect(out).not.toContain("anneal");
  });

  it("refuses a rename that would clash, or of an attribute", async () => {
    const u = uri();
    await expect(client.request("textDocument/rename", { textDocument: { uri: u }, position: pos(tiny, "source web", 7), newName: "code" })).rejects.toThrow(/already declared/);
    await expect(client.request("textDocument/rename", { textDocument: { uri: u }, position: pos(tiny, "source web", 7), newName: "9lives" })).rejects.toThrow(/not a name/);
    await expect(client.request("textDocument/prepareRename", { textDocument: { uri: u }, position: pos(tiny, "tok.vocab", 5) })).rejects.toThrow(/cannot be renamed/);
  });

  describe("across imports", () => {
    const lib = [
      'source web  { uri = "data/tiny/web/*.jsonl",  format = jsonl, tokens = 2M, kind = web }',
      "tokenizer tok { kind = bpe, vocab = 4096, train_on = [web] }",
      "curate clean { from = [web], steps { }, tokenize = tok }",
      "",
    ].join("\n");
    const main = tiny
      .replace(/source web .*\n/, 'import "lib.flow"\n')
      .replace(/tokenizer tok \{[^}]*\}\n/, "")
      .replace(/curate clean \{[\s\S]*?\n\}\n/, "curate clean2 { from = [code, math], steps { }, tokenize = tok }\n")
      .replaceAll("clean.code", "clean2.code").replaceAll("clean.math", "clean2.math");
    const files = scratch({ "lib.flow": lib, "main.flow": main });
    afterAll(files.cleanup);

    it("checks the importing file with the imported one's names, from the open documents first", async () => {
      const { uri: mu, diagnostics } = await client.open(join(files.dir, "main.flow"));
      expect(diagnostics.filter((d) => d.severity === 1)).toEqual([]);
      // An unsaved edit of the imported file is what the importing file sees.
      const { uri: lu } = await client.open(join(files.dir, "lib.flow"));
      const unknown = (ds: Diagnostic[]) => ds.some((d) => d.code === "E0101");
      const wait = client.waitFor(mu, undefined, unknown);
      await client.setText(lu, lib.replace("curate clean {", "curate cleaned {"));
      expect((await wait).find((d) => d.code === "E0101")!.message).toContain("`clean.web`");
      const back = client.waitFor(mu, undefined, (ds) => !unknown(ds));
      await client.setText(lu, lib);
      await back;
    });

    it("goes to a definition in the imported file, and renames there too", async () => {
      const mu = client.uri(join(files.dir, "main.flow"));
      const lu = client.uri(join(files.dir, "lib.flow"));
      const d = await def(mu, pos(main, "clean.web", 8));
      expect(d!.uri).toBe(lu);
      expect(d!.range.start).toEqual(pos(lib, "source web", 7));
      const imp = await def(mu, pos(main, '"lib.flow"', 2));
      expect(imp!.uri).toBe(lu);
      const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: lu }, position: pos(lib, "source web", 7), newName: "webtext" });
      expect(Object.keys(edit.changes!).sort()).toEqual([lu, mu].sort());
      const newLib = applyEdits(lib, edit.changes![lu]!);
      expect(newLib).toContain("source webtext");
      expect(newLib).toContain("kind = web }");
      expect(newLib).toContain("from = [webtext]");
      expect(applyEdits(main, edit.changes![mu]!)).toContain("clean.webtext = 70%");
    });
  });
});
