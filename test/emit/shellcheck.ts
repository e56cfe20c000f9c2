// Real shellcheck and `bash -n` on generated shell text, for the tests of emitted scripts (golden
// files included): each returns the problems it found, empty when the script is clean.
import { spawnSync } from "node:child_process";

export function shellcheck(script: string, shell: "bash" | "sh" = "bash"): string[] {
  const r = spawnSync("shellcheck", ["--shell", shell, "--format", "gcc", "-"], { input: script, encoding: "utf8" });
  if (r.error) throw new Error(`shellcheck is not installed (apt-get install -y shellcheck): ${r.error.message}`);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

export function bashSyntax(script: string): string[] {
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  return r.status === 0 ? [] : r.stderr.split("\n").filter((l) => l.trim() !== "");
}
