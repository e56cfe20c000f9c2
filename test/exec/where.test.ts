// Where `submit` sends a compiled directory: flags over the cluster profile over the defaults, the
// profile chosen by name, by the plan's cluster block or by the file's default; a profiles file
// given but missing, or wrong, is an error (its diagnostics at the YAML's line:col).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CompiledDir } from "../../src/exec/compiledDir.js";
import { ExecError } from "../../src/exec/transport.js";
import { ProfileProblem, whereToSubmit } from "../../src/exec/where.js";

const work = mkdtempSync(join(tmpdir(), "flowc-where-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const compiled = (cluster: string, ssh?: string) =>
  ({ dir: "/home/me/build/tiny", plan: { cluster: { name: cluster, ...(ssh ? { ssh } : {}) } } }) as unknown as CompiledDir;
const noHome = { HOME: work, XDG_CONFIG_HOME: join(work, "none") };

const profiles = join(work, "clusters.yaml");
writeFileSync(profiles, [
  "clusters:",
  "  local:",
  "    ssh: me@login:2222",
  "    venv: /shared/venv",
  "    run_dir: /scratch/me",
  "    input_root: /data",
  "  other:",
  "    run_dir: ~/runs",
  "default: other",
  "",
].join("\n"));

describe("whereToSubmit", () => {
  it("without a profile: this machine, the directory itself, python3", () => {
    expect(whereToSubmit({}, compiled("local"), noHome)).toEqual({ connect: {}, remoteDir: "/home/me/build/tiny", python: "python3", inputRoot: "/home/me/build/tiny" });
    expect(whereToSubmit({ host: "me@h" }, compiled("local"), noHome).remoteDir).toBe("~/flowc/tiny");
    expect(whereToSubmit({}, compiled("local", "me@from-plan"), noHome).connect.host).toBe("me@from-plan");
  });

  it("the profile named like the plan's cluster, else the file's default; flags win", () => {
    const w = whereToSubmit({ clusters: profiles }, compiled("local"), noHome);
    expect(w).toEqual({ connect: { host: "me@login:2222" }, remoteDir: "/scratch/me/tiny", python: "/shared/venv/bin/python", inputRoot: "/data", profile: "local" });
    expect(whereToSubmit({ clusters: profiles }, compiled("elsewhere"), noHome)).toMatchObject({ profile: "other", remoteDir: "~/runs/tiny", connect: {} });
    expect(whereToSubmit({ clusters: profiles, cluster: "other", host: "x@y", remoteDir: "/r", python: "/p", inputRoot: "/i" }, compiled("local"), noHome))
      .toEqual({ connect: { host: "x@y" }, remoteDir: "/r", python: "/p", inputRoot: "/i", profile: "other" });
  });

  it("refuses a profiles file that is given but missing, and reports a wrong one as diagnostics", () => {
    expect(() => whereToSubmit({ clusters: join(work, "nope.yaml") }, compiled("local"), noHome)).toThrow(ExecError);
    expect(() => whereToSubmit({ clusters: join(work, "nope.yaml") }, compiled("local"), noHome)).toThrow(/cannot read the cluster profiles .*nope.yaml: no such file/);
    const bad = join(work, "bad.yaml");
    writeFileSync(bad, "clusters:\n  local:\n    run_dir: relative/path\n");
    let e: unknown;
    try {
      whereToSubmit({ clusters: bad }, compiled("local"), noHome);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ProfileProblem);
    expect((e as ProfileProblem).diagnostics[0]!.code).toBe("E0500");
    expect(() => whereToSubmit({ clusters: profiles, cluster: "nosuch" }, compiled("local"), noHome)).toThrow(ProfileProblem);
  });
});
