#!/usr/bin/env bash
# Every test of the project: TypeScript (vitest) then Python (pytest in runtime-py/).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
npx vitest run
bash scripts/test-py.sh
