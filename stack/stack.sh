#!/usr/bin/env bash
# Local single-node Kafka (KRaft) + Elasticsearch on 127.0.0.1, fetched from Maven Central with mvn.
# Used by the tests, the benchmarks and `npm start`. Usage: stack.sh up|down|status|fetch|restart-kafka|...
#
# Versions, and why:
#   Kafka 4.1.1 (kafka_2.13): KRaft-only, runs on Java 17; kafkajs 2.2.4 produces, consumes in a group and
#     commits against it (test/integration proves it on every run).
#   Elasticsearch 8.19.4 (integ-test-zip): Maven Central has no 9.x integ-test-zip (newest listed: 8.19.21),
#     so the client is @elastic/elasticsearch 8.19. Runs on Java 17.
set -euo pipefail

KAFKA_VERSION="${LOGSHIP_KAFKA_VERSION:-4.1.1}"
ES_VERSION="${LOGSHIP_ES_VERSION:-8.19.4}"
KAFKA_PORT="${LOGSHIP_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LOGSHIP_KAFKA_CONTROLLER_PORT:-9093}"
ES_PORT="${LOGSHIP_ES_PORT:-9200}"
ES_USER="${LOGSHIP_ES_USER:-logship-es}"
ES_HEAP="${LOGSHIP_ES_HEAP:-768m}"
KAFKA_HEAP="${LOGSHIP_KAFKA_HEAP:-512m}"
ES_WRITE_QUEUE="${LOGSHIP_ES_WRITE_QUEUE_SIZE:-10000}"
if [ "$(id -u)" = 0 ]; then DEFAULT_DIR=/var/tmp/logship-stack; else DEFAULT_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/logship-stack"; fi
DIR="${LOGSHIP_STACK_DIR:-$DEFAULT_DIR}"
CACHE="$DIR/cache"
RUN="$DIR/run"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
ES_ZIP="$CACHE/elasticsearch-$ES_VERSION.zip"
ES_HOME="$DIR/es-$ES_VERSION"
KAFKA_DATA="$RUN/kafka-data"
KAFKA_PID="$RUN/kafka.pid"
ES_PID="$RUN/es/es.pid"

die() { echo "logship stack: $*" >&2; exit 1; }
log() { echo "logship stack: $*" >&2; }

need_tools() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install maven) to fetch Kafka and Elasticsearch"
  java_for_kafka >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"
}
java_for_kafka() { if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi; }
es_java_home() {
  if [ -n "${LOGSHIP_ES_JAVA_HOME:-}" ]; then echo "$LOGSHIP_ES_JAVA_HOME"; return; fi
  local j; j="$(readlink -f "$(java_for_kafka)")"; dirname "$(dirname "$j")"
}

fetch_kafka() {
  [ -f "$KAFKA_LIBS/.complete" ] && return 0
  need_tools
  local work="$CACHE/kafka-$KAFKA_VERSION"
  mkdir -p "$work"
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.logship</groupId><artifactId>stack-kafka</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
  log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies with mvn"
  if ! mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime >"$work/mvn.log" 2>&1; then
    grep -m1 -E "Could not (resolve|find|transfer)[^.]*" -o "$work/mvn.log" >&2 || tail -5 "$work/mvn.log" >&2
    die "could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central (log: $work/mvn.log)"
  fi
  touch "$KAFKA_LIBS/.complete"
}

