#!/usr/bin/env bash
# Local single-node Kafka (KRaft) + Elasticsearch on 127.0.0.1, fetched from Maven Central with mvn.
# Used by the tests, the benchmarks and `npm start`. Usage: stack.sh up|down|status|fetch|verify-cache|env|up-secure-es|...
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
# - Nothing in it is sourced or believed: the credentials file is parsed as KEY=value lines (known keys, values of
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

# ---- The state directory: ours, or refused.

# A directory this script trusts: a directory (not a link), owned by the running user, not writable by group or
# others (anyone else could have planted the jars it runs and the files it reads there). Its mode is then set to $2.
check_dir() { # path mode
  local p="$1" u m t
  read -r u m t < <(stat -c '%u %a %F' -- "$p") || unsafe "cannot stat $p"
  [ "$t" = directory ] || unsafe "$p is a $t, not a directory (a link can be pointed elsewhere later): set LOGSHIP_STACK_DIR to a real directory"
  [ "$u" = "$MY_UID" ] || unsafe "$p is owned by $(user_name "$u"), not by $(user_name "$MY_UID"): another user may have made it to plant what this script runs and reads. Remove it, or set LOGSHIP_STACK_DIR to a directory of yours"
  if (( 8#$m & 8#022 )); then
    unsafe "$p is writable by group or others (mode $m): anyone in them could have planted files there. Remove it, or set LOGSHIP_STACK_DIR to a private directory"
  fi
  [ "$m" = "$2" ] || chmod -- "$2" "$p"
}

# Every directory above it must be root's or ours, and writable by others only with the sticky bit (/var/tmp),
# or someone else could rename it away and put their own in its place; so must every link on the way.
check_above() { # path
  local p="$1" u m t
  while [ "$p" != / ]; do
    p="$(dirname -- "$p")"
    [ -e "$p" ] || [ -L "$p" ] || continue
    read -r u m t < <(stat -c '%u %a %F' -- "$p") || unsafe "cannot stat $p"
    [ "$u" = 0 ] || [ "$u" = "$MY_UID" ] || unsafe "$p, above the state directory $DIR, is owned by $(user_name "$u"), who could replace the state directory: set LOGSHIP_STACK_DIR elsewhere"
    [ "$t" = "symbolic link" ] && continue
    if (( (8#$m & 8#022) && !(8#$m & 8#1000) )); then
      unsafe "$p, above the state directory $DIR, is writable by group or others without the sticky bit (mode $m), so they could replace the state directory: set LOGSHIP_STACK_DIR elsewhere"
    fi
  done
}

# Checks the state directory (exit 3 when unsafe); with `create`, makes what is missing of it.
state_dir() { # [create]
  local p m
  if [ "${1:-}" = create ] && [ ! -e "$DIR" ] && [ ! -L "$DIR" ]; then mkdir -p -- "$DIR"; fi   # 0700 (umask); check_dir sets its mode
  check_above "$DIR"; check_above "$(realpath -m -- "$DIR")"
  [ -e "$DIR" ] || [ -L "$DIR" ] || return 0
  check_dir "$DIR" "$PASS_MODE"
  for p in "$CACHE" "$RUN" "$SECURE"; do
    m="$PASS_MODE"; [ "$p" = "$SECURE" ] && m=700
    if [ -e "$p" ] || [ -L "$p" ]; then check_dir "$p" "$m"
    elif [ "${1:-}" = create ] && [ "$p" != "$SECURE" ]; then mkdir -m "$m" -- "$p"; fi
  done
  # An older stack.sh left its logs and markers in run/ 0644.
  [ ! -d "$RUN" ] || find "$RUN" -maxdepth 1 -type f -perm /077 -exec chmod go-rwx -- {} +
}

# Serialises what rewrites the cache or a distribution (two `up`s at once, e.g. two test runs).
lock() { exec 9>>"$DIR/.lock"; flock 9; }
unlock() { exec 9>&-; }

# ---- Service users (as root): one per service, each owning its directory under run/.

ensure_user() { # name
  [ "$IS_ROOT" = 1 ] || return 0
  id "$1" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1" \
    || die "could not create the unprivileged user $1 that a service of the stack runs as"
  [ "$(id -u "$1")" != 0 ] || die "$1 is uid 0: the stack's services must not run as root"
}

# RUNAS: the command prefix that runs a command as a service's user. As root: setpriv (no shell, no PAM, no new
# privileges, no inherited capabilities) and a clean environment; otherwise empty (everything runs as the caller).
runas() { # user
  RUNAS=()
  [ "$IS_ROOT" = 1 ] || return 0
  RUNAS=(setpriv --reuid="$(id -u "$1")" --regid="$(id -g "$1")" --init-groups --no-new-privs --inh-caps=-all --
    env -i PATH="$PATH" HOME="$(getent passwd "$1" | cut -d: -f6)" LANG=C.UTF-8)
}
as_user() { local u="$1"; shift; runas "$u"; ${RUNAS[@]+"${RUNAS[@]}"} "$@"; }
# Writes stdin to a file in a service's directory, as its user.
write_as() { as_user "$1" tee -- "$2" >/dev/null; }

# A service's directory under run/ (which is root's): 0700, owned by its user. A tree an older stack.sh left with
# other owners (Kafka's data was root's) is handed over once.
service_dir() { # user dir
  [ -L "$2" ] && rm -f -- "$2"
  [ -d "$2" ] || mkdir -m 700 -- "$2"
  if [ "$IS_ROOT" = 1 ] && [ "$(stat -c %u -- "$2")" != "$(id -u "$1")" ]; then chown -R -- "$1:$(id -gn "$1")" "$2"; fi
  chmod 700 -- "$2"
}

need_tools() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install maven) to fetch Kafka and Elasticsearch"
  java_for_kafka >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"
}
java_for_kafka() { if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi; }
es_java_home() {
  if [ -n "${LOGSHIP_ES_JAVA_HOME:-}" ]; then echo "$LOGSHIP_ES_JAVA_HOME"; return; fi
  local j; j="$(readlink -f "$(java_for_kafka)")"; dirname "$(dirname "$j")"
}

# ---- Artifacts: verified against the pins before use, fetched again when they differ.

kafka_manifest() { (cd -- "$KAFKA_LIBS" && find . -maxdepth 1 -iname '*.jar' -printf '%f\0' | LC_ALL=C sort -z | xargs -0r sha256sum --); }

# 0 when Kafka's libs match the pin; otherwise says what differs (-q: says nothing when they are absent, -s: nothing).
verify_kafka_libs() { # [-q|-s]
  [ -n "$KAFKA_LIBS_SHA256" ] || die "no pinned manifest digest for Kafka $KAFKA_VERSION in stack/stack.sh: add one (see the pins) to use it"
  [ -d "$KAFKA_LIBS" ] || { [ -n "${1:-}" ] || log "kafka $KAFKA_VERSION libs: not fetched ($KAFKA_LIBS)"; return 1; }
  local m got
  m="$(kafka_manifest)"; got="$(printf '%s\n' "$m" | sha256sum | cut -c1-64)"
  if [ "$got" = "$KAFKA_LIBS_SHA256" ]; then
    [ -f "$KAFKA_MANIFEST" ] || printf '%s\n' "$m" 2>/dev/null > "$KAFKA_MANIFEST" || true
    return 0
  fi
  [ "${1:-}" != -s ] || return 1
  log "kafka $KAFKA_VERSION libs in $KAFKA_LIBS do not match the pinned manifest (sha256 ${got:0:16}..., pinned ${KAFKA_LIBS_SHA256:0:16}...)"
  if [ -f "$KAFKA_MANIFEST" ] && [ "$(sha256sum < "$KAFKA_MANIFEST" | cut -c1-64)" = "$KAFKA_LIBS_SHA256" ]; then
    log "  jars that differ from the pinned ones, are missing or were added: $(LC_ALL=C comm -3 <(LC_ALL=C sort "$KAFKA_MANIFEST") \
      <(printf '%s\n' "$m" | LC_ALL=C sort) | sed 's/^[[:space:]]*[0-9a-f]*  //' | LC_ALL=C sort -u | tr '\n' ' ')"
  fi
  return 1
}

verify_es_zip() { # [-q|-s]
  [ -n "$ES_ZIP_SHA512" ] || die "no pinned SHA-512 for Elasticsearch $ES_VERSION in stack/stack.sh: add one (see the pins) to use it"
  [ -f "$ES_ZIP" ] || { [ -n "${1:-}" ] || log "elasticsearch $ES_VERSION zip: not fetched ($ES_ZIP)"; return 1; }
  local got; got="$(sha512sum < "$ES_ZIP" | cut -c1-128)"
  [ "$got" = "$ES_ZIP_SHA512" ] && return 0
  [ "${1:-}" != -s ] || return 1
  log "$ES_ZIP does not match its pinned SHA-512 (${got:0:16}..., pinned ${ES_ZIP_SHA512:0:16}...)"
  return 1
}

# mvn with strict checksums (a download whose .sha1/.sha512 differs fails), with the cache readable by the services.
mvn_strict() { (umask 022; mvn -C -q -B "$@"); }

write_pom() { # file dependencies-xml
  cat > "$1" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.logship</groupId><artifactId>stack-fetch</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
$2
  </dependencies>
</project>
POM
}

# Fetches Kafka's libs unless they match the pin: copied from the local Maven repository first, and if they still
# differ (it holds a bad copy: mvn checks checksums on download only), purged from it and downloaded again.
fetch_kafka() {
  verify_kafka_libs -q && return 0
  lock
  if verify_kafka_libs -s; then unlock; return 0; fi   # another `up` fetched them meanwhile
  need_tools
  mkdir -p -- "$KAFKA_WORK"; chmod "$PASS_MODE" -- "$KAFKA_WORK"
  write_pom "$KAFKA_WORK/pom.xml" "    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>"
  local attempt mlog="$KAFKA_WORK/mvn.log"
  : > "$mlog"
  for attempt in local download; do
    rm -rf -- "$KAFKA_LIBS" "$KAFKA_MANIFEST"
    if [ "$attempt" = download ]; then
      log "purging kafka's artifacts from the local Maven repository, to download them again"
      mvn_strict -f "$KAFKA_WORK/pom.xml" dependency:purge-local-repository -DreResolve=false >>"$mlog" 2>&1 \
        || die "could not purge kafka's artifacts from the local Maven repository (log: $mlog)"
    fi
    log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies with mvn"
    if ! mvn_strict -f "$KAFKA_WORK/pom.xml" dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime >>"$mlog" 2>&1; then
      grep -m1 -E "Could not (resolve|find|transfer)[^.]*|[Cc]hecksum[^.]*" -o "$mlog" >&2 || tail -5 "$mlog" >&2
      die "could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central (log: $mlog)"
    fi
    if verify_kafka_libs; then unlock; return 0; fi
  done
  echo "logship stack: kafka's libs still differ from the pins after a fresh download: Maven Central (or a mirror in ~/.m2/settings.xml) served other files" >&2
  exit 4
}

# The same for the Elasticsearch zip.
fetch_es() {
  verify_es_zip -q && return 0
  lock
  if verify_es_zip -s; then unlock; return 0; fi
  need_tools
  local attempt coords="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" mlog="$CACHE/mvn-es.log"
  : > "$mlog"
  for attempt in local download; do
    rm -f -- "$ES_ZIP"
    if [ "$attempt" = download ]; then
      log "purging the elasticsearch zip from the local Maven repository, to download it again"
      write_pom "$CACHE/es-pom.xml" "    <dependency><groupId>org.elasticsearch.distribution.integ-test-zip</groupId><artifactId>elasticsearch</artifactId><version>$ES_VERSION</version><type>zip</type></dependency>"
      mvn_strict -f "$CACHE/es-pom.xml" dependency:purge-local-repository -DreResolve=false -DactTransitively=false >>"$mlog" 2>&1 \
        || die "could not purge the elasticsearch zip from the local Maven repository (log: $mlog)"
    fi
    log "fetching $coords with mvn"
    mvn_strict dependency:copy -Dartifact="$coords" -DoutputDirectory="$CACHE" >>"$mlog" 2>&1 \
      || die "could not resolve $coords from Maven Central (log: $mlog)"
    if verify_es_zip; then unlock; return 0; fi
  done
  echo "logship stack: the elasticsearch zip still differs from its pin after a fresh download: Maven Central (or a mirror in ~/.m2/settings.xml) served another file" >&2
  exit 4
}

# An unpacked distribution is used only when it is ours and came from the pinned zip: an older stack.sh gave it to
# the Elasticsearch user, who could have changed what root later ran from it. Else it is unpacked again (once no node
# runs from it).
home_ok() { # dir marker want
  [ -d "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %u -- "$1")" = "$MY_UID" ] && [ "$(cat -- "$1/$2" 2>/dev/null)" = "$3" ]
}
unpack_es() { # home
  local tmp="$DIR/es-unpack"
  command -v unzip >/dev/null 2>&1 || die "unzip not found: install it (apt-get install unzip)"
  lock
  rm -rf -- "$1" "$tmp"; mkdir -p -- "$tmp"
  unzip -q "$ES_ZIP" -d "$tmp"
  # Readable by the Elasticsearch user, writable by us only (the zip's modes give its config files to group 0).
  chmod -R u=rwX,go=rX -- "$tmp/elasticsearch-$ES_VERSION"
  mv -- "$tmp/elasticsearch-$ES_VERSION" "$1"; rmdir -- "$tmp"
  echo "$ES_ZIP_SHA512" > "$1/.complete"
  unlock
}
ensure_es_home() {
  home_ok "$ES_HOME" .complete "$ES_ZIP_SHA512" && return 0
  fetch_es; unpack_es "$ES_HOME"
}

# ---- TLS material and credentials.

CRED_KEYS="SEC_KEYSTORE_PASSWORD SEC_KAFKA_PLAIN_USER SEC_KAFKA_PLAIN_PASSWORD SEC_KAFKA_SCRAM_USER SEC_KAFKA_SCRAM_PASSWORD SEC_ES_USER SEC_ES_PASSWORD"
# The credentials file is data, never sourced: KEY=value lines, keys from CRED_KEYS, each once, values of
# [A-Za-z0-9._-]{1,128} (what ensure_secure_material writes); anything else is refused.
read_credentials() {
  local f="$SECURE/credentials" line key value n=0
  if [ ! -f "$f" ] || [ -L "$f" ]; then die "$f is missing or not a regular file: remove $SECURE to make new credentials"; fi
  for key in $CRED_KEYS; do unset "$key"; done
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    [[ "$line" =~ ^([A-Z_]{1,64})=([A-Za-z0-9._-]{1,128})$ ]] \
      || die "$f line $n is not KEY=value with a value of letters, digits and . _ -: refusing it (remove $SECURE to make new credentials)"
    key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    case " $CRED_KEYS " in *" $key "*) ;; *) die "$f line $n: unknown key $key (remove $SECURE to make new credentials)" ;; esac
    [ -z "${!key:-}" ] || die "$f line $n: $key given twice"
    printf -v "$key" '%s' "$value"
  done < "$f"
  for key in $CRED_KEYS; do [ -n "${!key:-}" ] || die "$f has no $key (remove $SECURE to make new credentials)"; done
  CREDS_READ=1
}

# A CA, a server certificate for 127.0.0.1/localhost signed by it, and random credentials, made once per state
# directory (kept by `reset`, which only removes $RUN) so that clients configured with them keep working.
ensure_secure_material() {
  [ -z "${CREDS_READ:-}" ] || return 0
  if [ ! -f "$SECURE/.complete" ]; then
    command -v openssl >/dev/null 2>&1 || die "openssl not found: install it (apt-get install openssl) to make the stack's TLS certificates"
    local t="$SECURE.tmp"
    rm -rf "$t"; mkdir -m 700 "$t"
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
    # The CA certificate is public (clients are given its path); the directory keeps it to us anyway.
    chmod 644 "$t/ca.crt"
    touch "$t/.complete"
    rm -rf "$SECURE"; mv "$t" "$SECURE"
  fi
  # An older stack.sh left the credentials and logs 0644 (in a 0700 directory): 0600 like the keys.
  find "$SECURE" -maxdepth 1 -type f ! -name ca.crt -perm /077 -exec chmod 600 -- {} +
  read_credentials
}

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
      kafka.tools.StorageTool format -t "$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" -c "$KAFKA_CONF/kafka.properties") \
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

