#!/usr/bin/env bash
# Prints one SHA-256 over the labextension's build inputs (sources, styles, package and lock
# files, TypeScript config). A build records it in labextension/prebuilt/.sources-sha256, so
# set-up (scripts/setup.sh) and the browser tests rebuild only when an input changed.
set -euo pipefail
cd "$(dirname "$0")/../labextension"
find src style package.json package-lock.json tsconfig.json install.json -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
