#!/usr/bin/env bash
# Local single-node Kafka (KRaft) + Elasticsearch on 127.0.0.1, fetched from Maven Central with mvn.
# Used by the tests, the benchmarks and `npm start`. Usage: stack.sh up|down|status|fetch|env|up-secure-es|...
#
# Security (test/integration/security.test.ts): the same Kafka also listens with SSL, SASL_PLAINTEXT and SASL_SSL
# (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on further ports, and `up-secure-es` starts a second Elasticsearch with
# security and HTTPS on. Their CA, certificates and random credentials are made once in $DIR/secure;
# `stack.sh env` prints the addresses, the CA file and the credentials.
#
# Versions, and why:
#   Kafka 4.1.1 (kafka_2.13): KRaft-only, runs on Java 17; kafkajs 2.2.4 produces, consumes in a group and
#     commits against it (test/integration proves it on every run).
#   Elasticsearch 8.19.4 (integ-test-zip): Maven Central has no 9.x integ-test-zip (newest listed: 8.19.21),
#     so the client is @elastic/elasticsearch 8.19. Runs on Java 17.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KAFKA_VERSION="${LOGSHIP_KAFKA_VERSION:-4.1.1}"
ES_VERSION="${LOGSHIP_ES_VERSION:-8.19.4}"
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
SECURE="$DIR/secure"
ES_SECURE_HOME="$DIR/es-$ES_VERSION-secure"
ES_SECURE_RUN="$RUN/es-secure"
ES_SECURE_CONF="$ES_SECURE_RUN/config"
ES_SECURE_PID="$ES_SECURE_RUN/es.pid"

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

