# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): the three-broker
# KRaft cluster (`up --kafka-brokers 3`, `up-cluster`) and the per-broker commands the chaos scenarios call.
#
# Combined nodes: each of the three runs process.roles=broker,controller, so the controller quorum has three voters
# on the same three JVMs. Why: three JVMs instead of six on a small (2-core) test machine; one node lost keeps both
# a broker majority and a quorum majority (2 of 3), which is what a three-node production cluster tolerates too;
# and killing the node that is both the partition leader and the active controller is the harder case, so the
# scenarios meet it. Two nodes down also loses the quorum: no leader can move and no ISR can shrink, so producing
# with acks=-1 stalls (nothing acknowledged), which is the promise under test. Separate controllers would let the
# ISR shrink to one; with min.insync.replicas=2 producing stalls all the same (NOT_ENOUGH_REPLICAS).
#
# Ports: broker N listens on CLUSTER_PORT+N-1 (PLAINTEXT only: the secured listeners are the single node's), its
# controller on CLUSTER_CONTROLLER_PORT+N-1. The defaults (Kafka's port + 20..25) leave the single node's ports
# (+0, +1, +10..12) alone, so both can run from one state directory and share its Elasticsearch.

CLUSTER_SIZE=3
CLUSTER_PORT="${LOGSHIP_CLUSTER_PORT:-$((KAFKA_PORT + 20))}"
CLUSTER_CONTROLLER_PORT="${LOGSHIP_CLUSTER_CONTROLLER_PORT:-$((CLUSTER_PORT + CLUSTER_SIZE))}"
CLUSTER_HEAP="${LOGSHIP_CLUSTER_HEAP:-384m}"
# A follower that fetched nothing for this long leaves the ISR (Kafka's default is 30 s; 10 s lets the frozen-broker
# scenario see it leave and rejoin within a test).
CLUSTER_REPLICA_LAG_MS="${LOGSHIP_CLUSTER_REPLICA_LAG_MS:-10000}"
CLUSTER_RUN="$RUN/cluster"

broker_port() { echo $((CLUSTER_PORT + $1 - 1)); }
controller_port() { echo $((CLUSTER_CONTROLLER_PORT + $1 - 1)); }
broker_conf() { echo "$CLUSTER_RUN/kafka-$1"; }
broker_pidf() { echo "$CLUSTER_RUN/kafka-$1.pid"; }
cluster_brokers() { local n out=""; for n in $(seq 1 "$CLUSTER_SIZE"); do out="$out${out:+,}127.0.0.1:$(broker_port "$n")"; done; echo "$out"; }

check_broker_n() {
  if ! [[ "${1:-}" =~ ^[1-9]$ ]] || [ "$1" -gt "$CLUSTER_SIZE" ]; then die "broker number must be 1..$CLUSTER_SIZE (got '${1:-}')"; fi
}

# The pid of broker N when it is this instance's (the marker and the directory in its command line).
broker_pid() { local p; p="$(pid_of "$(broker_pidf "$1")")" && proc_is_ours "$p" "cluster-$1" && echo "$p"; }
broker_state() { local p="$1"; [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = T ] && echo frozen || echo running; }
broker_healthy() { # n
  broker_pid "$1" >/dev/null && port_open "$(broker_port "$1")" && grep -qs "Kafka Server started\|KafkaRaftServer.*started" "$(broker_conf "$1")/kafka.log"
}
cluster_healthy() { local n; for n in $(seq 1 "$CLUSTER_SIZE"); do broker_healthy "$n" || return 1; done; }

cluster_props() { # n
  local n="$1" voters="" i
  for i in $(seq 1 "$CLUSTER_SIZE"); do voters="$voters${voters:+,}$i@127.0.0.1:$(controller_port "$i")"; done
  cat <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$CLUSTER_RUN/data-$n
num.partitions=${LOGSHIP_KAFKA_PARTITIONS:-4}
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
replica.lag.time.max.ms=$CLUSTER_REPLICA_LAG_MS
initial.broker.registration.timeout.ms=300000
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
message.max.bytes=16777216
PROPS
}