wait_healthy() {
  local deadline=$((SECONDS + ${LOGSHIP_STACK_TIMEOUT:-180}))
  local k=0 e=0
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

status() {
  local pid
  if pid="$(pid_of "$KAFKA_PID")"; then
    if kafka_healthy; then echo "kafka         $KAFKA_VERSION  running  127.0.0.1:$KAFKA_PORT  pid $pid  user $(proc_user "$pid")";
    else echo "kafka         $KAFKA_VERSION  starting 127.0.0.1:$KAFKA_PORT  pid $pid  user $(proc_user "$pid")"; fi
  else echo "kafka         $KAFKA_VERSION  stopped"; fi
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

verify_cache() {
  local rc=0
  if verify_kafka_libs; then log "kafka $KAFKA_VERSION libs match the pinned manifest"; else rc=4; fi
  if verify_es_zip; then log "elasticsearch $ES_VERSION zip matches its pinned SHA-512"; else rc=4; fi
  return "$rc"
}

stop_kafka() { stop_pid "$KAFKA_PID" kafka kafka; }
stop_secure_es() { stop_pid "$ES_SECURE_PID" "secured elasticsearch" secure-es; }

case "${1:-}" in
  up|fetch|start-kafka|start-es|up-secure-es|env) state_dir create ;;
  down|status|stop-kafka|stop-es|down-secure-es|reset|verify-cache) state_dir ;;
esac
case "${1:-}" in
  up) command -v curl >/dev/null || die "curl not found: install it (apt-get install curl)"
      fetch_kafka; fetch_es   # every `up` checks the cache, running or not
      # A Kafka started by an older stack.sh has no secured listeners: restart it once with them.
      if kafka_healthy && ! kafka_secured; then log "kafka runs without its SSL/SASL listeners: restarting it"; stop_kafka; fi
      if kafka_healthy && es_healthy; then note_root_kafka; ensure_scram_user; log "already up"; status; exit 0; fi
      start_kafka; start_es; wait_healthy; ensure_scram_user; status ;;
  down) stop_kafka; stop_pid "$ES_PID" elasticsearch es; stop_secure_es; log "stopped" ;;
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
  reset) "$0" down; rm -rf "$RUN"; log "data removed" ;;
  env) print_env ;;
  *) echo "usage: stack.sh up|down|status|fetch|verify-cache|reset|stop-kafka|start-kafka|stop-es|start-es|up-secure-es|down-secure-es|env" >&2; exit 2 ;;
esac