fetch_es() {
  if [ ! -f "$ES_ZIP" ]; then
    need_tools
    mkdir -p "$CACHE"
    log "fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip with mvn"
    if ! mvn -q -B dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
        -DoutputDirectory="$CACHE" >"$CACHE/mvn-es.log" 2>&1; then
      die "could not resolve org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip from Maven Central (log: $CACHE/mvn-es.log)"
    fi
  fi
  if [ ! -f "$ES_HOME/.complete" ]; then
    command -v unzip >/dev/null 2>&1 || die "unzip not found: install it (apt-get install unzip)"
    rm -rf "$ES_HOME" "$DIR/es-unpack"; mkdir -p "$DIR/es-unpack"
    unzip -q "$ES_ZIP" -d "$DIR/es-unpack"
    mv "$DIR/es-unpack/elasticsearch-$ES_VERSION" "$ES_HOME"; rmdir "$DIR/es-unpack"
    touch "$ES_HOME/.complete"
  fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
es_healthy() { curl -fsS -m 2 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }
kafka_healthy() { pid_alive "$KAFKA_PID" && port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|KafkaRaftServer.*started" "$RUN/kafka.log" 2>/dev/null; }

start_kafka() {
  if kafka_healthy; then return 0; fi
  if pid_alive "$KAFKA_PID"; then return 0; fi   # starting: wait_healthy handles it
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set LOGSHIP_KAFKA_PORT"
  fetch_kafka
  mkdir -p "$RUN" "$KAFKA_DATA"
  cat > "$RUN/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
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
  cat > "$RUN/log4j2.properties" <<L4J
status=error
appender.file.type=File
appender.file.name=file
appender.file.fileName=$RUN/kafka.log
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
    "$java" -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2.properties" kafka.tools.StorageTool format \
      -t "$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
      -c "$RUN/kafka.properties" >"$RUN/kafka-format.log" 2>&1 || { cat "$RUN/kafka-format.log" >&2; die "kafka storage format failed"; }
  fi
  : > "$RUN/kafka.log"
  # The marker property lets `down` find a Kafka of ours even if its pid file was lost.
  nohup "$java" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Dlogship.stack=kafka -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN/log4j2.properties" -cp "$KAFKA_LIBS/*" kafka.Kafka "$RUN/kafka.properties" \
    >"$RUN/kafka.out" 2>&1 < /dev/null &
  echo $! > "$KAFKA_PID"
}

ensure_es_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER" \
    || die "could not create the unprivileged user $ES_USER that Elasticsearch runs as"
}

start_es() {
  if es_healthy; then return 0; fi
  if pid_alive "$ES_PID"; then return 0; fi
  port_open "$ES_PORT" && die "port $ES_PORT is taken by another process; set LOGSHIP_ES_PORT"
  fetch_es
  mkdir -p "$RUN/es/data" "$RUN/es/logs"
  cat > "$ES_HOME/config/elasticsearch.yml" <<YML
cluster.name: logship-local
node.name: local
path.data: $RUN/es/data
path.logs: $RUN/es/logs
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $((ES_PORT + 100))
discovery.type: single-node
xpack.security.enabled: false
xpack.ml.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
thread_pool.write.queue_size: $ES_WRITE_QUEUE
YML
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" > "$ES_HOME/config/jvm.options.d/heap.options"
  local jhome; jhome="$(es_java_home)"
  ensure_es_user
  chmod 755 "$DIR" "$RUN" 2>/dev/null || true
  if [ "$(id -u)" = 0 ]; then
    chown -R "$ES_USER" "$ES_HOME" "$RUN/es"
    # Elasticsearch refuses to run as root: run it as the unprivileged user.
    : > "$RUN/es.out"; chown "$ES_USER" "$RUN/es.out"
    su -s /bin/bash "$ES_USER" -c "cd '$ES_HOME' && ES_JAVA_HOME='$jhome' ES_JAVA_OPTS='-Dlogship.stack=es' nohup bin/elasticsearch -d -p '$ES_PID' >'$RUN/es.out' 2>&1 </dev/null" \
      || { tail -20 "$RUN/es.out" >&2; die "elasticsearch failed to start (log: $RUN/es.out)"; }
  else
    (cd "$ES_HOME" && ES_JAVA_HOME="$jhome" ES_JAVA_OPTS='-Dlogship.stack=es' nohup bin/elasticsearch -d -p "$ES_PID" >"$RUN/es.out" 2>&1 </dev/null) \
      || { tail -20 "$RUN/es.out" >&2; die "elasticsearch failed to start (log: $RUN/es.out)"; }
  fi
}

wait_healthy() {
  local deadline=$((SECONDS + ${LOGSHIP_STACK_TIMEOUT:-180}))
  local k=0 e=0
  while [ $SECONDS -lt $deadline ]; do
    [ $k = 1 ] || { kafka_healthy && k=1 && log "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT"; }
    [ $e = 1 ] || { es_healthy && e=1 && log "elasticsearch $ES_VERSION ready on http://127.0.0.1:$ES_PORT"; }
    [ $k = 1 ] && [ $e = 1 ] && return 0
    [ $k = 1 ] || pid_alive "$KAFKA_PID" || { tail -20 "$RUN/kafka.out" "$RUN/kafka.log" >&2; die "kafka exited during start (log: $RUN/kafka.log)"; }
    sleep 1
  done
  [ $k = 1 ] || die "kafka not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (log: $RUN/kafka.log)"
  die "elasticsearch not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (log: $RUN/es/logs/logship-local.log)"
}

stop_pid() { # pidfile name marker
  local pidf="$1" name="$2" marker="$3" pid=""
  [ -f "$pidf" ] && pid="$(cat "$pidf" 2>/dev/null || true)"
  # The marker is the same for every stack instance: only processes whose command line names this instance's
  # directory are ours (another instance, e.g. LOGSHIP_STACK_DIR=... on other ports, must survive our `down`).
  local found p2 pids=""
  found="$(pgrep -f -- "-Dlogship.stack=$marker" || true)"
  for p2 in $found; do tr '\0' ' ' < "/proc/$p2/cmdline" 2>/dev/null | grep -qF -- "$DIR/" && pids="$pids $p2"; done
  pids="$( { [ -n "$pid" ] && echo "$pid"; for p2 in $pids; do echo "$p2"; done; } | sort -u)"
  [ -n "$pids" ] || { rm -f "$pidf"; return 0; }
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 60); do
    local alive=""; for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break; sleep 0.5
  done
  for p in $pids; do kill -0 "$p" 2>/dev/null && { log "$name did not stop in 30s, killing"; kill -9 "$p" 2>/dev/null || true; }; done
  rm -f "$pidf"
}

status() {
  if kafka_healthy; then echo "kafka         $KAFKA_VERSION  running  127.0.0.1:$KAFKA_PORT  pid $(cat "$KAFKA_PID")";
  elif pid_alive "$KAFKA_PID"; then echo "kafka         $KAFKA_VERSION  starting 127.0.0.1:$KAFKA_PORT  pid $(cat "$KAFKA_PID")";
  else echo "kafka         $KAFKA_VERSION  stopped"; fi
  if es_healthy; then echo "elasticsearch $ES_VERSION running  http://127.0.0.1:$ES_PORT  pid $(cat "$ES_PID" 2>/dev/null)";
  elif pid_alive "$ES_PID"; then echo "elasticsearch $ES_VERSION starting http://127.0.0.1:$ES_PORT  pid $(cat "$ES_PID")";
  else echo "elasticsearch $ES_VERSION stopped"; fi
  echo "state         $DIR"
}

case "${1:-}" in
  up) command -v curl >/dev/null || die "curl not found: install it (apt-get install curl)"
      if kafka_healthy && es_healthy; then log "already up"; status; exit 0; fi
      start_kafka; start_es; wait_healthy; status ;;
  down) stop_pid "$KAFKA_PID" kafka kafka; stop_pid "$ES_PID" elasticsearch es; log "stopped" ;;
  status) status ;;
  fetch) fetch_kafka; fetch_es ;;
  stop-kafka) stop_pid "$KAFKA_PID" kafka kafka ;;
  start-kafka) start_kafka; wait_healthy ;;
  stop-es) stop_pid "$ES_PID" elasticsearch es ;;
  start-es) start_es; wait_healthy ;;
  reset) "$0" down; rm -rf "$RUN"; log "data removed" ;;
  env) echo "LOGSHIP_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"; echo "LOGSHIP_ES_URL=http://127.0.0.1:$ES_PORT" ;;
  *) echo "usage: stack.sh up|down|status|fetch|reset|stop-kafka|start-kafka|stop-es|start-es|env" >&2; exit 2 ;;
esac
