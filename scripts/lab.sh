#!/usr/bin/env bash
# Set up (once) and start JupyterLab with real-time co-editing on the embedded SQLite database.
# Extra arguments go to `jupyter lab`, e.g.: bash scripts/lab.sh --port 8899
# Set-up steps already done are skipped (see scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if [ -f .venv/.setup-test-lab ] && [ ! -f .venv/.setup-lab ]; then
  cp .venv/.setup-test-lab .venv/.setup-lab  # scripts/test.sh installed [lab] already
fi
python_env "lab"

step "starting JupyterLab"
extra=()
if [ "$(id -u)" = "0" ]; then
  extra+=(--allow-root)
fi
exec .venv/bin/jupyter lab "${extra[@]}" "$@"
