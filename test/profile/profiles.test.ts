// Cluster profiles: the YAML file parses to typed profiles, and every mistake is a diagnostic at its
// line:col in the YAML with a hint, rendered like the .flow diagnostics.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lookupCode } from "../../src/diagnostics/catalog.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderAll } from "../../src/diagnostics/render.js";
import { defaultProfilesPath, loadProfiles, selectProfile } from "../../src/profile/load.js";
import { parseProfiles } from "../../src/profile/parse.js";

const work = mkdtempSync(join(tmpdir(), "flowc-profiles-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(text: string): string {
  const r = parseProfiles(text, "clusters.yaml");
  return renderAll(r.diagnostics, new Map([["clusters.yaml", text]]), { color: false });
}

function codesAndPlaces(text: string): string[] {
  const r = parseProfiles(text, "clusters.yaml");
  return r.diagnostics.map((d) => {
    const line = text.slice(0, d.primary.span.start).split("\n").length;
    const col = d.primary.span.start - text.lastIndexOf("\n", d.primary.span.start - 1);
    return `${line}:${col} ${d.code} ${d.message}`;
  });
}

const GOOD = `# the clusters I use
clusters:
  base: &base
    partition: gpu
    account: proj42
    modules: [cuda/12.4, nccl/2.21]
    env: { NCCL_DEBUG: WARN, OMP_NUM_THREADS: 8, FLAG: true }
    run_dir: /scratch/me/flowc
  big:
    <<: *base
    ssh: me@login.big.org:2222
    qos: high
    venv: ~/envs/flowrt
    input_root: /datasets/flowc
    max_array_size: 1000
  enroot:
    run_dir: ~/flowc
    container: { image: "nvcr.io#nvidia/pytorch:24.05-py3", mounts: ["/datasets:/datasets:ro"] }
default: big
`;

describe("a valid profiles file", () => {
  it("gives typed profiles, with YAML anchors merged and environment values as text", () => {
    const r = parseProfiles(GOOD, "clusters.yaml");
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.clusters.big).toEqual({
      partition: "gpu", account: "proj42", modules: ["cuda/12.4", "nccl/2.21"], env: { NCCL_DEBUG: "WARN", OMP_NUM_THREADS: "8", FLAG: "true" },
      run_dir: "/scratch/me/flowc", ssh: "me@login.big.org:2222", qos: "high", venv: "~/envs/flowrt", input_root: "/datasets/flowc", max_array_size: 1000,
    });
    expect(r.value!.clusters.enroot).toEqual({
      run_dir: "~/flowc", modules: [], env: {}, container: { image: "nvcr.io#nvidia/pytorch:24.05-py3", mounts: ["/datasets:/datasets:ro"] },
    });
  });

  it("selects the named profile, else the default, else the only one", () => {
    const path = join(work, "clusters.yaml");
    writeFileSync(path, GOOD);
    const loaded = loadProfiles(path);
    if (!loaded.ok) throw new Error("expected the file to load");
    expect(selectProfile(loaded)).toMatchObject({ name: "big" });
    expect(selectProfile(loaded, "enroot")).toMatchObject({ name: "enroot" });
    const miss = selectProfile(loaded, "bgi") as Diagnostic;
    expect(miss).toMatchObject({ code: "E0501", message: "Unknown cluster profile `bgi`.", help: "did you mean `big`?" });
    const one = join(work, "one.yaml");
    writeFileSync(one, "clusters:\n  only: { run_dir: /x }\n");
    const l1 = loadProfiles(one);
    expect(l1.ok && selectProfile(l1)).toMatchObject({ name: "only" });
    const two = join(work, "two.yaml");
    writeFileSync(two, "clusters:\n  a: { run_dir: /x }\n  b: { run_dir: /y }\n");
    const l2 = loadProfiles(two);
    expect(l2.ok && (selectProfile(l2) as Diagnostic).help).toBe("name one (`a`, `b`), or add `default: a`");
  });

  it("is looked for in XDG_CONFIG_HOME, else ~/.config; a missing file says so", () => {
    expect(defaultProfilesPath({ XDG_CONFIG_HOME: "/cfg" }, "/home/me")).toBe("/cfg/flowc/clusters.yaml");
    expect(defaultProfilesPath({}, "/home/me")).toBe("/home/me/.config/flowc/clusters.yaml");
    expect(loadProfiles(join(work, "none.yaml"))).toEqual({ ok: false, path: join(work, "none.yaml"), unreadable: "no such file" });
  });
});

