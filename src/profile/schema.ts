// Cluster profiles: how to reach a Slurm cluster and how its jobs run there. One zod schema gives
// the TypeScript type `compile` (the sbatch emitter) and `submit` use, and the validation of the
// YAML file (`--clusters FILE`, default ~/.config/flowc/clusters.yaml):
//
//   clusters:
//     big:
//       ssh: me@login.big.org          # absent: submit from this machine (a login node)
//       partition: gpu
//       account: proj42
//       qos: normal
//       modules: [cuda/12.4, nccl/2.21]
//       env: { NCCL_DEBUG: WARN }
//       venv: /shared/envs/flowrt      # or container: { image: nvcr.io#nvidia/pytorch:24.05-py3 }
//       run_dir: /scratch/me/flowc
//       input_root: /datasets/flowc
//       max_array_size: 1000
//   default: big
//
// Every string here ends up in an #SBATCH line or a shell line of the emitted scripts: the schema
// refuses what could not be written there safely (line breaks, NUL, blanks in a Slurm name).
import { z } from "zod";

/** No line break, no NUL: a value that fits on one #SBATCH or shell line. */
const oneLine = z.string().min(1, "must not be empty").refine((s) => !/[\n\r\0]/.test(s), "must be on one line (no line breaks or NUL)");

/** A partition, account or QOS: what sbatch takes as one word (a partition may be a comma list). */
const slurmName = oneLine.refine((s) => !/[\s'"\\#]/.test(s), "must be a Slurm name (no blanks, quotes, backslashes or `#`)");

/** A path on the cluster: absolute, or relative to the login's home as `~/…`. */
const clusterPath = oneLine.refine((s) => s.startsWith("/") || s === "~" || s.startsWith("~/"), "must be a path on the cluster: absolute, or starting with `~/`");

/** `user@host[:port]`, `host`, `user@[::1]:22`; the transport reads it in full. */
const sshTarget = oneLine.refine((s) => /^(?:[^@\s/'"`$;&|<>]+@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/.test(s) && !/^-/.test(s), "must be USER@HOST or USER@HOST:PORT");

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not an environment variable name (letters, digits and `_`, not starting with a digit)");

/** YAML reads `NCCL_DEBUG: 1` as a number and `X: true` as a boolean: both are their text in the environment. */
const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String).refine((s) => !s.includes("\0"), "must not contain NUL");

export const ContainerProfile = z.object({
  /** pyxis/enroot `--container-image` (`nvcr.io#nvidia/pytorch:24.05-py3`, a .sqsh path). */
  image: oneLine,
  /** `--container-mounts` entries, `SRC:DST[:FLAGS]`. */
  mounts: z.array(oneLine.refine((s) => !s.includes(","), "must be one mount, `SRC:DST[:FLAGS]` (list each mount on its own: no commas)")).default([]),
  /** `--container-workdir`. */
  workdir: clusterPath.optional(),
}).strict();

export const ClusterProfile = z.object({
  ssh: sshTarget.optional().describe("USER@HOST[:PORT] of the login node; absent: submit from this machine"),
  identity: oneLine.optional().describe("SSH private key file on this machine (default: ssh-agent, then ~/.ssh/id_*)"),
  known_hosts: oneLine.optional().describe("known_hosts file to verify the login node against (default: ssh's)"),
  control_path: oneLine.optional().describe("an OpenSSH ControlMaster socket to reuse (MFA clusters)"),
  partition: slurmName.optional(),
  account: slurmName.optional(),
  qos: slurmName.optional(),
  modules: z.array(oneLine.refine((s) => !/\s/.test(s), "must be one module name (no blanks)")).default([]).describe("`module load` in every job, in order"),
  env: z.record(envName, envValue).default({}).describe("exported in every job"),
  venv: clusterPath.optional().describe("a Python virtual environment on the cluster with flowrt installed"),
  container: ContainerProfile.optional().describe("run every step in this pyxis/enroot container image"),
  run_dir: clusterPath.describe("where the compiled directory is uploaded and the jobs run"),
  input_root: clusterPath.optional().describe("where the plan's relative input paths resolve on the cluster (default: run_dir)"),
  max_array_size: z.number().int("must be a whole number").positive("must be at least 1").optional().describe("the largest job array to submit (default: the cluster's MaxArraySize)"),
}).strict().refine((p) => !(p.venv !== undefined && p.container !== undefined), {
  message: "cannot be used with `venv`: a step runs in one Python environment",
  path: ["container"],
});

export const ProfilesFile = z.object({
  clusters: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "is not a profile name (letters, digits, `_` and `-`)"), ClusterProfile),
  default: z.string().optional().describe("the profile used when none is named"),
}).strict();

export type ClusterProfile = z.infer<typeof ClusterProfile>;
export type ContainerProfile = z.infer<typeof ContainerProfile>;
export type ProfilesFile = z.infer<typeof ProfilesFile>;

/** The keys a profile may have, for "did you mean" on a typo. */
export const PROFILE_KEYS: readonly string[] = Object.keys(ClusterProfile.shape);
export const CONTAINER_KEYS: readonly string[] = Object.keys(ContainerProfile.shape);
export const FILE_KEYS: readonly string[] = Object.keys(ProfilesFile.shape);
