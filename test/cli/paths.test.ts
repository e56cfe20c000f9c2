// Paths through the built binary: `flowc plan --json` is byte-identical from any working directory
// (and through a linked directory), the plan's identity does not depend on where the program lives,
// and FILEs or imports that are pipes, devices or directories are refused at once, never waited on.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildBin, REPO, scratch, spawnCli } from "./harness.js";

let bin = "";
beforeAll(async () => {
  bin = await buildBin("paths");
}, 120_000);

const TINY = fs.readFileSync(path.join(REPO, "examples/tiny.flow"), "utf8");
const CLUSTER = /^cluster local \{[^}]*\}\n/m.exec(TINY)![0];
const files = scratch({
  "proj/lib/cluster.flow": CLUSTER,
  "proj/main.flow": `import "lib/cluster.flow"\n${TINY.replace(CLUSTER, "")}`,
  "moved/elsewhere/lib/cluster.flow": CLUSTER,
  "moved/elsewhere/main.flow": `import "lib/cluster.flow"\n${TINY.replace(CLUSTER, "")}`,
});
afterAll(files.cleanup);
const tmp = fs.realpathSync(files.dir);
fs.symlinkSync(path.join(REPO, "examples"), path.join(tmp, "examples-link"));

async function planJson(cwd: string, file: string): Promise<string> {
  const r = await spawnCli(bin, ["plan", "--json", file], { cwd, timeout: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe("flowc plan --json does not depend on the working directory", () => {
  // The plan holds no path of the compiling machine (relative inputs resolve against the input root
  // given at run time), so the bytes are equal from every cwd.
  test("examples/tiny.flow from the repository, from examples/, by absolute path and through a link", async () => {
    const fromRoot = await planJson(REPO, "examples/tiny.flow");
    expect(await planJson(path.join(REPO, "examples"), "tiny.flow")).toBe(fromRoot);
    expect(await planJson(os.tmpdir(), path.join(REPO, "examples/tiny.flow"))).toBe(fromRoot);
    expect(await planJson(tmp, "examples-link/tiny.flow")).toBe(fromRoot);
    const plan = JSON.parse(fromRoot) as { source_file: string };
    expect(plan.source_file).toBe("tiny.flow");
  }, 120_000);

  test("a program with imports in a subdirectory, from its directory, from below it and from /", async () => {
    const main = path.join(tmp, "proj/main.flow");
    const fromDir = await planJson(path.join(tmp, "proj"), "main.flow");
    expect(await planJson(path.join(tmp, "proj/lib"), "../main.flow")).toBe(fromDir);
    expect(await planJson("/", main)).toBe(fromDir);
  }, 120_000);

  test("the same files elsewhere have the same plan: source_file, source_hash and all", async () => {
    const a = JSON.parse(await planJson(tmp, "proj/main.flow")) as Record<string, unknown>;
    const b = JSON.parse(await planJson(tmp, "moved/elsewhere/main.flow")) as Record<string, unknown>;
    expect(b.source_file).toBe("main.flow");
    expect(b.source_hash).toBe(a.source_hash);
    expect(b).toEqual(a);
    // …and a changed import changes the hash.
    fs.appendFileSync(path.join(tmp, "moved/elsewhere/lib/cluster.flow"), "// edited\n");
    const c = JSON.parse(await planJson(tmp, "moved/elsewhere/main.flow")) as Record<string, unknown>;
    expect(c.source_hash).not.toBe(a.source_hash);
  }, 120_000);
});

describe("files that are not regular files are refused at once", () => {
  const fifo = path.join(tmp, "pipe.flow");
  beforeAll(() => {
    execFileSync("mkfifo", [fifo]);
    fs.writeFileSync(path.join(tmp, "imports-pipe.flow"), 'import "pipe.flow"\n');
  });
  const quick = { cwd: tmp, timeout: 20_000 };

  test.each(["check", "fmt", "plan", "test", "run"])("flowc %s on a FIFO: exit 2 with the reason, no wait for a writer", async (cmd) => {
    const r = await spawnCli(bin, [cmd, "pipe.flow"], quick);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `flowc ${cmd}: cannot read \`pipe.flow\`: is a named pipe (FIFO), not a regular file\n` });
  }, 30_000);

  test("an import of a FIFO: E0014 at the import, exit 1", async () => {
    const r = await spawnCli(bin, ["check", "imports-pipe.flow"], quick);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("imports-pipe.flow:1:8: error[E0014]: Cannot read `pipe.flow`: is a named pipe (FIFO), not a regular file.");
  }, 30_000);

  test.each(["check", "fmt", "plan"])("flowc %s /dev/zero: exit 2 at once, nothing read", async (cmd) => {
    const r = await spawnCli(bin, [cmd, "/dev/zero"], quick);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `flowc ${cmd}: cannot read \`/dev/zero\`: is a character device, not a regular file\n` });
  }, 30_000);
});
