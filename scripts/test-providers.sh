#!/usr/bin/env bash
# Builds the provider SCHEMA STAND-INS (test/providers) and lays them out as an OpenTofu filesystem mirror, with
# a CLI config selecting it. The real helm, kubectl and digitalocean providers cannot be built here (the Go
# module proxy refuses them), yet `tofu validate` and `tofu test` with mock_provider need each provider's schema.
# The stand-ins serve those schemas and refuse every call that would reach a cluster or a cloud API.
#
#   scripts/test-providers.sh <cache-dir>
#     -> <cache-dir>/providers/<hash>/mirror/registry.opentofu.org/<ns>/<type>/<version>/linux_amd64/...
#     -> <cache-dir>/providers/tofurc          (use as TF_CLI_CONFIG_FILE)
#
# Keyed by a hash of test/providers, so a warm run costs one hash and a few stat calls. Prints nothing on
# stdout: scripts/test-tools.sh evals its own stdout.
set -euo pipefail
cache=${1:?usage: test-providers.sh <cache-dir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/../test/providers
log() { printf '[test-providers] %s\n' "$*" >&2; }

# Content hash of every input of the build, in a stable order.
hash=$(cd "$src" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.json' \) -print0 |
  LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
root=$cache/providers
dir=$root/$hash
mkdir -p "$root"
platform=linux_amd64
case "$(uname -m)" in aarch64 | arm64) platform=linux_arm64 ;; esac

if [[ ! -f $dir/done ]]; then
  start=$SECONDS
  log "building provider schema stand-ins ($hash)"
  # Built aside and renamed into place, so a parallel run never sees half a mirror.
  tmp=$(mktemp -d "$root/.build.XXXXXX")
  mkdir -p "$tmp/mirror"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/terraform-provider-standin" .) >&2
  # One binary, installed under each provider's name: it picks the schema from its own file name.
  while read -r type source version; do
    target=$tmp/mirror/registry.opentofu.org/$source/$version/$platform
    mkdir -p "$target"
    ln "$tmp/terraform-provider-standin" "$target/terraform-provider-${type}_v${version}"
    log "stand-in for $source $version"
  done < <("$tmp/terraform-provider-standin" --list)
  touch "$tmp/done"
  [[ -f $dir/done ]] || rm -rf "$dir" # leftovers of an interrupted build
  if ! mv -T "$tmp" "$dir" 2>/dev/null; then
    rm -rf "$tmp" # another run finished the same build first
  fi
  log "built stand-ins in $((SECONDS - start))s"
fi

# The mirror is the only installation method: nothing is ever fetched from a registry.
rc=$(mktemp "$root/.tofurc.XXXXXX")
cat >"$rc" <<EOF
provider_installation {
  filesystem_mirror {
    path = "$dir/mirror"
  }
}
EOF
mv "$rc" "$root/tofurc"

# Drop mirrors of earlier stand-in sources once no test run can still be using them.
find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" -mmin +60 -exec rm -rf {} + 2>/dev/null || true
