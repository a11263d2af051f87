# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): processes: pid files, health, waiting, stopping.

# ---- Processes.

# The pid in a pid file when it is a number and that process lives. Elasticsearch writes its pid files as its
# own user, so stop_pid signals a process only when its command line shows this instance (proc_is_ours).
pid_of() { local p; [ -f "$1" ] || return 1; p="$(head -c 20 -- "$1" 2>/dev/null | tr -d '[:space:]')" || true; [[ "$p" =~ ^[1-9][0-9]{0,9}$ ]] && kill -0 "$p" 2>/dev/null && echo "$p"; }
pid_alive() { pid_of "$1" >/dev/null; }
proc_is_ours() { # pid marker
  local c; c="$(tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null)" || return 1
  grep -qxF -- "-Dlogship.stack=$2" <<<"$c" && grep -qF -- "$DIR/" <<<"$c"
}
proc_user() { stat -c %U "/proc/$1" 2>/dev/null || echo "?"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
es_healthy() { curl -fsS -m 2 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }
# $RUN/kafka.log: where a Kafka started by an older stack.sh logs.
kafka_healthy() { pid_alive "$KAFKA_PID" && port_open "$KAFKA_PORT" && grep -qs "Kafka Server started\|KafkaRaftServer.*started" "$KAFKA_LOG" "$RUN/kafka.log"; }


wait_healthy() { # [es-only]: the cluster's brokers are waited for by wait_brokers
  local deadline=$((SECONDS + ${LOGSHIP_STACK_TIMEOUT:-180}))
  local k=0 e=0
  [ "${1:-}" != es-only ] || k=1
  while [ $SECONDS -lt $deadline ]; do
    [ $k = 1 ] || { kafka_healthy && k=1 && log "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT"; }
    [ $e = 1 ] || { es_healthy && e=1 && log "elasticsearch $ES_VERSION ready on http://127.0.0.1:$ES_PORT"; }
    [ $k = 1 ] && [ $e = 1 ] && return 0
    [ $k = 1 ] || pid_alive "$KAFKA_PID" || { tail -20 "$RUN/kafka.out" >&2; as_user "$KAFKA_USER" tail -20 "$KAFKA_LOG" >&2; die "kafka exited during start (log: $KAFKA_LOG)"; }
    sleep 1
  done
  [ $k = 1 ] || die "kafka not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (log: $KAFKA_LOG)"
  die "elasticsearch not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (log: $RUN/es/logs/logship-local.log)"
}

stop_pid() { # pidfile name marker
  local pidf="$1" name="$2" marker="$3" p pids=""
  # Only processes whose command line shows the marker and this instance's directory are ours: another instance
  # (e.g. LOGSHIP_STACK_DIR=... on other ports) must survive our `down`, and a pid file cannot aim us elsewhere.
  for p in $(pid_of "$pidf" || true) $(pgrep -f -- "-Dlogship.stack=$marker" || true); do
    proc_is_ours "$p" "$marker" && pids="$pids $p"
  done
  # shellcheck disable=SC2086 # $pids is a whitespace-separated list of pids: split on purpose
  pids="$(printf '%s\n' $pids | sort -u)"
  [ -n "$pids" ] || { rm -f "$pidf"; return 0; }
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 60); do
    local alive=""; for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break; sleep 0.5
  done
  for p in $pids; do kill -0 "$p" 2>/dev/null && { log "$name did not stop in 30s, killing"; kill -9 "$p" 2>/dev/null || true; }; done
  rm -f "$pidf"
}

