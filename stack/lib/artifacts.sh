# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): artifacts, verified against the pins.

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

