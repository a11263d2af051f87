#!/usr/bin/env bash
# `npm run lint` (and so `npm test`, in pretest) runs four checks side by side: the type check of every TypeScript
# file (tsconfig.test.json, with noUnusedLocals/noUnusedParameters), type-aware eslint (eslint.config.js),
# prettier --check, and a shellcheck of the shell scripts. Each prints its findings and its time; the exit status
# is non-zero when any of them found something.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bin=node_modules/.bin
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

names=(tsc eslint prettier shellcheck)
run() { # name command...
  local name="$1" t0=$SECONDS
  shift
  "$@" >"$out/$name.log" 2>&1
  echo "$? $((SECONDS - t0))" >"$out/$name.status"
}
run tsc "$bin/tsc" -p tsconfig.test.json &
run eslint "$bin/eslint" . &
run prettier "$bin/prettier" --check --log-level warn . &
if command -v shellcheck >/dev/null 2>&1; then
  run shellcheck shellcheck -x stack/stack.sh stack/lib/*.sh deploy/*.sh deploy/smoke/*.sh scripts/*.sh .ci/run &
else
  echo "shellcheck not found: install it (apt-get install shellcheck)" >"$out/shellcheck.log"
  echo "1 0" >"$out/shellcheck.status"
fi
wait

failed=0
for name in "${names[@]}"; do
  read -r code secs <"$out/$name.status"
  cat "$out/$name.log"
  if [ "$code" -eq 0 ]; then
    echo "lint: $name clean (${secs}s)"
  else
    echo "lint: $name FAILED (${secs}s)"
    failed=1
  fi
done
exit "$failed"
