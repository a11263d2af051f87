#!/usr/bin/env bash
# Docker smoke test: build the image from ./Dockerfile and check that it runs, as a user would run it, against a
# real Kafka and Elasticsearch. Not part of .ci/run: it needs a Docker daemon and takes minutes.
#
#   deploy/docker-smoke.sh                      # Kafka on 127.0.0.1:9092, Elasticsearch on http://127.0.0.1:9200
#   SMOKE_KAFKA_BROKERS=k:9092 SMOKE_ES_URL=http://es:9200 deploy/docker-smoke.sh
#
# Steps:
#   1. the base image node:22-bookworm-slim: used if present, else pulled; when it cannot be pulled (no Docker
#      Hub), a STAND-IN is built: a debootstrap'ed Debian bookworm (minbase) with the official Node 22 linux-x64
#      binary and npm, both from the npm registry, imported under that tag and labelled as a stand-in.
#   2. docker build of the image (legacy builder unless DOCKER_BUILDKIT is set: see below); time and size.
#   3. checks, each printed PASS or FAIL: --help, validate (0 and 78), uid 10001, read-only /app, and the real
#      pipeline: an agent container tailing a mounted log dir with a state volume, a sink container, lines
#      searchable in Elasticsearch and with `logship search`, docker stop -> exit 0 quickly, checkpoint kept on
#      the volume and nothing re-sent after a restart.
# Exits 1 if any check failed. Removes its containers, volume, topics, consumer group and indices at the end
# (SMOKE_KEEP=1 keeps them for a look).
#
# Every container uses --network host: the stack under test listens on the host's loopback, and the machine this
# was written on runs dockerd with --bridge=none. Linux only, for the same reason.
#
# Environment:
#   DOCKER                docker client (default: docker). Where several are installed, pick the one that
#                         matches the daemon (`docker version`).
#   SMOKE_KAFKA_BROKERS   default 127.0.0.1:9092
#   SMOKE_ES_URL          default http://127.0.0.1:9200
#   SMOKE_IMAGE           tag to build, default logship:dev
#   SMOKE_NO_CACHE=1      docker build --no-cache (a cold build time)
#   SMOKE_SKIP_BUILD=1    use SMOKE_IMAGE as it is
#   SMOKE_KEEP=1          leave containers, volume, topics and indices behind
#   SMOKE_WORK            scratch directory (default: a new one under /tmp, removed at the end)
#   DEBIAN_MIRROR         for the stand-in base, default http://deb.debian.org/debian
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)

DOCKER=${DOCKER:-docker}
KAFKA=${SMOKE_KAFKA_BROKERS:-127.0.0.1:9092}
ES=${SMOKE_ES_URL:-http://127.0.0.1:9200}
IMAGE=${SMOKE_IMAGE:-logship:dev}
BASE=node:22-bookworm-slim
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# shellcheck source=deploy/smoke/standin-base.sh
. deploy/smoke/standin-base.sh

# Names unique to this run: the Kafka and Elasticsearch under test may be shared with other people's tests.
RUN_ID="smoke$(date +%s)$$"
TOPIC="logship-${RUN_ID}"
DLQ_TOPIC="logship-${RUN_ID}-dlq"
GROUP="logship-${RUN_ID}"
PREFIX="logship-${RUN_ID}"          # Elasticsearch index names must be lower case: RUN_ID is.
HOSTNAME_TAG="host-${RUN_ID}"
AGENT="logship-${RUN_ID}-agent"
SINK="logship-${RUN_ID}-sink"
VOLUME="logship-${RUN_ID}-state"

if [ -n "${SMOKE_WORK:-}" ]; then WORK=$SMOKE_WORK; mkdir -p "$WORK"; own_work=0
else WORK=$(mktemp -d /tmp/logship-docker-smoke.XXXXXX); own_work=1; fi

passed=0
failed=0
failures=()
# shellcheck source=deploy/smoke/common.sh
. deploy/smoke/common.sh
trap cleanup EXIT

command -v curl >/dev/null || die "curl is needed (Elasticsearch checks)"
"$DOCKER" version >/dev/null 2>&1 || die "'$DOCKER version' fails: no daemon, or a client the daemon does not accept"

# ---------------------------------------------------------------------------------------------------------------
step "1. base image $BASE"


if "$DOCKER" image inspect "$BASE" >/dev/null 2>&1; then
  info "$BASE is present locally"
elif pull_out=$("$DOCKER" pull "$BASE" 2>&1); then
  info "$BASE pulled"
else
  info "$BASE cannot be pulled: $(printf '%s' "$pull_out" | tail -1)"
  info "building a stand-in"
  build_standin_base
fi

if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "logship.standin"}}' "$BASE")" = true ]; then
  info "NOTE: $BASE is the local stand-in, not the official image:"
  info "$("$DOCKER" image inspect -f '{{index .Config.Labels "org.opencontainers.image.description"}}' "$BASE")"
