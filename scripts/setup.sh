# Shared set-up steps of scripts/test.sh and scripts/lab.sh (sourced, not run).
#
# Each step says what it does and how long set-up has taken. Work that was already done is
# skipped: the Python install when pyproject.toml and the labextension sources are unchanged
# since the last install (stamp in .venv), the labextension build (npm + webpack, inside
# pip's build) when its sources match the stamp of the prebuilt output, `npm ci` when the
# lock file matches the one installed. Delete .venv/.setup-* to force a reinstall.

step() {
  printf '\n== [%3ss] %s\n' "$SECONDS" "$*"
}

labextension_stamp() {
  echo "labextension/prebuilt/.sources-sha256"
}

# python_env EXTRAS: .venv with the package installed editable with EXTRAS (e.g. "test,lab").
python_env() {
  local extras="$1" stamp=".venv/.setup-${1//,/-}" want labext
  labext="$(bash scripts/labextension_hash.sh)"
  want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1) $labext"
  if [ ! -x .venv/bin/python ]; then
    step "creating the virtual environment (.venv)"
    python3 -m venv .venv
  fi
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && .venv/bin/python -c "import convergence_jupyter" 2>/dev/null; then
    step "python environment up to date (pyproject.toml and labextension unchanged): skipped"
    return
  fi
  local prebuilt_ok=""
  if [ -f labextension/prebuilt/static/style.js ] && [ -f "$(labextension_stamp)" ] \
    && [ "$(cat "$(labextension_stamp)")" = "$labext" ]; then
    prebuilt_ok=1
  fi
  step "installing pip, then the package with [$extras] (a few minutes on a fresh clone)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  local skip=""
  if [ -n "$prebuilt_ok" ]; then
    echo "   labextension sources unchanged since its build: not rebuilding it"
    skip=1
  else
    echo "   building the labextension too (npm install + TypeScript + webpack, needs Node.js)"
  fi
  # pip's own progress, without the long list of requirements that are already there.
  set +e
  SKIP_JUPYTER_BUILDER="$skip" .venv/bin/python -m pip install --progress-bar on -e ".[$extras]" \
    | grep -v '^Requirement already satisfied'
  local status="${PIPESTATUS[0]}"
  set -e
  if [ "$status" -ne 0 ]; then
    echo "pip install failed (status $status)" >&2
    exit "$status"
  fi
  if [ -f labextension/prebuilt/static/style.js ]; then
    echo "$labext" > "$(labextension_stamp)"
  fi
  echo "$want" > "$stamp"
}

# node_packages DIR...: `npm ci` in each DIR whose lock file changed since its last install.
node_packages() {
  local dir lock
  for dir in "$@"; do
    [ -f "$dir/package-lock.json" ] || continue
    lock="$(sha256sum < "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ -f "$dir/node_modules/.setup-lock-sha256" ] && [ "$(cat "$dir/node_modules/.setup-lock-sha256")" = "$lock" ]; then
      echo "   $dir: node packages up to date"
      continue
    fi
    echo "   $dir: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock" > "$dir/node_modules/.setup-lock-sha256"
  done
}
