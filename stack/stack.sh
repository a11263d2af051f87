#!/usr/bin/env bash
# Local single-node Kafka (KRaft) + Elasticsearch on 127.0.0.1, fetched from Maven Central with mvn.
# Used by the tests, the benchmarks and `npm start`. Usage: stack.sh up|down|status|fetch|verify-cache|env|up-secure-es|...
# `up --kafka-brokers 3` (or LOGSHIP_STACK_KAFKA_BROKERS=3) starts a three-broker KRaft cluster instead of the single
# node, `up-cluster` starts it beside the single node; stop-/start-/kill-/freeze-/thaw-broker N act on one of its
# brokers (lib/cluster.sh says how it is laid out and why).
#
# The functions live in stack/lib/*.sh, sourced from the repository next to this file; nothing is ever sourced from
# the state directory.
#
# Security (test/integration/security.test.ts): the same Kafka also listens with SSL, SASL_PLAINTEXT and SASL_SSL
# (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on further ports, and `up-secure-es` starts a second Elasticsearch with
# security and HTTPS on. Their CA, certificates and random credentials are made once in $DIR/secure;
# `stack.sh env` prints the addresses, the CA file and the credentials.
#
# Safe to run as root (test/unit/stack-script.test.ts, test/integration/stack-verify.test.ts):
# - The state directory is used only if it is ours: it and its cache/, run/ and secure/ must be directories (not
#   links) owned by the running user and not writable by group or others, and every directory above it must be
#   root's or ours and writable by others only with the sticky bit (/var/tmp). Otherwise the script refuses (exit 3).
#   It makes them 0700; as root 0711 (but secure/ 0700), so that the services' users can pass through to their own
#   directories without listing or writing anything on the way.
# - Nothing in the state directory is sourced or believed: the credentials file is parsed as KEY=value lines (known keys, values of
#   [A-Za-z0-9._-]), and a pid file only names a process to signal when that process is this instance's.
# - As root, Kafka runs as the user logship-kafka and Elasticsearch as logship-es (through setpriv: no shell, no
#   new privileges, a clean environment), each owning a 0700 directory under run/ with its data, config and key
#   material. Root writes nothing into those itself (a link planted there cannot turn a root write elsewhere): files
#   go in through the service's user. Everything the script makes is 0600 in 0700 directories (umask 077), except
#   what the services must read: the Kafka jars, the unpacked Elasticsearch (public, and root's: read-only to them).
# - Every artifact is checked on every `up` before anything runs from it: mvn downloads with strict checksums (-C),
#   and the Elasticsearch zip (SHA-512) and Kafka's libs (SHA-256 of their sorted sha256sum manifest) must match the
#   pins below. A mismatch is fetched again (from the local Maven repository, then purged there and downloaded);
#   `verify-cache` only checks (exit 4 on a mismatch or a missing artifact).
#
# Versions, and why:
#   Kafka 4.1.1 (kafka_2.13): KRaft-only, runs on Java 17; kafkajs 2.2.4 produces, consumes in a group and
#     commits against it (test/integration proves it on every run).
#   Elasticsearch 8.19.4 (integ-test-zip): Maven Central has no 9.x integ-test-zip (newest listed: 8.19.21),
#     so the client is @elastic/elasticsearch 8.19. Runs on Java 17.
set -euo pipefail
umask 077
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KAFKA_VERSION="${LOGSHIP_KAFKA_VERSION:-4.1.1}"
ES_VERSION="${LOGSHIP_ES_VERSION:-8.19.4}"
# Pins, cross-checked when added against Maven Central: the zip's .sha512 there, and the .sha1 there of each of the
# 93 jars. Another version needs its own line: fetch it once, check it the same way, add it.
case "$ES_VERSION" in
  8.19.4) ES_ZIP_SHA512=51d6666aff2064bd50ec02a6aaf2f14d09366a8ec27adb474b3f555dbc99f8d71361c81ae09de5216b64aefe9c8cfc687dd5d7768490905f39f53cc6e28c79d7 ;;
  *) ES_ZIP_SHA512="" ;;
esac
case "$KAFKA_VERSION" in
  4.1.1) KAFKA_LIBS_SHA256=e41fc051165a94bfb20c39ab7d1dd2eafe829f11abf6890e10df6dd4d38ff920 ;;
  *) KAFKA_LIBS_SHA256="" ;;
