#!/usr/bin/env bash
# Runs shellcheck on every shell script in the repository (part of `npm run lint`). Debian/Ubuntu: apt-get install shellcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "lint: shellcheck not found: install it (apt-get install shellcheck)" >&2
  exit 1
fi
shellcheck stack/stack.sh deploy/*.sh scripts/*.sh .ci/run
