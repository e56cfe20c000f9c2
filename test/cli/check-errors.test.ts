// The acceptance examples end to end, through the built binary (the pipeline's load and check stages):
// tiny and smollm2 check clean; each of errors/*.flow fails at the line its header names.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { buildBin, REPO, spawnCli } from "./harness.js";

let bin = "";
beforeAll(async () => {
  bin = await buildBin("check-errors");
}, 120_000);

describe("flowc check on examples/", () => {
  test.each(["examples/tiny.flow", "examples/smollm2-1.7b.flow"])("%s checks clean: exit 0", async (file) => {
    const r = await spawnCli(bin, ["check", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/error\[/);
  });

  const errorsDir = path.join(REPO, "examples/errors");
  const cases = fs.readdirSync(errorsDir).filter((f) => f.endsWith(".flow")).sort();
  test.each(cases)("errors/%s fails at the line its header names", async (name) => {
    const text = fs.readFileSync(path.join(errorsDir, name), "utf8");
    const r = await spawnCli(bin, ["check", "--format", "json", `examples/errors/${name}`]);
    expect(r.code, r.stderr).toBe(1);
    const ds = JSON.parse(r.stdout) as { line: number; severity: string }[];
    const errors = ds.filter((d) => d.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    // Headers say "on the 'stage anneal' line" or "located on the 'stage warm' line".
    const quoted = /on the '([^']+)' line/.exec(text.split("\n").slice(0, 4).join("\n"))?.[1];
    if (quoted !== undefined) {
      const squash = (s: string) => s.replace(/\s+/g, " ");
      const want = text.split("\n").findIndex((l, i) => i > 2 && squash(l).includes(squash(quoted))) + 1;
      expect(want).toBeGreaterThan(0);
      expect(errors.map((d) => d.line)).toContain(want);
    }
  });
});