fi
info "size $(mib "$("$DOCKER" image inspect -f '{{.Size}}' "$BASE")")"
base_env=$("$DOCKER" image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$BASE")
if [[ $base_env == *NODE_EXTRA_CA_CERTS=* ]]; then
  info "NOTE: $BASE sets $(printf '%s\n' "$base_env" | grep NODE_EXTRA_CA_CERTS=); $IMAGE inherits it"
fi

if out=$("$DOCKER" run --rm --network host "$BASE" node --version 2>&1) && [[ $out == v22.* ]]; then
  pass "base: node --version = $out"
else fail "base: node --version" "$out"; fi
if out=$("$DOCKER" run --rm --network host "$BASE" npm --version 2>&1) && [[ $out =~ ^[0-9]+\. ]]; then
  pass "base: npm --version = $out"
else fail "base: npm --version" "$out"; fi
if out=$("$DOCKER" run --rm --network host "$BASE" id node 2>&1) && [[ $out == "uid=1000(node) gid=1000(node)"* ]]; then
  pass "base: user node is uid 1000"
else fail "base: user node is uid 1000" "$out"; fi

# ---------------------------------------------------------------------------------------------------------------
step "2. docker build -t $IMAGE ."

# Legacy builder by default: a docker client without buildx (Debian's docker.io here) cannot use BuildKit, and
# the Dockerfile uses nothing BuildKit-only. Set DOCKER_BUILDKIT=1 to build with BuildKit.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}
if [ "${SMOKE_SKIP_BUILD:-0}" = 1 ]; then
  info "SMOKE_SKIP_BUILD=1: using $IMAGE as it is"
else
  # --force-rm: the legacy builder otherwise keeps the container of a failed step.
  build_flags=(--network host --force-rm -t "$IMAGE")
  [ "${SMOKE_NO_CACHE:-0}" = 1 ] && build_flags+=(--no-cache)
  t0=$(now_ms)
  if "$DOCKER" build "${build_flags[@]}" . >"$WORK/build.log" 2>&1; then
    build_s=$(( ($(now_ms) - t0) / 1000 ))
    pass "docker build ${build_flags[*]} . in ${build_s} s (DOCKER_BUILDKIT=$DOCKER_BUILDKIT)"
    # The context the daemon received, with .dockerignore applied (the legacy builder prints its size).
    grep -m1 -i 'sending build context' "$WORK/build.log" | sed 's/^/      /' || true
  else
    fail "docker build" "$(tail -30 "$WORK/build.log")"
    echo "0 checks after the build can run"; exit 1
  fi
fi
info "image size $(mib "$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")") ($IMAGE)"

# ---------------------------------------------------------------------------------------------------------------
step "3. the image"

if out=$(logship -- --help 2>&1) && [[ $out == *"Usage: logship <command>"* ]]; then
  pass "logship --help: exit 0, prints the usage"
else fail "logship --help" "$out"; fi
if out=$("$DOCKER" run --rm --network host "$IMAGE" 2>&1) && [[ $out == *"Usage: logship"* ]]; then
  pass "no arguments (CMD --help): exit 0"
else fail "no arguments (CMD --help)" "$out"; fi
if out=$(logship -- --version 2>&1); then pass "logship --version: $out"; else fail "logship --version" "$out"; fi

# validate, with the example configs mounted read-only, and a bad file.
for f in agent.yaml sink.yaml all-in-one.yaml; do
  rc=0; out=$(logship -v "$REPO/config/examples:/etc/logship:ro" -- validate "/etc/logship/$f" 2>&1) || rc=$?
  if [ "$rc" = 0 ]; then pass "validate /etc/logship/$f (mounted example): exit 0"
  else fail "validate /etc/logship/$f: exit $rc, expected 0" "$out"; fi
done
mkdir -p "$WORK/badconf"
chmod 0755 "$WORK" "$WORK/badconf"        # mktemp -d makes 0700; the container's uid 10001 must read the file
cat >"$WORK/badconf/bad.yaml" <<'EOF'
kafka:
  brokerz: ["127.0.0.1:9092"]
