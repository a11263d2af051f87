# shellcheck shell=bash
# docker-smoke.sh: PASS/FAIL accounting, logship and node in the image, clean-up at exit, Kafka admin from inside the image.
# Sourced by deploy/docker-smoke.sh (its variables: DOCKER, IMAGE, KAFKA, ES, the run's names); not run alone.

pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); printf 'FAIL  %s\n' "$1"; [ -z "${2:-}" ] || printf '      %s\n' "$2" | head -20; }
info() { printf '      %s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
die() { printf 'docker-smoke: %s\n' "$*" >&2; exit 2; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t/./} / 1000 )); }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1000000 }'; }

# logship in the image under test, on the host network. Extra docker run flags go before `--`.
logship() {
  local flags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  "$DOCKER" run --rm --network host "${flags[@]}" "$IMAGE" "$@"
}

# Node in the image, run from /app so that require() finds the image's node_modules (kafkajs).
image_node() { "$DOCKER" run --rm --network host --entrypoint node "$IMAGE" "$@"; }

cleanup() {
  local rc=$?
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then
    echo "SMOKE_KEEP=1: kept containers $AGENT $SINK, volume $VOLUME, topics $TOPIC $DLQ_TOPIC, indices $PREFIX-*, dir $WORK"
    exit "$rc"
  fi
  # -v: the sink container got an anonymous volume for the image's VOLUME /var/lib/logship.
  "$DOCKER" rm -f -v "$AGENT" "$SINK" >/dev/null 2>&1 || true
  "$DOCKER" volume rm "$VOLUME" >/dev/null 2>&1 || true
  if [ "${created_topics:-0}" = 1 ]; then
    # Topics and the group hold nothing anyone else needs; the indices are deleted one by one because
    # Elasticsearch refuses wildcard deletes by default (action.destructive_requires_name).
    image_node -e "$KAFKA_ADMIN_JS" "$KAFKA" cleanup "$TOPIC" "$DLQ_TOPIC" "$GROUP" >/dev/null 2>&1 || true
    local idx
    for idx in $(curl -fsS "$ES/_cat/indices/${PREFIX}-*?h=index" 2>/dev/null); do
      curl -fsS -X DELETE "$ES/$idx" >/dev/null 2>&1 || true
    done
  fi
  [ "${own_work:-0}" = 0 ] || rm -rf "$WORK"
  exit "$rc"
}

# Kafka admin from inside the image: `count TOPIC` prints the records in a topic (sum of high - low watermarks
# over its partitions); `cleanup TOPIC DLQ GROUP` deletes what this run created.
KAFKA_ADMIN_JS='
const { Kafka, logLevel } = require("kafkajs");
const [brokers, cmd, ...args] = process.argv.slice(1);
(async () => {
  const admin = new Kafka({ clientId: "docker-smoke", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (cmd === "count") {
      const offsets = await admin.fetchTopicOffsets(args[0]);
      console.log(offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0));
    } else if (cmd === "cleanup") {
      await admin.deleteGroups([args[2]]).catch(() => {});
      await admin.deleteTopics({ topics: [args[0], args[1]] }).catch(() => {});
    }
  } finally { await admin.disconnect(); }
})().catch((e) => { console.error(e.message); process.exit(1); });
'