esac
KAFKA_PORT="${LOGSHIP_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LOGSHIP_KAFKA_CONTROLLER_PORT:-9093}"
ES_PORT="${LOGSHIP_ES_PORT:-9200}"
# Secured listeners of the same Kafka process, derived from its port so that stack instances do not collide.
KAFKA_SSL_PORT="${LOGSHIP_KAFKA_SSL_PORT:-$((KAFKA_PORT + 10))}"
KAFKA_SASL_PLAINTEXT_PORT="${LOGSHIP_KAFKA_SASL_PLAINTEXT_PORT:-$((KAFKA_PORT + 11))}"
KAFKA_SASL_SSL_PORT="${LOGSHIP_KAFKA_SASL_SSL_PORT:-$((KAFKA_PORT + 12))}"
# The secured Elasticsearch (up-secure-es); its transport port is +100 like the default one's.
ES_SECURE_PORT="${LOGSHIP_ES_SECURE_PORT:-$((ES_PORT + 1))}"
ES_SECURE_HEAP="${LOGSHIP_ES_SECURE_HEAP:-512m}"
# The users the services run as when the script runs as root: one each, so that neither can touch the other's data.
ES_USER="${LOGSHIP_ES_USER:-logship-es}"
KAFKA_USER="${LOGSHIP_KAFKA_USER:-logship-kafka}"
ES_HEAP="${LOGSHIP_ES_HEAP:-768m}"
KAFKA_HEAP="${LOGSHIP_KAFKA_HEAP:-512m}"
ES_WRITE_QUEUE="${LOGSHIP_ES_WRITE_QUEUE_SIZE:-10000}"
MY_UID="$(id -u)"
if [ "$MY_UID" = 0 ]; then IS_ROOT=1 PASS_MODE=711 DEFAULT_DIR=/var/tmp/logship-stack;
else IS_ROOT=0 PASS_MODE=700 DEFAULT_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/logship-stack"; fi
DIR="$(realpath -ms -- "${LOGSHIP_STACK_DIR:-$DEFAULT_DIR}")"
CACHE="$DIR/cache"
RUN="$DIR/run"
KAFKA_WORK="$CACHE/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_WORK/libs"
KAFKA_MANIFEST="$KAFKA_WORK/libs.sha256"   # of the last verified fetch: names the jars that changed since
ES_ZIP="$CACHE/elasticsearch-$ES_VERSION.zip"
ES_HOME="$DIR/es-$ES_VERSION"
KAFKA_DATA="$RUN/kafka-data"
KAFKA_CONF="$RUN/kafka"   # Kafka's own: config, key store, log
KAFKA_LOG="$KAFKA_CONF/kafka.log"
KAFKA_PID="$RUN/kafka.pid"
ES_PID="$RUN/es/es.pid"
ES_CONF="$RUN/es/config"
SECURE="$DIR/secure"
ES_SECURE_HOME="$DIR/es-$ES_VERSION-secure"
ES_SECURE_RUN="$RUN/es-secure"
ES_SECURE_CONF="$ES_SECURE_RUN/config"
ES_SECURE_PID="$ES_SECURE_RUN/es.pid"

die() { echo "logship stack: $*" >&2; exit 1; }
log() { echo "logship stack: $*" >&2; }
unsafe() { echo "logship stack: refusing the state directory: $*" >&2; exit 3; }
user_name() { id -nu "$1" 2>/dev/null || echo "uid $1"; }

# The pieces, from the repository next to this script (never from the state directory, which is data).
# shellcheck source=stack/lib/state.sh
source "$HERE/lib/state.sh"
# shellcheck source=stack/lib/artifacts.sh
source "$HERE/lib/artifacts.sh"
# shellcheck source=stack/lib/secure.sh
source "$HERE/lib/secure.sh"
# shellcheck source=stack/lib/processes.sh
source "$HERE/lib/processes.sh"
# shellcheck source=stack/lib/kafka.sh
source "$HERE/lib/kafka.sh"
# shellcheck source=stack/lib/es.sh
source "$HERE/lib/es.sh"
# shellcheck source=stack/lib/report.sh
source "$HERE/lib/report.sh"
# shellcheck source=stack/lib/cluster.sh
source "$HERE/lib/cluster.sh"


