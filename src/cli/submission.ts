// What `submit`, `status`, `logs` and `cancel` share: the connection flags, the compiled directory
// and its state, and turning the outside world's failures (ExecError: a host, the scheduler, a
// state file) into `flowc: error: …` + `help: …` with exit 2, never a stack trace.
import { readCompiledDir, type CompiledDir } from "../exec/compiledDir.js";
import { readState, stateFile, type SubmissionState } from "../exec/state.js";
import { ExecError } from "../exec/transport.js";
import { ProfileProblem, whereSubmitted, type Where } from "../exec/where.js";
import { EXIT, reportDiagnostics, type Context } from "./context.js";

/** Flags every command that reaches the cluster takes. */
export const CONNECTION_FLAGS = {
  identity: { type: "string", value: "KEY", help: "SSH private key file (default: ssh-agent, then ~/.ssh/id_*)" },
  "known-hosts": { type: "string", value: "FILE", help: "verify the host against this known_hosts file only (default: ssh's files)" },
  "control-path": { type: "string", value: "SOCKET", help: "ride on this live OpenSSH ControlMaster socket (MFA clusters); `never`: always connect anew" },
  clusters: { type: "string", value: "FILE", help: "cluster profiles (default: ~/.config/flowc/clusters.yaml)" },
  cluster: { type: "string", value: "NAME", help: "the profile to use (default: the one named like the plan's cluster, else the file's default)" },
} as const;

export interface ConnectionFlags {
  readonly identity?: string | undefined;
  readonly "known-hosts"?: string | undefined;
  readonly "control-path"?: string | undefined;
  readonly clusters?: string | undefined;
  readonly cluster?: string | undefined;
}

export function connectionFlags(f: ConnectionFlags, cwd: string) {
  const abs = (p: string | undefined) => (p === undefined ? undefined : p.startsWith("/") || p.startsWith("~") ? p : `${cwd}/${p}`);
  return {
    ...(f.identity !== undefined ? { identity: abs(f.identity)! } : {}),
    ...(f["known-hosts"] !== undefined ? { knownHosts: abs(f["known-hosts"])! } : {}),
    ...(f["control-path"] !== undefined ? { controlPath: f["control-path"] } : {}),
    ...(f.clusters !== undefined ? { clusters: abs(f.clusters)! } : {}),
    ...(f.cluster !== undefined ? { cluster: f.cluster } : {}),
  };
}

/** Runs `f`; an ExecError is printed with its help (exit 2), a broken profiles file as diagnostics (exit 1). */
export async function reportingExecErrors(ctx: Context, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ExecError) {
      ctx.stderr(e.render(ctx.prog));
      return EXIT.usage;
    }
    if (e instanceof ProfileProblem) {
      reportDiagnostics(ctx, e.diagnostics, e.texts);
      return EXIT.failed;
    }
    throw e;
  }
}

/** A compiled directory that has been submitted: the directory, its state and where it went. */
export interface Submitted {
  readonly compiled: CompiledDir;
  readonly state: SubmissionState;
  readonly where: Where;
}

export function submitted(dir: string, flags: ConnectionFlags, cwd: string): Submitted {
  const compiled = readCompiledDir(dir, cwd);
  const state = readState(stateFile(compiled.dir));
  if (!state) throw new ExecError(`${dir} has not been submitted (no state.json)`, `submit it first: flowc submit ${dir}`);
  return { compiled, state, where: whereSubmitted(state, connectionFlags(flags, cwd), compiled.plan.cluster.name) };
}
