// Codes E0500–E0549: cluster profiles (the YAML file of `--clusters FILE`, default
// ~/.config/flowc/clusters.yaml). Owned by profile/. Their examples are YAML, not .flow.
import { entry as e } from "./types.js";

export const CLUSTER_CODES = [
  e("E0500", "Invalid cluster profile",
    "A cluster profile says how to reach a Slurm cluster and how its jobs run there: `ssh` (USER@HOST[:PORT]; absent: submit from this machine), `partition`, `account`, `qos`, `modules` to load, `env` variables, the Python environment (`venv`, a path on the cluster) or a `container` image (pyxis/enroot `--container-image`; never both), `run_dir` (where the compiled directory is uploaded and jobs run), `input_root` (where the plan's relative input paths resolve on the cluster) and `max_array_size` (the largest job array to submit: the cluster's MaxArraySize by default, or a lower site limit). Profiles live under `clusters:` in the YAML file; unknown keys are errors, so a typo never silently drops a setting. Paths on the cluster are absolute or start with `~/`.",
    `clusters:\n  big:\n    partitoin: gpu\n    run_dir: scratch/flowc`,
    `clusters:\n  big:\n    partition: gpu\n    run_dir: /scratch/me/flowc`),
  e("E0501", "Unknown cluster profile",
    "The profile asked for (the file's `default:`, or the name a command is given) is not under `clusters:` in the profiles file. The message lists the profiles the file has and suggests the closest name.",
    `clusters:\n  big:\n    run_dir: /scratch/me/flowc\ndefault: bgi`,
    `clusters:\n  big:\n    run_dir: /scratch/me/flowc\ndefault: big`),
] as const;
