#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run all checks and tests.
#
# PostgreSQL tests run when CONVERGENCE_TEST_POSTGRES_URL is set (.ci/run sets it); browser tests
# need Debian's chromium, installed here when we are root and it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = "0" ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "== installing chromium (browser tests)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== python environment"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,lab]"

echo "== node packages for the end-to-end tests"
for dir in tests/js tests/browser; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

echo "== lint and types"
sources=()
for path in convergence_jupyter tests bench scripts; do
  [ -e "$path" ] && sources+=("$path")
done
.venv/bin/ruff check "${sources[@]}"
.venv/bin/ruff format --check "${sources[@]}"
.venv/bin/mypy

echo "== tests"
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
