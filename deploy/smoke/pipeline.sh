# shellcheck shell=bash
# docker-smoke.sh: the agent and sink containers of step 4 and what the checks ask of them.
# Sourced by deploy/docker-smoke.sh (its variables: DOCKER, IMAGE, KAFKA, ES, the run's names); not run alone.

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
