#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run all checks and tests.
#
# PostgreSQL tests run when CONVERGENCE_TEST_POSTGRES_URL is set (.ci/run sets it); browser tests
# need Debian's chromium, installed here (headless needs only its own dependencies, not its
# recommended packages) when we are root and it is missing. Set-up steps already done are
# skipped (see scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if [ "$(id -u)" = "0" ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  step "installing Debian's chromium for the browser tests (headless: no recommended packages)"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
fi

python_env "test,lab"

step "node packages for the end-to-end and browser tests"
node_packages tests/js tests/browser

step "lint and types"
sources=()
for path in convergence_jupyter tests bench scripts; do
  [ -e "$path" ] && sources+=("$path")
done
.venv/bin/ruff check "${sources[@]}"
.venv/bin/ruff format --check "${sources[@]}"
.venv/bin/mypy

step "tests"
set +e
# Two workers, one test file each at a time: most tests wait on servers, Node or Chromium, and
# a file's module-scoped servers stay in one worker. CONVERGENCE_TEST_WORKERS=0 runs serially.
workers="${CONVERGENCE_TEST_WORKERS:-2}"
parallel=()
if [ "$workers" != "0" ]; then
  parallel=(-n "$workers" --dist loadfile)
fi
.venv/bin/python -m pytest -p no:cacheprovider --durations=40 "${parallel[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"
