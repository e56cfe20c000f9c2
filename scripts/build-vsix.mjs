#!/usr/bin/env node
// `npm run vsix`: the VS Code extension of editors/vscode as a .vsix, offline (no marketplace).
//   1. type-check the client (tsc, against @types/vscode);
//   2. bundle it with vscode-languageclient into one file (esbuild; `vscode` is the editor's);
//   3. copy the TextMate grammar from grammar/;
//   4. `vsce package --no-dependencies` (the bundle has them), into dist/ or --out PATH.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ext = join(root, "editors", "vscode");
const bin = (name) => join(root, "node_modules", ".bin", name);
const outArg = process.argv.indexOf("--out");
const pkg = JSON.parse(readFileSync(join(ext, "package.json"), "utf8"));
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, "dist", `${pkg.name}-${pkg.version}.vsix`);

/** Runs a step; its own output says what went wrong, so a failure is one line here, not a stack. */
function step(what, file, args, opts = {}) {
  try {
    execFileSync(file, args, { stdio: "inherit", ...opts });
  } catch {
    process.stderr.write(`build-vsix: ${what} failed (see above)\n`);
    process.exit(1);
  }
}

step("type-checking editors/vscode", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(ext, "tsconfig.json")]);
await build({
  entryPoints: [join(ext, "src", "extension.ts")],
  outfile: join(ext, "out", "extension.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  external: ["vscode"],
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
mkdirSync(join(ext, "syntaxes"), { recursive: true });
copyFileSync(join(root, "grammar", "flow.tmLanguage.json"), join(ext, "syntaxes", "flow.tmLanguage.json"));
mkdirSync(dirname(out), { recursive: true });
// No LICENSE file or repository URL in the extension folder: the project's license is in package.json.
step("vsce package", bin("vsce"), ["package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "--out", out], { cwd: ext, stdio: ["ignore", "inherit", "inherit"] });
process.stdout.write(`${out}\n`);
