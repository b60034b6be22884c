#!/usr/bin/env bash
# Set up (once) and start JupyterLab with real-time co-editing on the embedded SQLite database.
# Extra arguments go to `jupyter lab`, e.g.: bash scripts/lab.sh --port 8899
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[lab]"

extra=()
if [ "$(id -u)" = "0" ]; then
  extra+=(--allow-root)
fi
exec .venv/bin/jupyter lab "${extra[@]}" "$@"
