#!/usr/bin/env bash
# pytest for runtime-py, in its virtual environment (made by scripts/setup-py.sh).
set -euo pipefail
cd "$(dirname "$0")/../runtime-py"
if [ ! -x .venv/bin/python ]; then
  echo "runtime-py/.venv is missing: run 'bash scripts/setup-py.sh' first" >&2
  exit 2
fi
exec .venv/bin/python -m pytest -q tests
