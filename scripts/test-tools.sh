#!/usr/bin/env bash
# Builds the real tofu, conftest and actionlint the tests run, from the Go module proxy (GitHub release
# downloads are unreachable here), into a cache outside the repo keyed by version. Idempotent: a warm
# cache costs a few stat calls. Prints `export` lines for the tests' environment on stdout.
#
#   eval "$(scripts/test-tools.sh)"      # TOFU_BIN, CONFTEST_BIN, ACTIONLINT_BIN, FLUX_TOOLS_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tool-versions.env
source "$here/tool-versions.env"
cache=${FLUX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flux-bootstrap-tools}
mkdir -p "$cache"
log() { printf '[test-tools] %s\n' "$*" >&2; }

# go_build_module MODULE VERSION PKG DEST [LDFLAGS]: builds PKG inside the downloaded module, so that the module's
# own go.mod (with its replace directives, which `go install mod@v` refuses) governs the build. LDFLAGS stamp the
# release version the way the projects' release builds do, so `tofu version` reports 1.12.6, not 1.12.6-dev.
go_build_module() {
  local module=$1 version=$2 pkg=$3 dest=$4 stamp=${5:-}
  [[ -x $dest ]] && return 0
  log "building $module@$version ($pkg) — first run only"
  local start=$SECONDS dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir ]] || { log "go mod download gave no directory for $module@$version"; return 1; }
  mkdir -p "$(dirname "$dest")"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w $stamp" -o "$dest.tmp" "$pkg")
  mv "$dest.tmp" "$dest"
  log "built $(basename "$dest") $version in $((SECONDS - start))s"
}

# Bump when the build recipe changes, so caches built the old way are rebuilt.
recipe=r2
tofu_bin=$cache/tofu/$TOFU_VERSION-$recipe/tofu
conftest_bin=$cache/conftest/$CONFTEST_VERSION-$recipe/conftest
actionlint_bin=$cache/actionlint/$ACTIONLINT_VERSION/actionlint
go_build_module github.com/opentofu/opentofu "v$TOFU_VERSION" ./cmd/tofu "$tofu_bin" \
  "-X github.com/opentofu/opentofu/version.dev=no"
go_build_module github.com/open-policy-agent/conftest "v$CONFTEST_VERSION" . "$conftest_bin" \
  "-X github.com/open-policy-agent/conftest/internal/version.Version=$CONFTEST_VERSION"
go_build_module github.com/rhysd/actionlint "v$ACTIONLINT_VERSION" ./cmd/actionlint "$actionlint_bin"

providers_tofurc=$("$here/test-providers.sh" "$cache")
# Servers the tests run for real (S3 state, OCI registry) and the Kubernetes control plane with Flux's controllers:
# each script builds into the same cache and prints its own `export` lines.
servers_env=$("$here/test-servers.sh" "$cache")
cluster_env=$("$here/test-cluster.sh" "$cache")

cat <<OUT
export FLUX_TOOLS_DIR='$cache'
export TOFU_BIN='$tofu_bin'
export CONFTEST_BIN='$conftest_bin'
export ACTIONLINT_BIN='$actionlint_bin'
OUT
# Every tofu the tests start reads this CLI config: the provider mirror when built, else an empty one, so a
# TF_CLI_CONFIG_FILE inherited from the machine (it may name a missing file) cannot change what tests see.
tofurc=$cache/empty.tofurc
[[ -f $providers_tofurc ]] && tofurc=$providers_tofurc
[[ -f $tofurc ]] || : >"$tofurc"
echo "export FLUX_TOFURC='$tofurc'"
echo "export TF_CLI_CONFIG_FILE='$tofurc'"
printf '%s\n' "$servers_env" "$cluster_env"
