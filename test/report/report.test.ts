// `flowc report`: one self-contained HTML page. Checked for what it holds (every chart, the tables,
// nothing to fetch), then opened in headless Chromium (Debian's `chromium`): no console error, the
// charts laid out with a size, and a screenshot saved to test-results/report-*.png.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { planPath } from "../../src/pipeline.js";
import { renderReport } from "../../src/report/html.js";
import { runCli } from "../cli/harness.js";
import { CHROMIUM, openPage } from "../helpers/chromium.js";

if (!CHROMIUM && process.env.CI) throw new Error("chromium is missing: .ci/run installs it");

const dir = mkdtempSync(join(tmpdir(), "flowc-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reportOf = (f: string) => {
  const res = planPath(f);
  if (!res.plan || !res.checked) throw new Error(`${f} does not plan`);
  return { html: renderReport(res.plan, res.checked, f.split("/").pop()!), plan: res.plan };
};

describe("flowc report", () => {
  it("holds every chart and the plan's tables, and nothing it would fetch", () => {
    const { html, plan } = reportOf("examples/olmo3-32b.flow");
    for (const t of plan.trains) {
      for (const title of [`Mix over tokens — ${t.name}`, `Learning rate — ${t.name}`, `Memory per GPU by stage — ${t.name}`, `GPU-hours by stage — ${t.name}`]) {
        expect(html).toContain(title);
      }
      for (const s of t.stages) expect(html).toContain(`<h4>mix of ${s.name}</h4>`);
    }
    expect(html).toContain("Epochs per dataset against their caps");
    expect(html).toContain('aria-label="job DAG"');
    for (const s of plan.steps) expect(html).toContain(`<title>${s.id}`);
    // The tables of `flowc plan`: its text, and the datasets' figures.
    expect(html).toContain("2,478,000,676,864");
    expect(html).toMatch(/<td>web\.cc<\/td><td class="num">2,065,000,000,000<\/td>/);
    // Self-contained: no script, stylesheet link, external URL, font or image.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|https?:\/\/|src=/i);
  });

  it("the command writes the file; a missing -o is a usage error; an unwritable path is exit 2", async () => {
    const out = join(dir, "tiny.html");
    const ok = await runCli(["report", "examples/tiny.flow", "-o", out]);
    expect(ok.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(reportOf("examples/tiny.flow").html.replace("tiny.flow", "tiny.flow"));
    const missing = await runCli(["report", "examples/tiny.flow"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--out");
    const bad = await runCli(["report", "examples/tiny.flow", "-o", join(dir, "no/such/dir/r.html")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cannot write");
    const broken = await runCli(["report", "examples/errors/mix-sum.flow", "-o", join(dir, "x.html")]);
    expect(broken.code).toBe(1);
  });

  it.skipIf(!CHROMIUM).each(["smollm2-1.7b", "olmo3-32b", "tiny"])("%s renders in headless Chromium with no console error", async (name) => {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, reportOf(`examples/${name}.flow`).html);
    const r = await openPage(pathToFileURL(file).href, {
      evaluate: [
        // Every chart laid out with a real size, and the number of drawn shapes.
        "[...document.querySelectorAll('svg')].map(s => { const b = s.getBoundingClientRect(); return [b.width, b.height]; })",
        "document.querySelectorAll('svg polygon, svg rect, svg polyline, svg path').length",
        "document.querySelectorAll('figure').length",
      ],
    });
    expect(r.errors).toEqual([]);
    const sizes = r.values[0] as [number, number][];
    expect(sizes.length).toBeGreaterThanOrEqual(6);
    for (const [w, h] of sizes) expect(w > 100 && h > 50).toBe(true);
    expect(r.values[1] as number).toBeGreaterThan(20);
    expect(r.screenshot.subarray(1, 4).toString()).toBe("PNG");
    mkdirSync("test-results", { recursive: true });
    writeFileSync(`test-results/report-${name}.png`, r.screenshot);
  }, 120_000);
});
