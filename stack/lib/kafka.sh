# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): the single-node Kafka.

# A KRaft cluster id: 16 random bytes, base64url. One that starts with "-" reads as an option to kafka-storage
# ("--cluster-id: expected one argument"), so the first character is always a letter.
new_cluster_id() { local id; id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; printf 'A%s\n' "${id:1}"; }

start_kafka() {
  if kafka_healthy; then return 0; fi
  if pid_alive "$KAFKA_PID"; then return 0; fi   # starting: wait_healthy handles it
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set LOGSHIP_KAFKA_PORT"
  port_open "$KAFKA_SSL_PORT" && die "port $KAFKA_SSL_PORT is taken by another process; set LOGSHIP_KAFKA_SSL_PORT"
  port_open "$KAFKA_SASL_PLAINTEXT_PORT" && die "port $KAFKA_SASL_PLAINTEXT_PORT is taken by another process; set LOGSHIP_KAFKA_SASL_PLAINTEXT_PORT"
  port_open "$KAFKA_SASL_SSL_PORT" && die "port $KAFKA_SASL_SSL_PORT is taken by another process; set LOGSHIP_KAFKA_SASL_SSL_PORT"
  fetch_kafka
  ensure_secure_material
  ensure_user "$KAFKA_USER"
  service_dir "$KAFKA_USER" "$KAFKA_CONF"
  service_dir "$KAFKA_USER" "$KAFKA_DATA"
  # What an older stack.sh kept in run/ as root: Kafka's config (with its passwords) and log.
  rm -f -- "$RUN/kafka.properties" "$RUN/log4j2.properties" "$RUN/log4j2-tools.properties" "$RUN/kafka.log"
  write_as "$KAFKA_USER" "$KAFKA_CONF/server.p12" < "$SECURE/kafka-server.p12"
  # The controller and the brokers' own traffic stay PLAINTEXT; the SSL and SASL listeners are for clients only.
  # PLAIN users live in the listeners' JAAS config; SCRAM users in the cluster metadata (ensure_scram_user).
  local plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required user_${SEC_KAFKA_PLAIN_USER}=\"${SEC_KAFKA_PLAIN_PASSWORD}\";"
  local scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  write_as "$KAFKA_USER" "$KAFKA_CONF/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_CONF/server.p12
ssl.keystore.password=$SEC_KEYSTORE_PASSWORD
ssl.key.password=$SEC_KEYSTORE_PASSWORD
ssl.client.auth=none
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$scram_jaas
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.sasl_ssl.plain.sasl.jaas.config=$plain_jaas
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram_jaas
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram_jaas
log.dirs=$KAFKA_DATA
num.partitions=${LOGSHIP_KAFKA_PARTITIONS:-4}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
message.max.bytes=16777216
PROPS
  write_as "$KAFKA_USER" "$KAFKA_CONF/log4j2.properties" <<L4J
status=error
appender.file.type=File
appender.file.name=file
appender.file.fileName=$KAFKA_LOG
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.state.name=state.change.logger
logger.state.level=WARN
L4J
  local java; java="$(java_for_kafka)"
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    (cd "$KAFKA_CONF" && as_user "$KAFKA_USER" "$java" -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.properties" \
      kafka.tools.StorageTool format -t "$(new_cluster_id)" -c "$KAFKA_CONF/kafka.properties") \
      >"$RUN/kafka-format.log" 2>&1 || { cat "$RUN/kafka-format.log" >&2; die "kafka storage format failed"; }
  fi
  write_as "$KAFKA_USER" "$KAFKA_LOG" </dev/null
  # The marker property lets `down` find a Kafka of ours even if its pid file was lost. exec all the way down
  # (nohup, setpriv, env): $! is Kafka's pid.
  runas "$KAFKA_USER"
  (cd "$KAFKA_CONF" && exec nohup ${RUNAS[@]+"${RUNAS[@]}"} "$java" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Dlogship.stack=kafka \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.properties" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF/kafka.properties" \
    >"$RUN/kafka.out" 2>&1 < /dev/null) &
  echo $! > "$KAFKA_PID"
}

# All three secured listeners answer: false for a Kafka started by an older stack.sh (plaintext only).
kafka_secured() { port_open "$KAFKA_SSL_PORT" && port_open "$KAFKA_SASL_PLAINTEXT_PORT" && port_open "$KAFKA_SASL_SSL_PORT"; }

# SCRAM credentials live in the cluster metadata, so they are added through the running broker (its PLAINTEXT
# listener), which works on a freshly formatted and on a re-used data directory alike. The marker (cluster id,
# user, password) skips the JVM start when they are already there.
ensure_scram_user() {
  ensure_secure_material
  local cluster marker want
  cluster="$(sed -n 's/^cluster.id=//p' "$KAFKA_DATA/meta.properties" 2>/dev/null)"
  marker="$RUN/kafka-scram-user"
  want="$(printf '%s %s %s' "$cluster" "$SEC_KAFKA_SCRAM_USER" "$SEC_KAFKA_SCRAM_PASSWORD" | sha256sum | cut -c1-32)"
  [ "$(cat "$marker" 2>/dev/null)" = "$want" ] && return 0
  ensure_user "$KAFKA_USER"
  service_dir "$KAFKA_USER" "$KAFKA_CONF"
  printf '%s\n' status=error appender.err.type=Console appender.err.name=err appender.err.target=SYSTEM_ERR \
    appender.err.layout.type=PatternLayout 'appender.err.layout.pattern=%p %m (%c)%n' rootLogger.level=WARN \
    rootLogger.appenderRef.err.ref=err | write_as "$KAFKA_USER" "$KAFKA_CONF/log4j2-tools.properties"
  # One mechanism per call: KRaft refuses to alter one user's credentials twice in a request.
  local mech
  for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
    (cd "$KAFKA_CONF" && as_user "$KAFKA_USER" "$(java_for_kafka)" -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2-tools.properties" \
      kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users --entity-name "$SEC_KAFKA_SCRAM_USER" \
      --add-config "$mech=[password=$SEC_KAFKA_SCRAM_PASSWORD]") >"$RUN/kafka-scram.log" 2>&1 \
      || { cat "$RUN/kafka-scram.log" >&2; die "could not add the $mech user $SEC_KAFKA_SCRAM_USER"; }
  done
  echo "$want" > "$marker"
  log "kafka SCRAM-SHA-256/512 user $SEC_KAFKA_SCRAM_USER added"
}

# A Kafka that an older stack.sh started as root is kept (other users of the stack may be in the middle of a run).
note_root_kafka() {
  local pid
  [ "$IS_ROOT" = 1 ] && pid="$(pid_of "$KAFKA_PID")" && [ "$(stat -c %u "/proc/$pid")" = 0 ] || return 0
  log "kafka (pid $pid) runs as root: an older stack.sh started it. Kept; \`stack.sh stop-kafka && stack.sh up\` restarts it as $KAFKA_USER"
}

# The distribution's config files a node needs, copied into its own config directory.
