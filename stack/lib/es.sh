# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): Elasticsearch, plain and secured.

es_config() { # home conf
  local f
  for f in jvm.options log4j2.properties roles.yml role_mapping.yml; do write_as "$ES_USER" "$2/$f" < "$1/config/$f"; done
}

# Starts bin/elasticsearch of home $1 with config dir $2, pid file $3, output $4, process marker $5 (for stop_pid).
# Elasticsearch refuses to run as root: as root it runs as the unprivileged user (as_user).
launch_es() {
  local home="$1" conf="$2" pidf="$3" out="$4" marker="$5" jhome
  jhome="$(es_java_home)"
  rm -f -- "$out"
  (cd "$(dirname "$pidf")" && as_user "$ES_USER" env ES_PATH_CONF="$conf" ES_JAVA_HOME="$jhome" ES_JAVA_OPTS="-Dlogship.stack=$marker" \
    nohup "$home/bin/elasticsearch" -d -p "$pidf" >"$out" 2>&1 </dev/null) \
    || { tail -20 "$out" >&2; die "elasticsearch failed to start (log: $out)"; }
}

start_es() {
  if es_healthy; then return 0; fi
  if pid_alive "$ES_PID"; then return 0; fi
  port_open "$ES_PORT" && die "port $ES_PORT is taken by another process; set LOGSHIP_ES_PORT"
  ensure_es_home
  ensure_user "$ES_USER"
  service_dir "$ES_USER" "$RUN/es"
  as_user "$ES_USER" mkdir -p -- "$RUN/es/data" "$RUN/es/logs" "$ES_CONF/jvm.options.d"
  es_config "$ES_HOME" "$ES_CONF"
  write_as "$ES_USER" "$ES_CONF/elasticsearch.yml" <<YML
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
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_HEAP" "$ES_HEAP" | write_as "$ES_USER" "$ES_CONF/jvm.options.d/heap.options"
  launch_es "$ES_HOME" "$ES_CONF" "$ES_PID" "$RUN/es.out" es
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
  local marker="$RUN/es-secure-users" want
  want="$(printf '%s %s' "$SEC_ES_USER" "$SEC_ES_PASSWORD" | sha256sum | cut -c1-32)"
  [ "$(cat "$marker" 2>/dev/null)" = "$want" ] && [ -s "$ES_SECURE_CONF/users" ] && return 0
  write_as "$ES_USER" "$ES_SECURE_CONF/users" </dev/null; write_as "$ES_USER" "$ES_SECURE_CONF/users_roles" </dev/null
  (cd "$ES_SECURE_RUN" && as_user "$ES_USER" env ES_PATH_CONF="$ES_SECURE_CONF" ES_JAVA_HOME="$(es_java_home)" \
    "$ES_SECURE_HOME/bin/elasticsearch-users" useradd "$SEC_ES_USER" -p "$SEC_ES_PASSWORD" -r superuser) >"$RUN/es-secure-users.log" 2>&1 \
    || { cat "$RUN/es-secure-users.log" >&2; die "elasticsearch-users could not add $SEC_ES_USER"; }
  echo "$want" > "$marker"
}

