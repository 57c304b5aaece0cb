#!/usr/bin/env bash
# Builds the providers the modules' tests run and lays them out as an OpenTofu filesystem mirror, with a CLI
# config selecting it. No registry download works here, so:
#   - hashicorp/helm, alekc/kubectl and hashicorp/kubernetes are the REAL providers, built from the Go module proxy at pseudo-versions it
#     serves (their go.mod lacks the /vN suffix, so the proxy cannot serve their release tags), labelled with the
#     release they are;
#   - digitalocean/digitalocean is a stand-in (test/providers): the proxy serves none of DigitalOcean's provider.
#
#   scripts/test-providers.sh <cache-dir>
#     -> <cache-dir>/providers/<type>/<version>-<recipe>/terraform-provider-<type>_v<version>   (real builds)
#     -> <cache-dir>/providers/mirror-<key>/registry.opentofu.org/<ns>/<type>/<version>/linux_amd64/...
#     -> <cache-dir>/providers/mirror-<key>.tofurc   (use as TF_CLI_CONFIG_FILE; its path is the one line on stdout)
#
# Each build is cached by version and recipe (the stand-in by a hash of its sources), so a warm run costs one hash
# and a few stat calls. The CLI config is named after its mirror, so runs from checkouts that pin other providers
# never switch each other's mirror.
set -euo pipefail
cache=${1:?usage: test-providers.sh <cache-dir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/../test/providers
root=$cache/providers
mkdir -p "$root"
log() { printf '[test-providers] %s\n' "$*" >&2; }
platform=linux_amd64
case "$(uname -m)" in aarch64 | arm64) platform=linux_arm64 ;; esac

# Bump when the build recipe changes, so binaries built the old way are rebuilt.
recipe=r1
# Per provider: type, source, Go module, the pseudo-version the proxy serves, the release it is (the mirror's
# version label), and the variable its release build stamps the version into (- for none).
providers=(
  "helm hashicorp/helm github.com/hashicorp/terraform-provider-helm v1.3.3-0.20260629194918-a4f1c1d8b008 3.2.0 main.Version"
  "kubectl alekc/kubectl github.com/alekc/terraform-provider-kubectl v1.13.2-0.20260422205830-382f717da42b 2.2.0 -"
  "kubernetes hashicorp/kubernetes github.com/hashicorp/terraform-provider-kubernetes v1.13.4-0.20260821094251-3a33fb6cc605 3.2.1 main.Version"
)

# build_provider TYPE MODULE PSEUDO LABEL VERSION_VAR: builds inside the downloaded module, so its own go.mod
# governs the build (as in test-tools.sh), into the cache path build_dest prints (keyed by label and recipe).
build_dest() { printf '%s/%s/%s-%s/terraform-provider-%s_v%s' "$root" "$1" "$2" "$recipe" "$1" "$2"; }
build_provider() {
  local type=$1 module=$2 pseudo=$3 label=$4 var=$5 dest dir stamp='' start=$SECONDS
  dest=$(build_dest "$type" "$label")
  [[ -x $dest ]] && return 0
  log "building $module@$pseudo as $type $label — first run only"
  dir=$(GOFLAGS=-mod=mod go mod download -json "$module@$pseudo" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir ]] || { log "go mod download gave no directory for $module@$pseudo"; return 1; }
  # The version the release build stamps, so the provider reports 3.2.0 to tofu, not "dev".
  [[ $var == - ]] || stamp="-X $var=$label"
  mkdir -p "$(dirname "$dest")"
  # The module directory is read-only: the binary goes to the cache, built aside and renamed into place.
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags="-s -w $stamp" -o "$dest.tmp.$$" .) >&2
  mv "$dest.tmp.$$" "$dest"
  log "built $type $label in $((SECONDS - start))s"
}

# The real builds take minutes each: run them side by side, and build the stand-in meanwhile.
pids=()
for line in "${providers[@]}"; do
  read -r type _ module pseudo label var <<<"$line"
  build_provider "$type" "$module" "$pseudo" "$label" "$var" &
  pids+=($!)
done

# The DigitalOcean stand-in, keyed by a hash of every input of its build, in a stable order.
hash=$(cd "$src" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.json' \) -print0 |
  LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
standin=$root/standin/$hash/terraform-provider-standin
if [[ ! -x $standin ]]; then
  log "building the DigitalOcean provider stand-in ($hash)"
  mkdir -p "$(dirname "$standin")"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$standin.tmp.$$" .) >&2
  mv "$standin.tmp.$$" "$standin"
fi

failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
((failed == 0)) || { log "a provider build failed"; exit 1; }

# The mirror: hard links to the cached binaries, in a directory named after everything it holds. Built aside and
# renamed into place, so a parallel run never sees half a mirror.
entries=()
for line in "${providers[@]}"; do
  read -r type source _ _ label _ <<<"$line"
  entries+=("$source $label $type $(build_dest "$type" "$label")")
done
# One stand-in binary serves each schema it embeds, picked from the name it is installed under.
while read -r type source version; do
  entries+=("$source $version $type $standin")
done < <("$standin" --list)
key=$(printf '%s\n' "${entries[@]}" | sha256sum | cut -c1-16)
mirror=$root/mirror-$key
if [[ ! -d $mirror ]]; then
  tmp=$(mktemp -d "$root/.mirror.XXXXXX")
  for entry in "${entries[@]}"; do
    read -r source version type bin <<<"$entry"
    target=$tmp/registry.opentofu.org/$source/$version/$platform
    mkdir -p "$target"
    ln "$bin" "$target/terraform-provider-${type}_v${version}"
    log "mirror: $source $version"
  done
  mv -T "$tmp" "$mirror" 2>/dev/null || rm -rf "$tmp" # another run laid out the same mirror first
fi
touch "$mirror" # its age is the time since a run last used it: see the clean-up below

# The mirror is the only installation method: nothing is ever fetched from a registry.
rc=$(mktemp "$root/.tofurc.XXXXXX")
tofurc=$mirror.tofurc
cat >"$rc" <<EOF
provider_installation {
  filesystem_mirror {
    path = "$mirror"
  }
}
EOF
mv "$rc" "$tofurc"
echo "$tofurc"

# Drop mirrors and stand-ins of earlier sources once no run has used them for a day (checkouts of other commits
# may share this cache); real builds stay, keyed by version, and are removed only when their version or recipe
# leaves this file.
find "$root" -mindepth 1 -maxdepth 1 -name 'mirror-*' ! -name "mirror-$key" ! -name "mirror-$key.tofurc" -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
find "$root/standin" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" -mmin +60 -exec rm -rf {} + 2>/dev/null || true
