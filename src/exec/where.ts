// Where a compiled directory runs: the host (this machine, or a login node over SSH), the run
// directory there, the Python that asks flowrt what is done, and the input root. `submit` decides it
// from its flags and the cluster profile, and records it in DIR/state.json; `status`, `logs` and
// `cancel` read it back from there, so they reach the same cluster directory as the submission did.
import { posix } from "node:path";
import { basename } from "node:path";
import { defaultProfilesPath, loadProfiles, selectProfile } from "../profile/load.js";
import type { ClusterProfile } from "../profile/schema.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ConnectOptions } from "./connect.js";
import type { CompiledDir } from "./compiledDir.js";
import type { SubmissionState } from "./state.js";
import { ExecError } from "./transport.js";

export interface Where {
  /** Options for openTransport: no `host` means this machine. */
  readonly connect: ConnectOptions;
  /** The run directory on the cluster: uploads go there and every job runs there (`--chdir`). */
  readonly remoteDir: string;
  /** A Python on the cluster with flowrt's dependencies. */
  readonly python: string;
  /** Where the plan's relative inputs resolve on the cluster. */
  readonly inputRoot: string;
  /** The profile used, by name. */
  readonly profile?: string;
}

export interface WhereFlags {
  readonly host?: string;
  readonly identity?: string;
  readonly knownHosts?: string;
  readonly controlPath?: string;
  readonly remoteDir?: string;
  readonly python?: string;
  readonly inputRoot?: string;
  readonly clusters?: string;
  readonly cluster?: string;
}

/** The profiles file is wrong: its diagnostics, to render with the file's text. */
export class ProfileProblem extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    readonly texts: ReadonlyMap<string, string>,
  ) {
    super("the cluster profiles file has errors");
  }
}

/**
 * The profile for a compiled plan: `--cluster NAME`, else the profile named like the plan's cluster
 * block, else the file's default. No file at the default path is no profile; a file given with
 * `--clusters` must exist.
 */
export function profileFor(flags: WhereFlags, planCluster: string, env: Readonly<Record<string, string | undefined>> = process.env): { name: string; profile: ClusterProfile } | undefined {
  const path = flags.clusters ?? defaultProfilesPath(env);
  const loaded = loadProfiles(path);
  if (!loaded.ok && "unreadable" in loaded) {
    if (flags.clusters === undefined && flags.cluster === undefined && loaded.unreadable === "no such file") return undefined;
    throw new ExecError(`cannot read the cluster profiles ${path}: ${loaded.unreadable}`, "pass an existing file with `--clusters FILE` (see README, \"Cluster profiles\")");
  }
  if (!loaded.ok) throw new ProfileProblem(loaded.diagnostics, loaded.texts);
  const name = flags.cluster ?? (planCluster in loaded.file.clusters ? planCluster : undefined);
  const chosen = selectProfile(loaded, name);
  if ("code" in chosen) throw new ProfileProblem([chosen], new Map([[path, loaded.text]]));
  return chosen;
}

/** Where `submit` sends a compiled directory, from its flags and the profile. */
export function whereToSubmit(flags: WhereFlags, compiled: CompiledDir, env: Readonly<Record<string, string | undefined>> = process.env): Where {
  const chosen = profileFor(flags, compiled.plan.cluster.name, env);
  const p = chosen?.profile;
  const host = flags.host ?? p?.ssh ?? compiled.plan.cluster.ssh;
  const connect: ConnectOptions = {
    ...(host !== undefined ? { host } : {}),
    ...(flags.identity ?? p?.identity ? { identity: (flags.identity ?? p?.identity)! } : {}),
    ...(flags.knownHosts ?? p?.known_hosts ? { knownHosts: (flags.knownHosts ?? p?.known_hosts)! } : {}),
    ...(flags.controlPath ?? p?.control_path ? { controlPath: (flags.controlPath ?? p?.control_path)! } : {}),
  };
  // One directory per compiled directory under the profile's run_dir: two plans never share outputs.
  const name = basename(compiled.dir);
  const remoteDir = flags.remoteDir ?? (p?.run_dir !== undefined ? posix.join(p.run_dir, name) : host === undefined ? compiled.dir : `~/flowc/${name}`);
  const python = flags.python ?? (p?.venv !== undefined ? posix.join(p.venv, "bin", "python") : "python3");
  const inputRoot = flags.inputRoot ?? p?.input_root ?? remoteDir;
  return { connect, remoteDir, python, inputRoot, ...(chosen ? { profile: chosen.name } : {}) };
}

/** Where an earlier submission went, from its state file (connection flags may add a key or a socket). */
export function whereSubmitted(state: SubmissionState, flags: Pick<WhereFlags, "identity" | "knownHosts" | "controlPath" | "clusters" | "cluster">, planCluster: string): Where {
  // The key and known_hosts are this machine's business, not the state's: take them from the flags or the profile.
  let p: ClusterProfile | undefined;
  try {
    p = state.host !== undefined ? profileFor(flags, planCluster)?.profile : undefined;
  } catch {
    p = undefined; // a broken profiles file does not stop `status` of a submission that needs none of it
  }
  const connect: ConnectOptions = {
    ...(state.host !== undefined ? { host: state.host } : {}),
    ...(flags.identity ?? p?.identity ? { identity: (flags.identity ?? p?.identity)! } : {}),
    ...(flags.knownHosts ?? p?.known_hosts ? { knownHosts: (flags.knownHosts ?? p?.known_hosts)! } : {}),
    ...(flags.controlPath ?? p?.control_path ? { controlPath: (flags.controlPath ?? p?.control_path)! } : {}),
  };
  return { connect, remoteDir: state.remote_dir, python: state.python ?? "python3", inputRoot: state.input_root ?? state.remote_dir };
}