# A CA, a server certificate for 127.0.0.1/localhost signed by it, and random credentials, made once per state
# directory (kept by `reset`, which only removes $RUN) so that clients configured with them keep working.
ensure_secure_material() {
  if [ ! -f "$SECURE/.complete" ]; then
    command -v openssl >/dev/null 2>&1 || die "openssl not found: install it (apt-get install openssl) to make the stack's TLS certificates"
    local t="$SECURE.tmp"
    rm -rf "$t"; mkdir -p "$t"; chmod 700 "$t"
    gen() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
    {
      openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=logship local stack CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$t/ca.key" -out "$t/ca.crt"
      openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" -keyout "$t/server.key" -out "$t/server.csr"
      printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
        'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' > "$t/server.ext"
      openssl x509 -req -sha256 -days 3650 -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
        -extfile "$t/server.ext" -out "$t/server.crt"
      # Kafka reads PKCS12 (its PEM key store wants an encrypted key); Elasticsearch and Node read the PEM files.
      local kspw; kspw="$(gen)"
      openssl pkcs12 -export -name server -in "$t/server.crt" -inkey "$t/server.key" -certfile "$t/ca.crt" \
        -out "$t/kafka-server.p12" -passout "pass:$kspw"
      cat > "$t/credentials" <<CREDS
SEC_KEYSTORE_PASSWORD=$kspw
SEC_KAFKA_PLAIN_USER=logship-plain
SEC_KAFKA_PLAIN_PASSWORD=plain-$(gen)
SEC_KAFKA_SCRAM_USER=logship-scram
SEC_KAFKA_SCRAM_PASSWORD=scram-$(gen)
SEC_ES_USER=logship-admin
SEC_ES_PASSWORD=es-$(gen)
CREDS
    } >"$t/openssl.log" 2>&1 || { cat "$t/openssl.log" >&2; die "could not make the TLS certificates (log above)"; }
    chmod 644 "$t/ca.crt"
    touch "$t/.complete"
    rm -rf "$SECURE"; mv "$t" "$SECURE"
  fi
  # shellcheck disable=SC1091
  . "$SECURE/credentials"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
es_healthy() { curl -fsS -m 2 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }
kafka_healthy() { pid_alive "$KAFKA_PID" && port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|KafkaRaftServer.*started" "$RUN/kafka.log" 2>/dev/null; }

start_kafka() {
  if kafka_healthy; then return 0; fi
  if pid_alive "$KAFKA_PID"; then return 0; fi   # starting: wait_healthy handles it
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set LOGSHIP_KAFKA_PORT"
  port_open "$KAFKA_SSL_PORT" && die "port $KAFKA_SSL_PORT is taken by another process; set LOGSHIP_KAFKA_SSL_PORT"
  port_open "$KAFKA_SASL_PLAINTEXT_PORT" && die "port $KAFKA_SASL_PLAINTEXT_PORT is taken by another process; set LOGSHIP_KAFKA_SASL_PLAINTEXT_PORT"
  port_open "$KAFKA_SASL_SSL_PORT" && die "port $KAFKA_SASL_SSL_PORT is taken by another process; set LOGSHIP_KAFKA_SASL_SSL_PORT"
  fetch_kafka
  ensure_secure_material
  mkdir -p "$RUN" "$KAFKA_DATA"
  # The controller and the brokers' own traffic stay PLAINTEXT; the SSL and SASL listeners are for clients only.
  # PLAIN users live in the listeners' JAAS config; SCRAM users in the cluster metadata (ensure_scram_user).
  local plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required user_${SEC_KAFKA_PLAIN_USER}=\"${SEC_KAFKA_PLAIN_PASSWORD}\";"
  local scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required;"
  cat > "$RUN/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE/kafka-server.p12
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
  chmod 600 "$RUN/kafka.properties"   # it holds the key store and PLAIN passwords
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
  printf '%s\n' status=error appender.err.type=Console appender.err.name=err appender.err.target=SYSTEM_ERR \
    appender.err.layout.type=PatternLayout 'appender.err.layout.pattern=%p %m (%c)%n' rootLogger.level=WARN \
    rootLogger.appenderRef.err.ref=err > "$RUN/log4j2-tools.properties"
  # One mechanism per call: KRaft refuses to alter one user's credentials twice in a request.
  local mech
  for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
    "$(java_for_kafka)" -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2-tools.properties" kafka.admin.ConfigCommand \
      --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users --entity-name "$SEC_KAFKA_SCRAM_USER" \
      --add-config "$mech=[password=$SEC_KAFKA_SCRAM_PASSWORD]" >"$RUN/kafka-scram.log" 2>&1 \
      || { cat "$RUN/kafka-scram.log" >&2; die "could not add the $mech user $SEC_KAFKA_SCRAM_USER"; }
  done
  echo "$want" > "$marker"
  log "kafka SCRAM-SHA-256/512 user $SEC_KAFKA_SCRAM_USER added"
}

ensure_es_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER" \
    || die "could not create the unprivileged user $ES_USER that Elasticsearch runs as"
}

# Starts bin/elasticsearch of home $1 with config dir $2, pid file $3, output $4, process marker $5 (for stop_pid).
launch_es() {
  local home="$1" conf="$2" pidf="$3" out="$4" marker="$5" jhome
  jhome="$(es_java_home)"
  ensure_es_user
  chmod 755 "$DIR" "$RUN" 2>/dev/null || true
  if [ "$(id -u)" = 0 ]; then
    chown -R "$ES_USER" "$home" "$(dirname "$pidf")" "$conf"
    # Elasticsearch refuses to run as root: run it as the unprivileged user.
    : > "$out"; chown "$ES_USER" "$out"
    su -s /bin/bash "$ES_USER" -c "cd '$home' && ES_PATH_CONF='$conf' ES_JAVA_HOME='$jhome' ES_JAVA_OPTS='-Dlogship.stack=$marker' nohup bin/elasticsearch -d -p '$pidf' >'$out' 2>&1 </dev/null" \
      || { tail -20 "$out" >&2; die "elasticsearch failed to start (log: $out)"; }
  else
    (cd "$home" && ES_PATH_CONF="$conf" ES_JAVA_HOME="$jhome" ES_JAVA_OPTS="-Dlogship.stack=$marker" nohup bin/elasticsearch -d -p "$pidf" >"$out" 2>&1 </dev/null) \
      || { tail -20 "$out" >&2; die "elasticsearch failed to start (log: $out)"; }
  fi
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
  launch_es "$ES_HOME" "$ES_HOME/config" "$ES_PID" "$RUN/es.out" es
}

# ---- The secured Elasticsearch (up-secure-es): a second node from the same distribution, with its own config
# directory (ES_PATH_CONF), data and port; security on, HTTPS with the stack's certificate, a file-realm superuser.

es_secure_curl() { # path; the credentials go through stdin, not the command line (ps would show them)
  printf 'user = "%s:%s"\n' "$SEC_ES_USER" "$SEC_ES_PASSWORD" \
    | curl -fsS -m 2 -K - --cacert "$SECURE/ca.crt" "https://127.0.0.1:$ES_SECURE_PORT$1"
}
es_secure_healthy() { [ -f "$SECURE/.complete" ] && es_secure_curl "/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }

# The file realm's users file, rewritten by elasticsearch-users when the credentials differ from the last run's.
ensure_es_secure_user() {
  local marker="$ES_SECURE_RUN/users-written" want
  want="$(printf '%s %s' "$SEC_ES_USER" "$SEC_ES_PASSWORD" | sha256sum | cut -c1-32)"
  [ "$(cat "$marker" 2>/dev/null)" = "$want" ] && [ -s "$ES_SECURE_CONF/users" ] && return 0
  : > "$ES_SECURE_CONF/users"; : > "$ES_SECURE_CONF/users_roles"
  (cd "$ES_SECURE_HOME" && ES_PATH_CONF="$ES_SECURE_CONF" ES_JAVA_HOME="$(es_java_home)" \
    bin/elasticsearch-users useradd "$SEC_ES_USER" -p "$SEC_ES_PASSWORD" -r superuser) >"$ES_SECURE_RUN/users.log" 2>&1 \
    || { cat "$ES_SECURE_RUN/users.log" >&2; die "elasticsearch-users could not add $SEC_ES_USER"; }
  echo "$want" > "$marker"
}

# The secured node runs from its own copy of the distribution (hard links: no extra space), because it needs a
# plugin the default node does not: stack/es-security-analysis (the analysis parts of the .security index, see
# there why). Compiled here against the distribution's own jars, so it always matches ES_VERSION.
ensure_secure_es_home() {
  [ -f "$ES_SECURE_HOME/.secure-complete" ] && return 0
  fetch_es
  { command -v javac >/dev/null 2>&1 && command -v jar >/dev/null 2>&1; } \
    || die "javac not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless) to build the secured Elasticsearch's plugin"
  rm -rf "$ES_SECURE_HOME"
  cp -al "$ES_HOME" "$ES_SECURE_HOME" 2>/dev/null || cp -a "$ES_HOME" "$ES_SECURE_HOME"
  local plugin="$ES_SECURE_HOME/plugins/logship-security-analysis" build="$DIR/es-plugin-build"
  rm -rf "$build"; mkdir -p "$plugin" "$build"
  javac -proc:none --release 17 -cp "$ES_HOME/lib/*" -d "$build" "$HERE/es-security-analysis/SecurityAnalysisPlugin.java" \
    || die "could not compile stack/es-security-analysis against Elasticsearch $ES_VERSION"
  jar cf "$plugin/logship-security-analysis.jar" -C "$build" .
  rm -rf "$build"
  cat > "$plugin/plugin-descriptor.properties" <<DESC
description=The analysis parts the .security index needs and the integ-test-zip distribution lacks (logship stack)
version=$ES_VERSION
name=logship-security-analysis
classname=dev.logship.stack.SecurityAnalysisPlugin
java.version=17
elasticsearch.version=$ES_VERSION
DESC
  touch "$ES_SECURE_HOME/.secure-complete"
}

start_secure_es() {
  ensure_secure_material
  if es_secure_healthy; then return 0; fi
  if pid_alive "$ES_SECURE_PID"; then return 0; fi
  port_open "$ES_SECURE_PORT" && die "port $ES_SECURE_PORT is taken by another process; set LOGSHIP_ES_SECURE_PORT"
  ensure_secure_es_home
  mkdir -p "$ES_SECURE_RUN/data" "$ES_SECURE_RUN/logs" "$ES_SECURE_CONF/certs" "$ES_SECURE_CONF/jvm.options.d"
  for f in jvm.options log4j2.properties roles.yml role_mapping.yml; do cp "$ES_SECURE_HOME/config/$f" "$ES_SECURE_CONF/$f"; done
  cp "$SECURE/ca.crt" "$SECURE/server.crt" "$SECURE/server.key" "$ES_SECURE_CONF/certs/"
  # Transport TLS is not needed: discovery.type single-node forms no cluster, so nothing talks transport.
  cat > "$ES_SECURE_CONF/elasticsearch.yml" <<YML
cluster.name: logship-secure
node.name: secure
path.data: $ES_SECURE_RUN/data
path.logs: $ES_SECURE_RUN/logs
network.host: 127.0.0.1
http.port: $ES_SECURE_PORT
transport.port: $((ES_SECURE_PORT + 100))
discovery.type: single-node
xpack.security.enabled: true
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.key: certs/server.key
xpack.security.http.ssl.certificate: certs/server.crt
xpack.security.http.ssl.certificate_authorities: [certs/ca.crt]
xpack.security.transport.ssl.enabled: false
xpack.security.authc.api_key.enabled: true
xpack.ml.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_SECURE_HEAP" "$ES_SECURE_HEAP" > "$ES_SECURE_CONF/jvm.options.d/heap.options"
  # C1 only: a test node that lives a minute starts in less than half the time without C2 compiling (measured on a
  # busy 2-core machine: 26 s instead of 67 s to healthy); its throughput does not matter.
  printf -- '-XX:TieredStopAtLevel=1\n' > "$ES_SECURE_CONF/jvm.options.d/startup.options"
  ensure_es_secure_user
  launch_es "$ES_SECURE_HOME" "$ES_SECURE_CONF" "$ES_SECURE_PID" "$ES_SECURE_RUN/es.out" secure-es
}

wait_secure_es() {
  local deadline=$((SECONDS + ${LOGSHIP_STACK_TIMEOUT:-180}))
  while [ $SECONDS -lt $deadline ]; do
    es_secure_healthy && { log "secured elasticsearch $ES_VERSION ready on https://127.0.0.1:$ES_SECURE_PORT"; return 0; }
    pid_alive "$ES_SECURE_PID" || { tail -20 "$ES_SECURE_RUN/es.out" "$ES_SECURE_RUN/logs/logship-secure.log" >&2 2>/dev/null; die "secured elasticsearch exited during start (log: $ES_SECURE_RUN/logs/logship-secure.log)"; }
    sleep 1
  done
  die "secured elasticsearch not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (log: $ES_SECURE_RUN/logs/logship-secure.log)"
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
  # shellcheck disable=SC2086 # $pids is a whitespace-separated list of pids: split on purpose
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
  if kafka_healthy && kafka_secured; then
    echo "  secured     SSL 127.0.0.1:$KAFKA_SSL_PORT, SASL_PLAINTEXT 127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT, SASL_SSL 127.0.0.1:$KAFKA_SASL_SSL_PORT"
  fi
  if es_healthy; then echo "elasticsearch $ES_VERSION running  http://127.0.0.1:$ES_PORT  pid $(cat "$ES_PID" 2>/dev/null)";
  elif pid_alive "$ES_PID"; then echo "elasticsearch $ES_VERSION starting http://127.0.0.1:$ES_PORT  pid $(cat "$ES_PID")";
  else echo "elasticsearch $ES_VERSION stopped"; fi
  if pid_alive "$ES_SECURE_PID"; then
    ensure_secure_material
    if es_secure_healthy; then echo "  secured     running  https://127.0.0.1:$ES_SECURE_PORT  pid $(cat "$ES_SECURE_PID")";
    else echo "  secured     starting https://127.0.0.1:$ES_SECURE_PORT  pid $(cat "$ES_SECURE_PID")"; fi
  fi
  echo "state         $DIR"
}

# What clients need: the plaintext addresses as logship's own LOGSHIP_* config variables (so `eval` configures
# logship), and the secured ones under LOGSHIP_STACK_*, which are not config keys (so they change nothing).
print_env() {
  ensure_secure_material
  echo "LOGSHIP_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
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

stop_kafka() { stop_pid "$KAFKA_PID" kafka kafka; }
stop_secure_es() { stop_pid "$ES_SECURE_PID" "secured elasticsearch" secure-es; }

case "${1:-}" in
  up) command -v curl >/dev/null || die "curl not found: install it (apt-get install curl)"
      # A Kafka started by an older stack.sh has no secured listeners: restart it once with them.
      if kafka_healthy && ! kafka_secured; then log "kafka runs without its SSL/SASL listeners: restarting it"; stop_kafka; fi
      if kafka_healthy && es_healthy; then ensure_scram_user; log "already up"; status; exit 0; fi
      start_kafka; start_es; wait_healthy; ensure_scram_user; status ;;
  down) stop_kafka; stop_pid "$ES_PID" elasticsearch es; stop_secure_es; log "stopped" ;;
  status) status ;;
  fetch) fetch_kafka; fetch_es ;;
  stop-kafka) stop_kafka ;;
  start-kafka) start_kafka; wait_healthy; ensure_scram_user ;;
  stop-es) stop_pid "$ES_PID" elasticsearch es ;;
  start-es) start_es; wait_healthy ;;
  up-secure-es) command -v curl >/dev/null || die "curl not found: install it (apt-get install curl)"
      start_secure_es; wait_secure_es ;;
  down-secure-es) stop_secure_es ;;
  reset) "$0" down; rm -rf "$RUN"; log "data removed" ;;
  env) print_env ;;
  *) echo "usage: stack.sh up|down|status|fetch|reset|stop-kafka|start-kafka|stop-es|start-es|up-secure-es|down-secure-es|env" >&2; exit 2 ;;
esac
