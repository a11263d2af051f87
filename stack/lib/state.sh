# shellcheck shell=bash
# Part of stack/stack.sh, which sources it from the repository (never from the state directory): the state directory, service users, the tools.

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