# The secured node runs from its own copy of the distribution (hard links: no extra space), because it needs a
# plugin the default node does not: stack/es-security-analysis (the analysis parts of the .security index, see
# there why). Compiled here against the distribution's own jars, so it always matches ES_VERSION.
ensure_secure_es_home() {
  local want
  want="$ES_ZIP_SHA512 $(sha256sum < "$HERE/es-security-analysis/SecurityAnalysisPlugin.java" | cut -c1-64)"
  home_ok "$ES_SECURE_HOME" .secure-complete "$want" && return 0
  { command -v javac >/dev/null 2>&1 && command -v jar >/dev/null 2>&1; } \
    || die "javac not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless) to build the secured Elasticsearch's plugin"
  if home_ok "$ES_HOME" .complete "$ES_ZIP_SHA512"; then
    rm -rf "$ES_SECURE_HOME"
    cp -al "$ES_HOME" "$ES_SECURE_HOME" 2>/dev/null || cp -a "$ES_HOME" "$ES_SECURE_HOME"
  else
    fetch_es; unpack_es "$ES_SECURE_HOME"   # the default node may still run from an older stack.sh's copy
  fi
  local plugin="$ES_SECURE_HOME/plugins/logship-security-analysis" build="$DIR/es-plugin-build"
  rm -rf "$build"; mkdir -p "$build"
  javac -proc:none --release 17 -cp "$ES_SECURE_HOME/lib/*" -d "$build" "$HERE/es-security-analysis/SecurityAnalysisPlugin.java" \
    || die "could not compile stack/es-security-analysis against Elasticsearch $ES_VERSION"
  (umask 022; mkdir -p "$plugin" && jar cf "$plugin/logship-security-analysis.jar" -C "$build" . && cat > "$plugin/plugin-descriptor.properties") <<DESC
description=The analysis parts the .security index needs and the integ-test-zip distribution lacks (logship stack)
version=$ES_VERSION
name=logship-security-analysis
classname=dev.logship.stack.SecurityAnalysisPlugin
java.version=17
elasticsearch.version=$ES_VERSION
DESC
  rm -rf "$build"
  echo "$want" > "$ES_SECURE_HOME/.secure-complete"
}

start_secure_es() {
  ensure_secure_material
  if es_secure_healthy; then return 0; fi
  if pid_alive "$ES_SECURE_PID"; then return 0; fi
  port_open "$ES_SECURE_PORT" && die "port $ES_SECURE_PORT is taken by another process; set LOGSHIP_ES_SECURE_PORT"
  ensure_secure_es_home
  ensure_user "$ES_USER"
  service_dir "$ES_USER" "$ES_SECURE_RUN"
  as_user "$ES_USER" mkdir -p -- "$ES_SECURE_RUN/data" "$ES_SECURE_RUN/logs" "$ES_SECURE_CONF/certs" "$ES_SECURE_CONF/jvm.options.d"
  es_config "$ES_SECURE_HOME" "$ES_SECURE_CONF"
  local f
  for f in ca.crt server.crt server.key; do write_as "$ES_USER" "$ES_SECURE_CONF/certs/$f" < "$SECURE/$f"; done
  # Transport TLS is not needed: discovery.type single-node forms no cluster, so nothing talks transport.
  write_as "$ES_USER" "$ES_SECURE_CONF/elasticsearch.yml" <<YML
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
  printf -- '-Xms%s\n-Xmx%s\n' "$ES_SECURE_HEAP" "$ES_SECURE_HEAP" | write_as "$ES_USER" "$ES_SECURE_CONF/jvm.options.d/heap.options"
  # C1 only: a test node that lives a minute starts in less than half the time without C2 compiling (measured on a
  # busy 2-core machine: 26 s instead of 67 s to healthy); its throughput does not matter.
  printf -- '-XX:TieredStopAtLevel=1\n' | write_as "$ES_USER" "$ES_SECURE_CONF/jvm.options.d/startup.options"
  ensure_es_secure_user
  launch_es "$ES_SECURE_HOME" "$ES_SECURE_CONF" "$ES_SECURE_PID" "$RUN/es-secure.out" secure-es
}

wait_secure_es() {
  local deadline=$((SECONDS + ${LOGSHIP_STACK_TIMEOUT:-180}))
  while [ $SECONDS -lt $deadline ]; do
    es_secure_healthy && { log "secured elasticsearch $ES_VERSION ready on https://127.0.0.1:$ES_SECURE_PORT"; return 0; }
    pid_alive "$ES_SECURE_PID" || { tail -20 "$RUN/es-secure.out" >&2; as_user "$ES_USER" tail -20 "$ES_SECURE_RUN/logs/logship-secure.log" >&2 2>/dev/null; die "secured elasticsearch exited during start (log: $ES_SECURE_RUN/logs/logship-secure.log)"; }
    sleep 1
  done
  die "secured elasticsearch not healthy after ${LOGSHIP_STACK_TIMEOUT:-180}s (log: $ES_SECURE_RUN/logs/logship-secure.log)"
}