# Broker N's directories, config and formatted storage (when not formatted yet).
prepare_broker() { # n
  local n="$1" conf data id
  conf="$(broker_conf "$n")" data="$CLUSTER_RUN/data-$n"
  port_open "$(broker_port "$n")" && die "port $(broker_port "$n") (broker $n) is taken by another process; set LOGSHIP_CLUSTER_PORT"
  port_open "$(controller_port "$n")" && die "port $(controller_port "$n") (controller $n) is taken by another process; set LOGSHIP_CLUSTER_CONTROLLER_PORT"
  id="$(head -c 64 "$CLUSTER_RUN/cluster.id")"
  [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "$CLUSTER_RUN/cluster.id is not a cluster id: remove $CLUSTER_RUN to make a new cluster"
  service_dir "$KAFKA_USER" "$conf"
  service_dir "$KAFKA_USER" "$data"
  cluster_props "$n" | write_as "$KAFKA_USER" "$conf/kafka.properties"
  printf '%s\n' status=error appender.file.type=File appender.file.name=file "appender.file.fileName=$conf/kafka.log" \
    appender.file.layout.type=PatternLayout 'appender.file.layout.pattern=[%d] %p %m (%c)%n' rootLogger.level=INFO \
    rootLogger.appenderRef.file.ref=file logger.state.name=state.change.logger logger.state.level=WARN \
    | write_as "$KAFKA_USER" "$conf/log4j2.properties"
  if [ ! -f "$data/meta.properties" ]; then
    (cd "$conf" && as_user "$KAFKA_USER" "$(java_for_kafka)" -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$conf/log4j2.properties" \
      kafka.tools.StorageTool format -t "$id" -c "$conf/kafka.properties") >"$CLUSTER_RUN/format-$n.log" 2>&1 \
      || { cat "$CLUSTER_RUN/format-$n.log" >&2; die "kafka storage format of broker $n failed"; }
  fi
}

launch_broker() { # n
  local n="$1" conf
  conf="$(broker_conf "$n")"
  write_as "$KAFKA_USER" "$conf/kafka.log" </dev/null
  runas "$KAFKA_USER"
  (cd "$conf" && exec nohup ${RUNAS[@]+"${RUNAS[@]}"} "$(java_for_kafka)" -Xms"$CLUSTER_HEAP" -Xmx"$CLUSTER_HEAP" -XX:+UseG1GC \
    -Dlogship.stack="cluster-$n" -Djava.awt.headless=true -Dlog4j2.configurationFile="$conf/log4j2.properties" -cp "$KAFKA_LIBS/*" \
    kafka.Kafka "$conf/kafka.properties" >"$CLUSTER_RUN/kafka-$n.out" 2>&1 < /dev/null) &
  echo $! > "$(broker_pidf "$n")"
}

# Starts the given brokers that are not running: prepared (the formats side by side: each is a JVM start), then
# launched together, since a node gives up when it finds no quorum within initial.broker.registration.timeout.ms.
start_brokers() { # n...
  local n todo="" pids=()
  for n in "$@"; do broker_pid "$n" >/dev/null || todo="$todo $n"; done
  [ -n "$todo" ] || return 0
  fetch_kafka
  ensure_user "$KAFKA_USER"
  [ -L "$CLUSTER_RUN" ] && rm -f -- "$CLUSTER_RUN"
  [ -d "$CLUSTER_RUN" ] || mkdir -m "$PASS_MODE" -- "$CLUSTER_RUN"
  # One cluster id for the three nodes, made once (read back as data: a fixed pattern or refused).
  [ -s "$CLUSTER_RUN/cluster.id" ] || new_cluster_id > "$CLUSTER_RUN/cluster.id"
  for n in $todo; do prepare_broker "$n" & pids+=($!); done
  for n in "${pids[@]}"; do wait "$n" || die "could not prepare a broker (see above)"; done
  for n in $todo; do launch_broker "$n"; done
  # shellcheck disable=SC2086 # a list of broker numbers
  wait_brokers $todo
}

wait_brokers() { # n...
  local deadline=$((SECONDS + ${LOGSHIP_STACK_TIMEOUT:-180})) n pending="$*"
  while [ -n "$pending" ] && [ $SECONDS -lt $deadline ]; do
    local left=""
    for n in $pending; do
      if broker_healthy "$n"; then log "kafka broker $n ready on 127.0.0.1:$(broker_port "$n")"
      elif ! broker_pid "$n" >/dev/null; then
        tail -20 "$CLUSTER_RUN/kafka-$n.out" >&2; as_user "$KAFKA_USER" tail -20 "$(broker_conf "$n")/kafka.log" >&2
        die "kafka broker $n exited during start (log: $(broker_conf "$n")/kafka.log)"
      else left="$left $n"; fi
    done
    pending="${left# }"; [ -z "$pending" ] || sleep 1
  done
  [ -z "$pending" ] || die "kafka broker(s) $pending not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (logs: $CLUSTER_RUN/kafka-N/kafka.log)"
}

# Signals broker N (only a process of this instance's cluster); `stop` (SIGTERM: a controlled shutdown) and `kill`
# (SIGKILL) wait until it has exited.
signal_broker() { # n stop|kill|freeze|thaw
  local n="$1" p
  check_broker_n "$n"
  p="$(broker_pid "$n")" || { [ "$2" = freeze ] || [ "$2" = thaw ] && die "broker $n is not running"; rm -f "$(broker_pidf "$n")"; return 0; }
  case "$2" in
    freeze) kill -STOP "$p"; log "broker $n (pid $p) frozen (SIGSTOP)"; return 0 ;;
    thaw) kill -CONT "$p"; log "broker $n (pid $p) continued (SIGCONT)"; return 0 ;;
    kill) kill -KILL "$p" 2>/dev/null || true ;;
    stop) kill -CONT "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true ;;
  esac
  local deadline=$((SECONDS + 60))
  while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if kill -0 "$p" 2>/dev/null; then log "broker $n did not stop in 60s, killing"; kill -KILL "$p" 2>/dev/null || true; fi
  rm -f "$(broker_pidf "$n")"
  log "broker $n (pid $p) $([ "$2" = kill ] && echo killed || echo stopped)"
}

# shellcheck disable=SC2046 # the broker numbers
up_cluster() { start_brokers $(seq 1 "$CLUSTER_SIZE"); }
down_cluster() { local n; for n in $(seq 1 "$CLUSTER_SIZE"); do signal_broker "$n" stop; done; }

cluster_status() {
  local n p
  [ -d "$CLUSTER_RUN" ] || return 0
  for n in $(seq 1 "$CLUSTER_SIZE"); do
    if p="$(broker_pid "$n")"; then
      local s; s="$(broker_state "$p")"; [ "$s" = running ] && ! broker_healthy "$n" && s=starting
      printf 'kafka broker %s %s  %-8s 127.0.0.1:%s  pid %s  role broker+controller (voter %s, controller 127.0.0.1:%s)  user %s\n' \
        "$n" "$KAFKA_VERSION" "$s" "$(broker_port "$n")" "$p" "$n" "$(controller_port "$n")" "$(proc_user "$p")"
    else echo "kafka broker $n $KAFKA_VERSION  stopped  127.0.0.1:$(broker_port "$n")"; fi
  done
}
