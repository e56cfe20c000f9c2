// `python -m flowrt status` on the cluster (runtime-py/STEPS.md, "Status"): which steps of the run
// directory are done with the key they would run with now. One call answers for every step, so
// `submit` skips what is done and redoes what a change affects, and `status` can say why.
import { posix } from "node:path";
import type { RunStatus } from "./local.js";
import { ExecError, type Transport } from "./transport.js";

export interface RemoteStatusOptions {
  readonly transport: Transport;
  readonly python: string;
  readonly remoteDir: string;
  readonly inputRoot: string;
  readonly pythonpath?: string;
}

export async function remoteStatus(o: RemoteStatusOptions): Promise<RunStatus> {
  const r = await o.transport.run(
    [o.python, "-m", "flowrt", "status", "--plan", posix.join(o.remoteDir, "plan.json"), "--run-dir", o.remoteDir, "--input-root", o.inputRoot],
    { env: { FLOWRT_LOG: "WARNING", ...(o.pythonpath ? { PYTHONPATH: o.pythonpath } : {}) }, timeoutMs: 300_000 },
  );
  if (r.exitCode !== 0) {
    const said = (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).split("\n").slice(-4);
    throw new ExecError(`flowrt could not say which steps are done in ${o.remoteDir} on ${o.transport.where}`,
      "fix what flowrt says above and submit again (the plan's relative inputs resolve against `--input-root`, or `input_root:` of the cluster profile)", said);
  }
  try {
    return JSON.parse(r.stdout) as RunStatus;
  } catch {
    throw new ExecError(`\`${o.python} -m flowrt status\` on ${o.transport.where} printed something that is not its JSON answer`,
      "check that the cluster's flowrt is the one this flowc uploads (submit without --no-upload-runtime)", r.stdout.split("\n").slice(0, 3));
  }
}
