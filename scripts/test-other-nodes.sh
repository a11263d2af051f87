#!/usr/bin/env bash
# The unit tests and the walking-skeleton integration test on the Node versions operators run besides the machine's
# own (22 and 24 LTS), against the same dist/ and node_modules, plus the codec round-trip of compression.test.ts
# (lz4-napi's prebuilt binary and zstd's wasm load and work on that Node; the rest of that file, with the Java
# clients, runs on the machine's Node). Each vitest run prints its summary ("Tests  N passed"); .ci/run adds them
# all to its count. Exits non-zero when any run fails.
# Needs `npm run build` first, and the stack (global-setup starts it when it is not up).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
versions="${LOGSHIP_NODE_VERSIONS:-22.23.5 24.22.3}"
status=0
for v in $versions; do
  echo "== Node $v: unit tests, test/integration/skeleton.test.ts, the codec round-trip"
  t0=$SECONDS
  bash scripts/with-node.sh "$v" node node_modules/vitest/vitest.mjs run test/unit test/integration/skeleton.test.ts || status=1
  bash scripts/with-node.sh "$v" node node_modules/vitest/vitest.mjs run test/integration/compression.test.ts \
    -t 'the codecs round-trip on this machine' || status=1
  echo "== Node $v: done in $((SECONDS - t0))s"
done
exit "$status"
