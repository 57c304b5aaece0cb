#!/usr/bin/env bash
# Builds (or finds) the real servers the tests start on 127.0.0.1: versitygw (an S3 gateway over a posix directory,
# for OpenTofu's s3 backend), the CNCF distribution registry (an OCI registry for the flux2 chart) and PostgreSQL
# (for the pg backend). The Go servers come from the Go module proxy (no release download works here); PostgreSQL
# is Debian's, installed when absent. Idempotent: a warm cache costs a few stat calls.
#
#   scripts/test-servers.sh <cache-dir>     # called by scripts/test-tools.sh
#     -> stdout: export VERSITYGW_BIN=… REGISTRY_BIN=… PG_BIN_DIR=…   (nothing else: the caller evals it)
set -euo pipefail
cache=${1:?usage: test-servers.sh <cache-dir>}
log() { printf '[test-servers] %s\n' "$*" >&2; }

VERSITYGW_VERSION=1.8.0
DISTRIBUTION_VERSION=3.1.2
# Bump when the build recipe changes, so caches built the old way are rebuilt.
recipe=r1

# go_install PKG VERSION DEST [LDFLAGS]: neither module has replace directives, so `go install pkg@version` builds
# it with the module's own go.sum. Built into a directory beside DEST and renamed into place, so a parallel run
# never sees half a binary.
go_install() {
  local pkg=$1 version=$2 dest=$3 stamp=${4:-}
  [[ -x $dest ]] && return 0
  log "building $pkg@$version — first run only"
  local start=$SECONDS tmp
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp -d "$(dirname "$dest")/.build.XXXXXX")
  if ! GOBIN=$tmp CGO_ENABLED=0 go install -trimpath -ldflags="-s -w $stamp" "$pkg@$version" >&2; then
    rm -rf "$tmp"
    return 1
  fi
  mv -f "$tmp/$(basename "$pkg")" "$dest"
  rm -rf "$tmp"
  log "built $(basename "$dest") $version in $((SECONDS - start))s"
}

versitygw_bin=$cache/versitygw/$VERSITYGW_VERSION-$recipe/versitygw
registry_bin=$cache/distribution/$DISTRIBUTION_VERSION-$recipe/registry
# The two builds share the two cores; run side by side they finish sooner than one after the other, since each
# spends part of its time downloading and linking.
go_install github.com/versity/versitygw/cmd/versitygw "v$VERSITYGW_VERSION" "$versitygw_bin" \
  "-X main.Version=v$VERSITYGW_VERSION" &
vgw_pid=$!
go_install github.com/distribution/distribution/v3/cmd/registry "v$DISTRIBUTION_VERSION" "$registry_bin" \
  "-X github.com/distribution/distribution/v3/version.version=v$DISTRIBUTION_VERSION" &
reg_pid=$!
status=0
wait "$vgw_pid" || status=$?
wait "$reg_pid" || status=$?
((status == 0)) || exit "$status"

# PostgreSQL: Debian keeps the server out of PATH, under /usr/lib/postgresql/<major>/bin; some images link it into
# /usr/local/bin. Take the newest major found, and install Debian's package on a machine that has none.
find_pg_bin_dir() {
  local postgres
  if postgres=$(command -v postgres) && "$postgres" --version >/dev/null 2>&1; then
    dirname "$(readlink -f "$postgres")"
    return 0
  fi
  find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' -printf '%h\n' 2>/dev/null |
    sort -V | tail -1
}
pg_bin_dir=$(find_pg_bin_dir)
if [[ -z $pg_bin_dir ]]; then
  log "installing PostgreSQL from Debian — first run only"
  # Only the server is needed; the package starts a cluster of its own where it can, which the tests never use.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  pg_bin_dir=$(find_pg_bin_dir)
fi
for tool in postgres initdb; do
  [[ -x $pg_bin_dir/$tool ]] || { log "no $tool in '$pg_bin_dir'"; exit 1; }
done

cat <<OUT
export VERSITYGW_BIN='$versitygw_bin'
export REGISTRY_BIN='$registry_bin'
export PG_BIN_DIR='$pg_bin_dir'
OUT
