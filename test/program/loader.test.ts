// The loader on real files in a scratch directory: canonical paths (one file however it is reached),
// imports that must name .flow files, files that are not regular or are too large, system errors in
// words. Pipes and devices are tested through the built CLI with a timeout (test/cli/paths.test.ts),
// since a regression there would block this process rather than fail.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderAll } from "../../src/diagnostics/render.js";
import { errnoWords, memoryHost, nodeHost } from "../../src/program/host.js";
import { loadProgram, MAX_SOURCE_BYTES, readSource } from "../../src/program/loader.js";
import { checkPath, planPath } from "../../src/pipeline.js";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const TINY = fs.readFileSync(path.join(REPO, "examples/tiny.flow"), "utf8");
const CLUSTER = /^cluster local \{[^}]*\}\n/m.exec(TINY)![0];
/** tiny.flow without its cluster, which lives in a file it imports. */
const REST = TINY.replace(CLUSTER, "");

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowc-loader-")));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (rel: string, text: string) => {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};
const link = (rel: string, target: string) => {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.symlinkSync(target, p);
  return p;
};
const codes = (r: { diagnostics: readonly { code: string }[] }) => r.diagnostics.map((d) => d.code);
const rendered = (r: ReturnType<typeof loadProgram>) => renderAll(r.diagnostics, r.value.texts, { color: false, cwd: dir });

describe("canonical paths", () => {
  write("lib/cluster.flow", CLUSTER);
  link("alias", "lib");
  link("cluster-link.flow", "lib/cluster.flow");

  it("a file imported directly, through a linked directory and through a linked file is one file", () => {
    const main = write("main.flow", `import "lib/cluster.flow"\nimport "alias/cluster.flow"\nimport "cluster-link.flow"\n${REST}`);
    const res = checkPath(main);
    expect(res.diagnostics.filter((d) => d.severity === "error")).toEqual([]); // no "declared twice" (E0103)
    expect(res.program.files.map((f) => path.relative(dir, f.path))).toEqual(["lib/cluster.flow", "main.flow"]);
  });

  it("spans hold absolute canonical paths, whatever path the entry was given by", () => {
    const viaLink = loadProgram(path.join(dir, "alias/cluster.flow"));
    expect(viaLink.value.entryPath).toBe(path.join(dir, "lib/cluster.flow"));
    expect(viaLink.value.entry.span.file).toBe(path.join(dir, "lib/cluster.flow"));
    expect([...viaLink.value.texts.keys()]).toEqual([path.join(dir, "lib/cluster.flow")]);
  });

  it("the entry reached through a link is the same file as the entry itself (a cycle, not two files)", () => {
    write("self.flow", 'import "self-link.flow"\n');
    link("self-link.flow", "self.flow");
    const r = loadProgram(path.join(dir, "self.flow"));
    expect(codes(r)).toEqual(["E0011"]);
    expect(r.diagnostics[0]!.message).toBe("Import cycle: self.flow → self.flow.");
  });

  it("messages name files relative to the entry's directory, not the working directory", () => {
    write("cyc/a.flow", 'import "sub/b.flow"\n');
    write("cyc/sub/b.flow", 'import "../a.flow"\n');
    const r = loadProgram(path.join(dir, "cyc/a.flow"));
    expect(r.diagnostics.map((d) => d.message)).toEqual(["Import cycle: a.flow → sub/b.flow → a.flow."]);
  });
});

describe("imports name .flow files", () => {
  const passwd = fs.existsSync("/etc/passwd") ? fs.readFileSync("/etc/passwd", "utf8") : "root:x:0:0:root:/root:/bin/sh\n";
  const secretLine = passwd.split("\n")[0]!;

  it("`import \"../../../../etc/passwd\"` is refused (E0013) and the file is never read", () => {
    const entry = write("evil/deep/er/main.flow", 'import "../../../../../../../../../etc/passwd"\n');
    const r = loadProgram(entry);
    expect(codes(r)).toEqual(["E0013"]);
    expect([...r.value.texts.keys()]).toEqual([entry]);
    const text = rendered(r);
    expect(text).toContain("error[E0013]: `../../../../../../../../../etc/passwd` is not a .flow file; only .flow files can be imported.");
    expect(text).not.toContain(secretLine);
  });

  it("a .flow link to a file that is not a .flow file is refused too, without reading it", () => {
    link("evil/passwd.flow", "/etc/passwd");
    const entry = write("evil/main.flow", 'import "passwd.flow"\n');
    const r = loadProgram(entry);
    expect(codes(r)).toEqual(["E0013"]);
    expect(r.diagnostics[0]!.message).toBe("`passwd.flow` is a link to `/etc/passwd`, which is not a .flow file.");
    expect([...r.value.texts.keys()]).toEqual([entry]);
    expect(rendered(r)).not.toContain(secretLine);
  });

  it("an import without the extension is refused before the file system is asked", () => {
    let asked = 0;
    const host = memoryHost({ "/m/main.flow": 'import "lib/cluster"\n', "/m/lib/cluster": CLUSTER });
    const counting = { realpath: (p: string) => (asked++, host.realpath(p)), read: host.read };
    const r = loadProgram("/m/main.flow", { host: counting });
    expect(codes(r)).toEqual(["E0013"]);
    expect(asked).toBe(1); // the entry only
  });
});