agent:
  batch:
    max_events: 0
EOF
chmod 0644 "$WORK/badconf/bad.yaml"
rc=0; out=$(logship -v "$WORK/badconf:/etc/logship:ro" -- validate /etc/logship/bad.yaml 2>&1) || rc=$?
if [ "$rc" = 78 ] && [[ $out == *kafka.brokerz* ]] && [[ $out == *agent.batch.max_events* ]]; then
  pass "validate bad.yaml: exit 78, names kafka.brokerz and agent.batch.max_events"
else fail "validate bad.yaml: exit $rc, expected 78 naming both keys" "$out"; fi

# The user, and what it can write.
if out=$("$DOCKER" run --rm --entrypoint id "$IMAGE" 2>&1) && [ "$out" = "uid=10001(logship) gid=10001(logship) groups=10001(logship)" ]; then
  pass "runs as: $out"
else fail "runs as uid 10001" "$out"; fi
# `test -w` would be wrong for root, but the check runs as the image's user, which is the point.
# shellcheck disable=SC2016  # the script is for the container's shell, not expanded here
out=$("$DOCKER" run --rm --entrypoint /bin/sh "$IMAGE" -c '
  for p in /app /app/dist /app/bin /app/node_modules /app/dist/cli/main.js /app/package.json; do
    [ -w "$p" ] && echo "writable: $p"
  done
  touch /app/x 2>/dev/null && echo "created /app/x"
  { echo x >>/app/dist/cli/main.js; } 2>/dev/null && echo "appended to /app/dist/cli/main.js"
  touch /var/lib/logship/probe || echo "cannot write /var/lib/logship"
  stat -c "%U:%G %a %n" /app /app/dist /var/lib/logship' 2>&1)
if [[ $out != *writable:* && $out != *created* && $out != *appended* && $out != *"cannot write"* ]]; then
  pass "/app and its files are not writable by uid 10001; /var/lib/logship is"
  printf '%s\n' "$out" | sed 's/^/      /'
else fail "/app not writable, /var/lib/logship writable" "$out"; fi

# ---------------------------------------------------------------------------------------------------------------
step "4. agent and sink containers against Kafka $KAFKA and Elasticsearch $ES"

curl -fsS "$ES/_cluster/health" >/dev/null || die "Elasticsearch at $ES does not answer"

# Free loopback ports for the metrics servers: on the host network 9464/9465 may be taken by someone else's agent.
free_port() { image_node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
AGENT_PORT=$(free_port)
SINK_PORT=$(free_port)
while [ "$SINK_PORT" = "$AGENT_PORT" ]; do SINK_PORT=$(free_port); done

LOGDIR="$WORK/logs"
mkdir -p "$LOGDIR"
chmod 0755 "$LOGDIR"
LOG="$LOGDIR/app.log"
: >"$LOG"
chmod 0644 "$LOG"
"$DOCKER" volume create "$VOLUME" >/dev/null
created_topics=1

# shellcheck source=deploy/smoke/pipeline.sh
. deploy/smoke/pipeline.sh

N1=100; N2=100; N3=50
info "run $RUN_ID: topic $TOPIC, group $GROUP, indices $PREFIX-*, host name $HOSTNAME_TAG"

start_sink
if wait_ready "$SINK" "$SINK_PORT" 90; then pass "sink container ready (/readyz 200, compose health check command)"
else fail "sink container ready" "$(container_logs "$SINK")"; fi

# Run 1 with --init (as in docker-compose.yml: tini is PID 1 and forwards SIGTERM).
write_lines 1 "$N1"                        # already there when the agent starts: read from the beginning
start_agent --init
if wait_ready "$AGENT" "$AGENT_PORT" 60; then pass "agent container ready (/readyz 200)"
else fail "agent container ready" "$(container_logs "$AGENT")"; fi
write_lines $((N1 + 1)) $((N1 + N2))       # appended while it runs: followed
expected=$((N1 + N2))
n=$(wait_count "$expected" 120)
if [ "$n" = "$expected" ]; then pass "Elasticsearch $PREFIX-*/_count = $n (lines written: $expected)"
else fail "Elasticsearch count $n, expected $expected" "$(container_logs "$AGENT"; container_logs "$SINK")"; fi

out=$(logship -e "LOGSHIP_ELASTICSEARCH_URL=$ES" -e "LOGSHIP_ELASTICSEARCH_INDEX_PREFIX=$PREFIX" -- \
  search --host "$HOSTNAME_TAG" --since 1h --limit 1000 --json 2>&1) || true
hits=$(printf '%s\n' "$out" | grep -c "l${RUN_ID}n" || true)
if [ "$hits" = "$expected" ]; then pass "logship search --host $HOSTNAME_TAG --json (in a container): $hits lines"
else fail "logship search --host: $hits lines, expected $expected" "$(printf '%s\n' "$out" | tail -5)"; fi
token=$(printf 'l%sn%06d' "$RUN_ID" 42)
out=$(logship -e "LOGSHIP_ELASTICSEARCH_URL=$ES" -e "LOGSHIP_ELASTICSEARCH_INDEX_PREFIX=$PREFIX" -- \
  search "$token" --since 1h 2>&1) || true
if [ "$(printf '%s\n' "$out" | grep -c "$token")" = 1 ] && [[ $out == *"$HOSTNAME_TAG"* ]]; then
  pass "logship search $token: 1 hit: $(printf '%s\n' "$out" | grep "$token" | head -1)"
else fail "logship search $token" "$out"; fi

read -r ms rc < <(stop_timed "$AGENT")
if [ "$rc" = 0 ] && [ "$ms" -lt 10000 ]; then pass "docker stop agent (--init): exit $rc after ${ms} ms"
else fail "docker stop agent (--init): exit $rc after ${ms} ms, expected 0 in < 10 s" "$(container_logs "$AGENT")"; fi
records1=$(kafka_count)
info "records in $TOPIC after run 1: $records1"
[ "$records1" = "$expected" ] || fail "Kafka holds $records1 records after run 1, expected $expected"

out=$("$DOCKER" run --rm -v "$VOLUME:/var/lib/logship:ro" --entrypoint /bin/sh "$IMAGE" -c \
  'ls -ln /var/lib/logship; cat /var/lib/logship/checkpoints.json' 2>&1) || true
size=$(stat -c %s "$LOG")
if [[ $out == *'"offset":'"$size"* ]] && printf '%s\n' "$out" | grep -q ' 10001 *10001 .*checkpoints.json'; then
  pass "checkpoint on the volume: checkpoints.json owned by 10001, offset $size = the file's size"
else fail "checkpoint on the volume (offset $size, owner 10001)" "$out"; fi
"$DOCKER" rm -v "$AGENT" >/dev/null

# Run 2: a new container on the same volume, without --init (node is PID 1 and must handle SIGTERM itself).
write_lines $((N1 + N2 + 1)) $((N1 + N2 + N3))   # written while no agent runs
start_agent
if wait_ready "$AGENT" "$AGENT_PORT" 60; then pass "agent restarted on the same volume (no --init), ready"
else fail "agent restarted, ready" "$(container_logs "$AGENT")"; fi
expected=$((N1 + N2 + N3))
n=$(wait_count "$expected" 120)
if [ "$n" = "$expected" ]; then pass "Elasticsearch count after restart = $n (lines written: $expected)"
else fail "Elasticsearch count after restart $n, expected $expected" "$(container_logs "$AGENT"; container_logs "$SINK")"; fi
# Elasticsearch would hide re-sent lines (same ids, one document); Kafka shows them. After a clean stop the
# checkpoint is the acknowledged watermark, so the design allows no re-sends here at all.
records2=$(kafka_count)
if [ "$records2" = "$expected" ]; then
  pass "nothing re-sent: $TOPIC holds $records2 records = lines written (run 2 sent only the $N3 new ones)"
else fail "Kafka holds $records2 records, expected $expected (re-sent: $((records2 - expected)))"; fi

read -r ms rc < <(stop_timed "$AGENT")
if [ "$rc" = 0 ] && [ "$ms" -lt 10000 ]; then pass "docker stop agent (node as PID 1): exit $rc after ${ms} ms"
else fail "docker stop agent (no --init): exit $rc after ${ms} ms, expected 0 in < 10 s" "$(container_logs "$AGENT")"; fi
read -r ms rc < <(stop_timed "$SINK")
if [ "$rc" = 0 ] && [ "$ms" -lt 15000 ]; then pass "docker stop sink (--init): exit $rc after ${ms} ms"
else fail "docker stop sink: exit $rc after ${ms} ms, expected 0 in < 15 s" "$(container_logs "$SINK")"; fi

# ---------------------------------------------------------------------------------------------------------------
step "result"
if [ "$failed" -gt 0 ]; then
  printf 'FAILED: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
