// The flowrt the jobs run on the cluster. By default `submit` uploads this flowc's own flowrt package
// (pure Python, a few hundred KiB; unchanged files are skipped) into RUN/.flowrt and puts it first on
// the jobs' PYTHONPATH, so the runtime always matches the compiler that wrote the plan; the cluster's
// Python supplies only the dependencies (torch, numpy, …). With `--no-upload-runtime` the cluster's
// installed flowrt is used, and its version must be the one the directory was compiled for.
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { quote } from "../emit/shell.js";
import { ExecError, type Transport } from "./transport.js";

/** runtime-py/flowrt of this flowc (dist/exec/ and src/exec/ are both two levels below the repository). */
export const LOCAL_FLOWRT = fileURLToPath(new URL("../../runtime-py/flowrt/", import.meta.url));

/** What the check prints: the version, then the dependencies' import errors, one a line. */
const CHECK = [
  "import importlib, sys",
  "import flowrt",
  "print(flowrt.__version__)",
  "for m in ('numpy', 'torch', 'tokenizers', 'safetensors', 'jsonschema', 'pyarrow'):",
  "    try: importlib.import_module(m)",
  "    except Exception as e: print('missing', m, type(e).__name__, e)",
].join("\n");

export interface RuntimeOptions {
  readonly transport: Transport;
  readonly python: string;
  /** The run directory on the cluster (absolute). */
  readonly remoteDir: string;
  /** The flowrt version the directory was compiled for (target.json). */
  readonly version: string;
  readonly upload: boolean;
  readonly log?: (line: string) => void;
}

/** Uploads (or checks) flowrt; returns the PYTHONPATH entry the jobs need, if any. */
export async function ensureRuntime(o: RuntimeOptions): Promise<{ pythonpath?: string; version: string }> {
  let pythonpath: string | undefined;
  if (o.upload) {
    if (!existsSync(LOCAL_FLOWRT)) {
      throw new ExecError(`this flowc has no flowrt package at ${LOCAL_FLOWRT} to upload`, "submit with `--no-upload-runtime` to use the flowrt installed on the cluster");
    }
    pythonpath = posix.join(o.remoteDir, ".flowrt");
    const r = await o.transport.uploadDir(LOCAL_FLOWRT, posix.join(pythonpath, "flowrt"), { exclude: (rel) => rel.split("/").includes("__pycache__") || rel.endsWith(".pyc") });
    o.log?.(`flowrt: ${r.uploaded} file(s) uploaded to ${pythonpath} on ${o.transport.where}, ${r.unchanged} unchanged`);
  }
  const r = await o.transport.run([o.python, "-c", CHECK], { ...(pythonpath ? { env: { PYTHONPATH: pythonpath } } : {}), timeoutMs: 180_000 });
  if (r.exitCode === 127 || /No such file or directory/.test(r.stderr) && r.exitCode !== 0 && r.stdout === "") {
    throw new ExecError(`\`${o.python}\` does not run on ${o.transport.where}`,
      "name the cluster's Python with `--python PATH`, or set `venv:` in the cluster profile to a virtual environment with flowrt's dependencies");
  }
  const lines = r.stdout.trim().split("\n");
  if (r.exitCode !== 0 || lines.length === 0 || lines[0] === "") {
    const said = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3);
    throw new ExecError(`\`${o.python}\` on ${o.transport.where} cannot import flowrt${pythonpath ? ` from ${pythonpath}` : ""}`,
      pythonpath ? "check that the cluster's Python is 3.10 or newer" : `install flowrt there (\`${quote(o.python)} -m pip install …/runtime-py\`), or submit without --no-upload-runtime`, said);
  }
  const version = lines[0]!.trim();
  const missing = lines.slice(1).filter((l) => l.startsWith("missing "));
  if (missing.length > 0) {
    throw new ExecError(`\`${o.python}\` on ${o.transport.where} lacks flowrt's dependencies`,
      `install them into that environment (\`${quote(o.python)} -m pip install numpy torch tokenizers safetensors jsonschema pyarrow\`), or set \`venv:\` in the cluster profile to one that has them`,
      missing.map((m) => m.replace(/^missing /, "")));
  }
  if (!o.upload && version !== o.version) {
    throw new ExecError(`the cluster's flowrt is version ${version}; ${o.version} compiled this directory`,
      "submit without --no-upload-runtime (flowc uploads its own flowrt), or install the matching flowrt on the cluster");
  }
  return { ...(pythonpath ? { pythonpath } : {}), version };
}