describe("files that cannot be used", () => {
  it("a directory named like a program is not a regular file (E0014)", () => {
    fs.mkdirSync(path.join(dir, "nr/clusters.flow"), { recursive: true });
    const r = loadProgram(write("nr/main.flow", 'import "clusters.flow"\n'));
    expect(codes(r)).toEqual(["E0014"]);
    expect(r.diagnostics[0]!.message).toBe("Cannot read `clusters.flow`: is a directory.");
  });

  it("/dev/zero as the entry: E0014 by what it is, never read", () => {
    const r = loadProgram("/dev/zero");
    expect(codes(r)).toEqual(["E0014"]);
    expect(r.entryProblem).toEqual({ kind: "not-regular", message: "is a character device, not a regular file" });
    expect(r.value.texts.size).toBe(0);
  });

  it("a file over MAX_SOURCE_BYTES is refused (E0015) by its size, before it is read", () => {
    const big = path.join(dir, "big/huge.flow");
    fs.mkdirSync(path.dirname(big), { recursive: true });
    fs.writeFileSync(big, "");
    fs.truncateSync(big, MAX_SOURCE_BYTES + 1); // sparse: no 8 MiB written
    const entry = write("big/main.flow", `import "huge.flow"\n${CLUSTER}`);
    const r = loadProgram(entry);
    expect(codes(r)).toEqual(["E0015"]);
    // E0015's example (it cannot be a golden file: the file would be 8 MiB).
    expect(rendered(r)).toBe(
      "big/main.flow:1:8: error[E0015]: Cannot read `huge.flow`: is 8.0 MiB (8,388,609 bytes), over the limit of 8 MiB for a source file.\n" +
        "  |\n" +
        '1 | import "huge.flow"\n' +
        "  |        ^^^^^^^^^^^ imported here\n" +
        "  |\n" +
        "help: a .flow program is a few KiB of declarations; check that the path names the program, not data\n" +
        "\n" +
        "error: 1 error emitted\n",
    );
  });

  it("the limit is exact: a file of exactly maxBytes is read, one byte more is not", () => {
    const p = write("lim/a.flow", "// 0123456789\n");
    const n = fs.statSync(p).size;
    expect(loadProgram(p, { maxBytes: n }).diagnostics).toEqual([]);
    expect(loadProgram(p, { maxBytes: n - 1 }).entryProblem?.kind).toBe("too-large");
    expect(readSource(p, { maxBytes: n - 1 }).ok).toBe(false);
  });

  it("a symbolic link loop is reported in words (E0010), not as ELOOP", () => {
    link("loop/a.flow", "b.flow");
    link("loop/b.flow", "a.flow");
    const r = loadProgram(write("loop/main.flow", 'import "a.flow"\n'));
    expect(codes(r)).toEqual(["E0010"]);
    expect(r.diagnostics[0]!.message).toBe("Cannot read `a.flow`: too many levels of symbolic links (a symbolic link that leads back to itself?).");
  });

  it("a missing import: E0010 with the reason, at the import", () => {
    const r = loadProgram(write("miss/main.flow", '\nimport "gone.flow"\n'));
    expect(codes(r)).toEqual(["E0010"]);
    expect(r.diagnostics[0]!.message).toBe("Cannot read `gone.flow`: no such file or directory.");
    expect(r.diagnostics[0]!.primary.span.start).toBe(8);
  });

  it("a missing entry: E0012, and an empty program", () => {
    const r = loadProgram(path.join(dir, "nope.flow"));
    expect(codes(r)).toEqual(["E0012"]);
    expect(r.entryProblem?.message).toBe("no such file or directory");
    expect(r.value.files).toEqual([]);
  });

  it("system errors are phrases: known codes in plain words, the rest in the system's own words", () => {
    expect(errnoWords({ code: "EACCES" })).toBe("permission denied");
    expect(errnoWords({ code: "ENAMETOOLONG" })).toBe("the path is too long");
    let err: unknown;
    try {
      fs.renameSync(path.join(dir, "no-such-dir/x"), path.join(dir, "y"));
    } catch (e) {
      err = e;
    }
    expect(errnoWords(err)).toBe("no such file or directory");
    // An errno with no phrase of its own: libuv's words, not "EXDEV: cross-device link…, rename 'a' -> 'b'".
    expect(errnoWords({ code: "EXDEV", errno: -18 })).toBe("cross-device link not permitted");
  });
});

describe("memoryHost", () => {
  it("serves unsaved texts over the file system (an editor's buffers), with the same rules", () => {
    const main = write("mem/main.flow", 'import "cluster.flow"\n' + REST);
    write("mem/cluster.flow", "cluster broken {\n"); // on disk: a syntax error
    const host = memoryHost({ [path.join(dir, "mem/cluster.flow")]: CLUSTER }, nodeHost);
    expect(planPath(main, { host }).plan?.cluster.name).toBe("local");
    expect(codes(checkPath(main))).toContain("E0001");
  });
});
