// The VS Code extension builds into a .vsix with no network (run in a network namespace of its
// own where the machine allows one): the bundle, the grammar of grammar/, the language
// configuration, and a manifest whose language, grammar and entry point are in the package.
import { execFileSync, spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { REPO } from "../cli/harness.js";

const dir = mkdtempSync(join(tmpdir(), "flowc-vsix-"));
const vsix = join(dir, "flow.vsix");
let entries = new Map<string, Buffer>();

function readZip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on("entry", (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const chunks: Buffer[] = [];
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("end", () => {
            out.set(e.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(out));
      zip.readEntry();
    });
  });
}

beforeAll(async () => {
  const script = join(REPO, "scripts", "build-vsix.mjs");
  // Where the machine allows a network namespace of its own, the build runs in one: no network at all.
  const offline = spawnSync("unshare", ["-rn", "true"]).status === 0;
  const [cmd, args] = offline ? ["unshare", ["-rn", process.execPath, script, "--out", vsix]] : [process.execPath, [script, "--out", vsix]];
  execFileSync(cmd, args, { cwd: REPO, stdio: "pipe" });
  entries = await readZip(vsix);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the .vsix", () => {
  it("holds the manifest, the bundle, the grammar and the language configuration", () => {
    expect([...entries.keys()].sort()).toEqual([
      "[Content_Types].xml", "extension.vsixmanifest", "extension/language-configuration.json", "extension/out/extension.js",
      "extension/package.json", "extension/readme.md", "extension/syntaxes/flow.tmLanguage.json",
    ]);
    expect(entries.get("extension/syntaxes/flow.tmLanguage.json")!.toString()).toBe(readFileSync(join(REPO, "grammar/flow.tmLanguage.json"), "utf8"));
  });

  it("contributes the `flow` language and its grammar, from files in the package", () => {
    const pkg = JSON.parse(entries.get("extension/package.json")!.toString());
    expect(pkg.contributes.languages[0]).toMatchObject({ id: "flow", extensions: [".flow"] });
    const file = (p: string) => `extension/${p.replace(/^\.\//, "")}`;
    expect(entries.has(file(pkg.contributes.languages[0].configuration))).toBe(true);
    expect(entries.has(file(pkg.contributes.grammars[0].path))).toBe(true);
    expect(pkg.contributes.grammars[0].scopeName).toBe(JSON.parse(readFileSync(join(REPO, "grammar/flow.tmLanguage.json"), "utf8")).scopeName);
    expect(entries.has(file(pkg.main))).toBe(true);
    expect(JSON.parse(entries.get("extension/language-configuration.json")!.toString()).comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
  });

  it("bundles the language client: the bundle needs only `vscode` and Node's own modules", () => {
    const js = entries.get("extension/out/extension.js")!.toString();
    const required = new Set([...js.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect([...required].filter((r) => r !== "vscode" && !builtins.has(r))).toEqual([]);
    expect(required.has("vscode")).toBe(true);
    expect(js).toContain("flowc/explain");
  });
});
