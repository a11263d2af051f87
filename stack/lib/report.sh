# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): status, env and verify-cache.

status() {
  local pid
  if pid="$(pid_of "$KAFKA_PID")"; then
    if kafka_healthy; then echo "kafka         $KAFKA_VERSION  running  127.0.0.1:$KAFKA_PORT  pid $pid  user $(proc_user "$pid")";
    else echo "kafka         $KAFKA_VERSION  starting 127.0.0.1:$KAFKA_PORT  pid $pid  user $(proc_user "$pid")"; fi
  elif [ ! -d "$CLUSTER_RUN" ]; then echo "kafka         $KAFKA_VERSION  stopped"; fi
  cluster_status
  if kafka_healthy && kafka_secured; then
    echo "  secured     SSL 127.0.0.1:$KAFKA_SSL_PORT, SASL_PLAINTEXT 127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT, SASL_SSL 127.0.0.1:$KAFKA_SASL_SSL_PORT"
  fi
  if pid="$(pid_of "$ES_PID")"; then
    if es_healthy; then echo "elasticsearch $ES_VERSION running  http://127.0.0.1:$ES_PORT  pid $pid  user $(proc_user "$pid")";
    else echo "elasticsearch $ES_VERSION starting http://127.0.0.1:$ES_PORT  pid $pid  user $(proc_user "$pid")"; fi
  elif es_healthy; then echo "elasticsearch $ES_VERSION running  http://127.0.0.1:$ES_PORT  (no pid file)";
  else echo "elasticsearch $ES_VERSION stopped"; fi
  if pid="$(pid_of "$ES_SECURE_PID")"; then
    ensure_secure_material
    if es_secure_healthy; then echo "  secured     running  https://127.0.0.1:$ES_SECURE_PORT  pid $pid  user $(proc_user "$pid")";
    else echo "  secured     starting https://127.0.0.1:$ES_SECURE_PORT  pid $pid  user $(proc_user "$pid")"; fi
  fi
  echo "state         $DIR"
}

# What clients need: the plaintext addresses as logship's own LOGSHIP_* config variables (so `eval` configures
# logship), and the secured ones under LOGSHIP_STACK_*, which are not config keys (so they change nothing).
print_env() {
  ensure_secure_material
  # The cluster's brokers when it runs and the single node does not (`up --kafka-brokers 3`).
  if ! pid_alive "$KAFKA_PID" && cluster_healthy; then echo "LOGSHIP_KAFKA_BROKERS=$(cluster_brokers)";
  else echo "LOGSHIP_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"; fi
  echo "LOGSHIP_STACK_CLUSTER_BROKERS=$(cluster_brokers)"
  echo "LOGSHIP_ES_URL=http://127.0.0.1:$ES_PORT"
  echo "LOGSHIP_STACK_KAFKA_SSL_BROKERS=127.0.0.1:$KAFKA_SSL_PORT"
  echo "LOGSHIP_STACK_KAFKA_SASL_PLAINTEXT_BROKERS=127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT"
  echo "LOGSHIP_STACK_KAFKA_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT"
  echo "LOGSHIP_STACK_CA_FILE=$SECURE/ca.crt"
  echo "LOGSHIP_STACK_KAFKA_PLAIN_USER=$SEC_KAFKA_PLAIN_USER"
  echo "LOGSHIP_STACK_KAFKA_PLAIN_PASSWORD=$SEC_KAFKA_PLAIN_PASSWORD"
  echo "LOGSHIP_STACK_KAFKA_SCRAM_USER=$SEC_KAFKA_SCRAM_USER"
  echo "LOGSHIP_STACK_KAFKA_SCRAM_PASSWORD=$SEC_KAFKA_SCRAM_PASSWORD"
  echo "LOGSHIP_STACK_ES_SECURE_URL=https://127.0.0.1:$ES_SECURE_PORT"
  echo "LOGSHIP_STACK_ES_USER=$SEC_ES_USER"
  echo "LOGSHIP_STACK_ES_PASSWORD=$SEC_ES_PASSWORD"
}

verify_cache() {
  local rc=0
  if verify_kafka_libs; then log "kafka $KAFKA_VERSION libs match the pinned manifest"; else rc=4; fi
  if verify_es_zip; then log "elasticsearch $ES_VERSION zip matches its pinned SHA-512"; else rc=4; fi
  return "$rc"
}

stop_kafka() { stop_pid "$KAFKA_PID" kafka kafka; }
stop_secure_es() { stop_pid "$ES_SECURE_PID" "secured elasticsearch" secure-es; }
