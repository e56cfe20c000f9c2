#!/usr/bin/env bash
# Creates runtime-py/.venv and installs flowrt (editable) with its test extras and Ray (the Ray target).
# CPU-only torch: PIP_EXTRA options can point pip at a local index; see README.
set -euo pipefail
cd "$(dirname "$0")/../runtime-py"
py=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,ray]'
