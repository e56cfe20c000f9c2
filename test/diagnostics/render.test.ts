import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { countSeverities, renderAll, renderSummary, renderText } from "../../src/diagnostics/render.js";
import { diag, spanOf, stripAnsi } from "./helpers.js";

const plain = { color: false } as const;

// Line 63 of a made-up file, so the gutter is two digits wide as in the spec's example.
const TYPO_FILE = "recipes/typo.flow";
const TYPO =
  "\n".repeat(62) +
  "  stage anneal { until = 1_024_000, mix { clean.web = 50%, clean.code = 25%, clean.mth = 25% } }\n" +
  "}\n";

describe("renderText", () => {
  test("header, source line, caret underline with its label, note, help", () => {
    const d = diag({
      primary: { span: spanOf(TYPO_FILE, TYPO, "clean.mth"), message: "not declared" },
      notes: ["the sources of `clean` are `web`, `code`, `math`"],
      help: "did you mean `clean.math`?",
    });
    expect(renderText(d, new Map([[TYPO_FILE, TYPO]]), plain)).toBe(
      [
        "recipes/typo.flow:63:78: error[E0101]: Unknown source `clean.mth`.",
        "   |",
        "63 |   stage anneal { until = 1_024_000, mix { clean.web = 50%, clean.code = 25%, clean.mth = 25% } }",
        "   |                                                                              ^^^^^^^^^ not declared",
        "   |",
        "   = note: the sources of `clean` are `web`, `code`, `math`",
        "help: did you mean `clean.math`?",
        "",
      ].join("\n"),
    );
  });

  test("no notes and no help: no trailing gutter line; a label without a message is just underlined", () => {
    const text = "a = 1\nb = 2x\n";
    const d = diag({ code: "E0002", message: "Unknown unit `x`.", primary: { span: spanOf("f.flow", text, "x") } });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toBe(
      ["f.flow:2:6: error[E0002]: Unknown unit `x`.", "  |", "2 | b = 2x", "  |      ^", ""].join("\n"),
    );
  });

  test("notes carry their own head; multi-line notes stay aligned", () => {
    const text = "x = 1\n";
    const d = diag({
      primary: { span: spanOf("f.flow", text, "1") },
      notes: ["expected: a quantity of tokens", "found: a bare number", "breakdown:\n  weights  2 GiB\n  grads    1 GiB"],
    });
    expect(renderText(d, new Map([["f.flow", text]]), plain).split("\n").slice(4)).toEqual([
      "  |",
      "  = expected: a quantity of tokens",
      "  = found: a bare number",
      "  = breakdown:",
      "      weights  2 GiB",
      "      grads    1 GiB",
      "",
    ]);
  });

  test("a secondary label left of the primary on the same line hangs below it", () => {
    const text = "  x = foo + bar\n";
    const d = diag({
      message: "Expected `tokens`, but got `steps`.",
      primary: { span: spanOf("f.flow", text, "bar"), message: "this is `steps`" },
      secondary: [{ span: spanOf("f.flow", text, "foo"), message: "this is `tokens`" }],
    });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toBe(
      [
        "f.flow:1:13: error[E0101]: Expected `tokens`, but got `steps`.",
        "  |",
        "1 |   x = foo + bar",
        "  |       ---   ^^^ this is `steps`",
        "  |       |",
        "  |       this is `tokens`",
        "",
      ].join("\n"),
    );
  });

  test("three labels on one line: the rightmost inline, the others stacked right to left", () => {
    const text = "mix { a = 50%, b = 30%, c = 30% }\n";
    const d = diag({
      code: "E0201",
      message: "Mix shares add up to 110%, not 100%.",
      primary: { span: spanOf("f.flow", text, "30%", 1), message: "30%" },
      secondary: [
        { span: spanOf("f.flow", text, "50%"), message: "50%" },
        { span: spanOf("f.flow", text, "30%", 0), message: "30%, so 80% so far" },
      ],
    });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toBe(
      [
        "f.flow:1:29: error[E0201]: Mix shares add up to 110%, not 100%.",
        "  |",
        "1 | mix { a = 50%, b = 30%, c = 30% }",
        "  |           ---      ---      ^^^ 30%",
        "  |           |        |",
        "  |           |        30%, so 80% so far",
        "  |           50%",
        "",
      ].join("\n"),
    );
  });

  test("a primary that does not end last hangs too, and a secondary that ends last is inline", () => {
    const text = "stage s { until = 100 }\n";
    const d = diag({
      primary: { span: spanOf("f.flow", text, "until"), message: "here" },
      secondary: [{ span: spanOf("f.flow", text, "100"), message: "this value" }],
    });
    expect(renderText(d, new Map([["f.flow", text]]), plain).split("\n").slice(3, 6)).toEqual([
      "  |           ^^^^^   --- this value",
      "  |           |",
      "  |           here",
    ]);
  });

  test("labels on distant lines: `...` between them; a single skipped line is shown instead", () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line${i + 1} = ${i + 1}`);
    const text = lines.join("\n") + "\n";
    const d = diag({
      code: "E0102",
      message: "Duplicate name `line3`.",
      primary: { span: spanOf("f.flow", text, "line11"), message: "second definition" },
      secondary: [
        { span: spanOf("f.flow", text, "line3"), message: "first definition" },
        { span: spanOf("f.flow", text, "line9"), message: "also close" },
      ],
    });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toBe(
      [
        "f.flow:11:1: error[E0102]: Duplicate name `line3`.",
        "   |",
        " 3 | line3 = 3",
        "   | ----- first definition",
        "...",
        " 9 | line9 = 9",
        "   | ----- also close",
        "10 | line10 = 10",
        "11 | line11 = 11",
        "   | ^^^^^^ second definition",
        "",
      ].join("\n"),
    );
  });

  test("a label in another file gets its own block after `:::`", () => {
    const main = 'import "lib.flow"\nsource web { uri = "x" }\n';
    const lib = "source web { uri = \"y\" }\n";
    const d = diag({
      code: "E0102",
      message: "Duplicate name `web`.",
      primary: { span: spanOf("/p/main.flow", main, "web"), message: "declared again here" },
      secondary: [{ span: spanOf("/p/lib/lib.flow", lib, "web"), message: "first declared here" }],
    });
    const texts = new Map([
      ["/p/main.flow", main],
      ["/p/lib/lib.flow", lib],
    ]);
    expect(renderText(d, texts, { color: false, cwd: "/p" })).toBe(
      [
        "main.flow:2:8: error[E0102]: Duplicate name `web`.",
        "  |",
        '2 | source web { uri = "x" }',
        "  |        ^^^ declared again here",
        "  ::: lib/lib.flow:1:8",
        "  |",
        '1 | source web { uri = "y" }',
        "  |        --- first declared here",
        "",
      ].join("\n"),
    );
  });

  test("a span over several lines is underlined to the end of its first line, then `…`", () => {
    const text = "train t {\n  tokens = 1T\n}\n";
    const d = diag({
      code: "E0301",
      message: "Train `t` has no `model`.",
      primary: { span: { file: "f.flow", start: 0, end: text.length - 1 }, message: "this block" },
    });
    expect(renderText(d, new Map([["f.flow", text]]), plain).split("\n").slice(2, 4)).toEqual([
      "1 | train t {",
      "  | ^^^^^^^^^… this block",
    ]);
  });

  test("a span that ends with its line's newline stays on one line", () => {
    const text = "a = 1\nb = 2\n";
    const d = diag({ primary: { span: { file: "f.flow", start: 0, end: 6 }, message: "m" } });
    expect(renderText(d, new Map([["f.flow", text]]), plain).split("\n")[3]).toBe("  | ^^^^^ m");
  });

  test("CRLF line ends: no stray carriage return in the snippet, lines counted once", () => {
    const text = "a = 1\r\nb = 2x\r\n";
    const d = diag({ primary: { span: spanOf("f.flow", text, "x"), message: "m" } });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toBe(
      ["f.flow:2:6: error[E0101]: Unknown source `clean.mth`.", "  |", "2 | b = 2x", "  |      ^ m", ""].join("\n"),
    );
  });

  test("a label message with a newline stays on its row", () => {
    const text = "x = 1\n";
    const d = diag({ primary: { span: spanOf("f.flow", text, "1"), message: "first\nsecond " } });
    expect(renderText(d, new Map([["f.flow", text]]), plain).split("\n")[3]).toBe("  |     ^ first second");
  });

  test("tabs are expanded to four columns in the line and under it", () => {
    const text = "\tx\t= 3x\n";
    const d = diag({ primary: { span: spanOf("f.flow", text, "3x"), message: "m" } });
    const out = renderText(d, new Map([["f.flow", text]]), plain).split("\n");
    expect(out[0]).toBe("f.flow:1:6: error[E0101]: Unknown source `clean.mth`.");
    expect(out[2]).toBe("1 |     x    = 3x");
    expect(out[3]).toBe("  |            ^^ m");
  });

  test("wide characters take two columns; underlines of wide text are twice as long", () => {
    const text = 'source 数据 { uri = "数据/x" }\n';
    const d = diag({ primary: { span: spanOf("f.flow", text, "数据", 1), message: "m" } });
    const out = renderText(d, new Map([["f.flow", text]]), plain).split("\n");
    expect(out[0]).toMatch(/^f\.flow:1:20: /);
    expect(out[3]).toBe("  |                      ^^^^ m");
    const caret = out[3]!.indexOf("^") - 4; // minus the gutter "  | "
    expect(caret).toBe("source 数据 { uri = \"".length + 2); // two wide characters before it
  });

  test("emoji (surrogate pairs, two columns) before a span keep the caret aligned", () => {
    const text = "x = \u{1F680} 2\n";
    const d = diag({ primary: { span: spanOf("f.flow", text, "2") } });
    expect(renderText(d, new Map([["f.flow", text]]), plain).split("\n").slice(0, 4)).toEqual([
      "f.flow:1:8: error[E0101]: Unknown source `clean.mth`.",
      "  |",
      "1 | x = \u{1F680} 2",
      "  |        ^",
    ]);
  });

  test("an empty span at the end of the file points one past the last character", () => {
    const text = "train t {\n  a = 1";
    const d = diag({ code: "E0001", message: "Expected `}`, but got the end of the file.", primary: { span: { file: "f.flow", start: text.length, end: text.length }, message: "expected `}`" } });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toBe(
      [
        "f.flow:2:8: error[E0001]: Expected `}`, but got the end of the file.",
        "  |",
        "2 |   a = 1",
        "  |        ^ expected `}`",
        "",
      ].join("\n"),
    );
  });

  test("warnings say `warning[W…]`", () => {
    const text = "x = 1\n";
    const d = diag({ code: "W0101", severity: "warning", message: "Unused source `x`.", primary: { span: spanOf("f.flow", text, "x") } });
    expect(renderText(d, new Map([["f.flow", text]]), plain)).toMatch(/^f\.flow:1:1: warning\[W0101\]: Unused source `x`\.\n/);
  });

  test("without the file's text: the header alone, then notes and help", () => {
    const d = diag({ primary: { span: { file: "gone.flow", start: 3, end: 5 } }, notes: ["n"], help: "h" });
    expect(renderText(d, new Map(), plain)).toBe(
      ["gone.flow: error[E0101]: Unknown source `clean.mth`.", "  = note: n", "help: h", ""].join("\n"),
    );
  });

  test("absolute paths are shown relative to cwd, and left alone outside it", () => {
    const text = "x\n";
    const inside = diag({ primary: { span: { file: "/home/u/proj/a/b.flow", start: 0, end: 1 } } });
    const outside = diag({ primary: { span: { file: "/etc/c.flow", start: 0, end: 1 } } });
    const texts = new Map([
      ["/home/u/proj/a/b.flow", text],
      ["/etc/c.flow", text],
    ]);
    expect(renderText(inside, texts, { color: false, cwd: "/home/u/proj" })).toMatch(/^a\/b\.flow:1:1: /);
    expect(renderText(outside, texts, { color: false, cwd: "/home/u/proj" })).toMatch(/^\/etc\/c\.flow:1:1: /);
  });

  test("color only when asked; stripping it gives the plain rendering", () => {
    const d = diag({
      primary: { span: spanOf(TYPO_FILE, TYPO, "clean.mth"), message: "not declared" },
      secondary: [{ span: spanOf(TYPO_FILE, TYPO, "clean.web"), message: "fine" }],
      notes: ["expected: x"],
      help: "did you mean `clean.math`?",
    });
    const texts = new Map([[TYPO_FILE, TYPO]]);
    const colored = renderText(d, texts, { color: true });
    const uncolored = renderText(d, texts, plain);
    expect(uncolored).not.toContain("\x1b[");
    expect(colored).toContain("\x1b[1;31merror[E0101]\x1b[0m");
    expect(colored).toContain("\x1b[1;31m^^^^^^^^^\x1b[0m");
    expect(colored).toContain("\x1b[1;34m---------\x1b[0m");
    expect(stripAnsi(colored)).toBe(uncolored);
  });

  test("spans beyond the text are clamped, never thrown on", () => {
    const text = "abc\n";
    const d = diag({ primary: { span: { file: "f.flow", start: 40, end: 90 } }, secondary: [{ span: { file: "f.flow", start: -5, end: 2 } }] });
    expect(() => renderText(d, new Map([["f.flow", text]]), plain)).not.toThrow();
  });

  test("property: any text and any spans render without throwing, with a well-formed header", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.array(fc.tuple(fc.integer({ min: -3, max: 210 }), fc.integer({ min: -3, max: 210 }), fc.option(fc.string({ maxLength: 10 }))), { minLength: 1, maxLength: 4 }),
        (text, spans) => {
          const [first, ...rest] = spans.map(([a, b, m]) => ({ span: { file: "f.flow", start: Math.min(a, b), end: Math.max(a, b) }, ...(m !== null ? { message: m } : {}) }));
          const d = diag({ primary: first!, secondary: rest, notes: ["x"], help: "y" });
          const out = renderText(d, new Map([["f.flow", text]]), { color: true });
          expect(stripAnsi(out).split("\n")[0]).toMatch(/^f\.flow:\d+:\d+: error\[E0101\]: /);
          expect(out.endsWith("help: y\n") || out.endsWith("\x1b[1;36mhelp\x1b[0m: y\n")).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("summary", () => {
  test("counts and wording", () => {
    expect(renderSummary({ errors: 2, warnings: 1, notes: 0 }, plain)).toBe("error: 2 errors, 1 warning emitted\n");
    expect(renderSummary({ errors: 1, warnings: 0, notes: 0 }, plain)).toBe("error: 1 error emitted\n");
    expect(renderSummary({ errors: 0, warnings: 3, notes: 0 }, plain)).toBe("warning: 3 warnings emitted\n");
    expect(renderSummary({ errors: 0, warnings: 0, notes: 2 }, plain)).toBe("");
  });

  test("renderAll separates diagnostics by a blank line and ends with the summary", () => {
    const text = "a b\n";
    const ds = [
      diag({ primary: { span: spanOf("f.flow", text, "a") } }),
      diag({ code: "W0001", severity: "warning", message: "w", primary: { span: spanOf("f.flow", text, "b") } }),
    ];
    expect(countSeverities(ds)).toEqual({ errors: 1, warnings: 1, notes: 0 });
    const out = renderAll(ds, new Map([["f.flow", text]]), plain);
    expect(out).toBe(
      [
        "f.flow:1:1: error[E0101]: Unknown source `clean.mth`.",
        "  |",
        "1 | a b",
        "  | ^",
        "",
        "f.flow:1:3: warning[W0001]: w",
        "  |",
        "1 | a b",
        "  |   ^",
        "",
        "error: 1 error, 1 warning emitted",
        "",
      ].join("\n"),
    );
  });
});

describe("scale", () => {
  test("many diagnostics in a large file: the file is indexed once, not once per diagnostic", () => {
    const line = "  stage s { until = 1_000, mix { a.b = 50%, c.d = 50% } }\n";
    const text = line.repeat(50_000);
    const ds = Array.from({ length: 2_000 }, (_, i) => {
      const start = (i * 25) * line.length + 34;
      return diag({ primary: { span: { file: "big.flow", start, end: start + 3 }, message: "here" } });
    });
    const t0 = performance.now();
    const out = renderAll(ds, new Map([["big.flow", text]]), plain);
    const ms = performance.now() - t0;
    expect(out.split("\n").filter((l) => l.startsWith("big.flow:"))).toHaveLength(2_000);
    expect(out).toContain("big.flow:49976:35: error[E0101]");
    // Re-indexing 3 MB per diagnostic would take tens of seconds; once is a few milliseconds.
    expect(ms).toBeLessThan(3_000);
  });
});