# How many Kafka brokers `up` starts: 1 (the single node, with its secured listeners) or 3 (the cluster in
# lib/cluster.sh). Not LOGSHIP_KAFKA_BROKERS: that is logship's own kafka.brokers variable, which `env` prints.
KAFKA_NODES="${LOGSHIP_STACK_KAFKA_BROKERS:-1}"
CMD="${1:-}"; shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka-brokers) KAFKA_NODES="${2:-}"; shift 2 || shift ;;
    --kafka-brokers=*) KAFKA_NODES="${1#*=}"; shift ;;
    [1-9]) BROKER_N="$1"; shift ;;
    *) die "unknown argument '$1' (see the usage: stack.sh help)" ;;
  esac
done
case "$KAFKA_NODES" in 1|3) ;; *) die "--kafka-brokers (LOGSHIP_STACK_KAFKA_BROKERS) must be 1 or 3, not '$KAFKA_NODES'" ;; esac
USAGE="usage: stack.sh up [--kafka-brokers 1|3]|down|status|fetch|verify-cache|reset|stop-kafka|start-kafka|stop-es|start-es|up-secure-es|down-secure-es|env
       stack.sh up-cluster|down-cluster|start-broker N|stop-broker N|kill-broker N|freeze-broker N|thaw-broker N|broker-pid N"

case "$CMD" in
  up|fetch|start-kafka|start-es|up-secure-es|env|up-cluster|start-broker) state_dir create ;;
  down|status|stop-kafka|stop-es|down-secure-es|reset|verify-cache|down-cluster|stop-broker|kill-broker|freeze-broker|thaw-broker|broker-pid) state_dir ;;
esac
case "$CMD" in
  up) command -v curl >/dev/null || die "curl not found: install it (apt-get install curl)"
      fetch_kafka; fetch_es   # every `up` checks the cache, running or not
      if [ "$KAFKA_NODES" = 3 ]; then
        if cluster_healthy && es_healthy; then log "already up"; status; exit 0; fi
        start_es; up_cluster; wait_healthy es-only; status; exit 0
      fi
      # A Kafka started by an older stack.sh has no secured listeners: restart it once with them.
      if kafka_healthy && ! kafka_secured; then log "kafka runs without its SSL/SASL listeners: restarting it"; stop_kafka; fi
      if kafka_healthy && es_healthy; then note_root_kafka; ensure_scram_user; log "already up"; status; exit 0; fi
      start_kafka; start_es; wait_healthy; ensure_scram_user; status ;;
  down) stop_kafka; down_cluster; stop_pid "$ES_PID" elasticsearch es; stop_secure_es; log "stopped" ;;
  status) status ;;
  fetch) fetch_kafka; fetch_es ;;
  verify-cache) verify_cache || exit 4 ;;
  stop-kafka) stop_kafka ;;
  start-kafka) start_kafka; wait_healthy; ensure_scram_user ;;
  stop-es) stop_pid "$ES_PID" elasticsearch es ;;
  start-es) start_es; wait_healthy ;;
  up-secure-es) command -v curl >/dev/null || die "curl not found: install it (apt-get install curl)"
      start_secure_es; wait_secure_es ;;
  down-secure-es) stop_secure_es ;;
  up-cluster) up_cluster ;;
  down-cluster) down_cluster ;;
  start-broker) check_broker_n "${BROKER_N:-}"; start_brokers "$BROKER_N" ;;
  stop-broker) signal_broker "${BROKER_N:-}" stop ;;
  kill-broker) signal_broker "${BROKER_N:-}" kill ;;
  freeze-broker) signal_broker "${BROKER_N:-}" freeze ;;
  thaw-broker) signal_broker "${BROKER_N:-}" thaw ;;
  broker-pid) check_broker_n "${BROKER_N:-}"; broker_pid "$BROKER_N" || die "broker $BROKER_N is not running" ;;
  reset) "$0" down; rm -rf "$RUN"; log "data removed" ;;
  env) print_env ;;
  *) echo "$USAGE" >&2; exit 2 ;;
esac