describe("mistakes in a profiles file", () => {
  it("are each reported at their line:col, in file order", () => {
    const text = `clusters:
  big:
    partitoin: gpu
    run_dir: scratch/flowc
    env: { NCCL_DEBUG: 1, 1BAD: x }
    container: { image: "nvcr.io#x", mounts: ["/a:/b,/c:/d"] }
    max_array_size: 0
    partition: "a b"
  small:
    ssh: "me@host;rm"
    account: [x]
`;
    expect(codesAndPlaces(text)).toEqual([
      "3:5 E0500 Unknown key `partitoin` in cluster profile `big`.",
      "4:14 E0500 `run_dir` of cluster profile `big` must be a path on the cluster: absolute, or starting with `~/`.",
      "5:27 E0500 `1BAD` in `env` of cluster profile `big` is not an environment variable name (letters, digits and `_`, not starting with a digit).",
      "6:47 E0500 `container.mounts[0]` of cluster profile `big` must be one mount, `SRC:DST[:FLAGS]` (list each mount on its own: no commas).",
      "7:21 E0500 `max_array_size` of cluster profile `big` must be at least 1.",
      "8:16 E0500 `partition` of cluster profile `big` must be a Slurm name (no blanks, quotes, backslashes or `#`).",
      "9:3 E0500 Cluster profile `small` has no `run_dir`.",
      "10:10 E0500 `ssh` of cluster profile `small` must be USER@HOST or USER@HOST:PORT.",
      "11:14 E0500 `account` of cluster profile `small` must be text, but it is a list.",
    ]);
  });

  it("render with the caret under the value and a hint", () => {
    expect(render("clusters:\n  big:\n    partitoin: gpu\n    run_dir: /x\n")).toBe(
      "clusters.yaml:3:5: error[E0500]: Unknown key `partitoin` in cluster profile `big`.\n" +
      "  |\n" +
      "3 |     partitoin: gpu\n" +
      "  |     ^^^^^^^^^\n" +
      "  |\n" +
      "help: did you mean `partition`?\n\n" +
      "error: 1 error emitted\n",
    );
  });

  it("covers YAML syntax, duplicate keys, venv with container, an unknown default, the wrong top level", () => {
    expect(codesAndPlaces("clusters:\n  a: {run_dir: /x\n")).toEqual([expect.stringMatching(/^\d+:\d+ E0500 YAML syntax error: /)]);
    expect(codesAndPlaces("clusters:\n  a: {run_dir: /x}\n  a: {run_dir: /y}\n")).toEqual(["3:3 E0500 Duplicate key `a`."]);
    expect(codesAndPlaces("clusters:\n  a:\n    run_dir: /x\n    venv: /v\n    container: { image: i }\n")).toEqual([
      "5:16 E0500 `container` of cluster profile `a` cannot be used with `venv`: a step runs in one Python environment.",
    ]);
    expect(codesAndPlaces("clusters:\n  big: {run_dir: /x}\ndefault: bgi\n")).toEqual(["3:10 E0501 Unknown cluster profile `bgi`."]);
    expect(codesAndPlaces("cluster:\n  big: {run_dir: /x}\n")).toEqual(["1:1 E0500 Unknown key `cluster` in the file."]);
    expect(parseProfiles("cluster:\n  big: {run_dir: /x}\n", "f").diagnostics[0]!.help).toBe("did you mean `clusters`?");
    expect(codesAndPlaces("default: x\n")).toEqual(["1:1 E0500 The file has no `clusters`."]);
    expect(codesAndPlaces("")).toEqual(["1:1 E0500 The cluster profiles file is empty."]);
  });

  it("uses codes the catalog explains", () => {
    for (const c of ["E0500", "E0501"]) expect(lookupCode(c)?.explain).toContain("profile");
  });
});
