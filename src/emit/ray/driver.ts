// What the emitted ray/dag.py says besides the plan's own steps: its imports and the call of the
// driver, which lives in flowrt (`flowrt.ray_dag`: the Ray tasks that run flowrt's steps, the Ray
// Train launcher, the driver loop). The progress-line prefix is flowc's fact: dag.py hands it over.

/** flowc run reads the driver's progress from stdout lines starting with this (then one JSON object). */
export const EVENT_PREFIX = "flowc-event ";

export const DAG_IMPORTS = `from __future__ import annotations

import sys
from pathlib import Path

from flowrt.ray_dag import Dag, main
from ray.train import ScalingConfig

PLAN_FILE = Path(__file__).resolve().parent.parent / "plan.json"
EVENT_PREFIX = ${JSON.stringify(EVENT_PREFIX)}`;

export const DAG_MAIN = `if __name__ == "__main__":
    sys.exit(main(build, plan_file=PLAN_FILE, event_prefix=EVENT_PREFIX))`;
