#!/usr/bin/env bash
# Builds a real Kubernetes control plane with Flux's source- and kustomize-controllers for the tests, from the Go
# module proxy alone (no release download is reachable here), into a cache outside the repo:
#
#   scripts/test-cluster.sh <cache-dir>
#     -> <cache-dir>/cluster/<component>-<hash>/    one directory per wrapper module under test/cluster
#     -> <cache-dir>/cluster/bin-<hash>/            links to every binary (FLUX_CLUSTER_BIN)
#
# Each component is keyed by a hash of its wrapper module (go.mod pins the versions, go.sum the contents) and the
# build recipe, so a warm run costs a few hashes and stat calls. Built aside and renamed into place, so parallel
# runs never see half a build. Prints `export` lines on stdout only (scripts/test-tools.sh evals them):
#   FLUX_CLUSTER_BIN     etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok
#                        source-controller kustomize-controller git-server cluster-pki guard
#   FLUX_CLUSTER_CRDS    the Flux controllers' CRDs (config/crd/bases of their modules)
#   FLUX_KWOK_STAGES     kwok's "fast" stages, rendered (node and pod lifecycles, Job pods complete)
#   FLUX_CLUSTER_K8S_VERSION  the Kubernetes release the binaries report
set -euo pipefail
cache=${1:?usage: test-cluster.sh <cache-dir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../test/cluster" && pwd)
root=$cache/cluster
mkdir -p "$root"
log() { printf '[test-cluster] %s\n' "$*" >&2; }

# Bump when the build recipe (flags, layout) changes, so caches built the old way are rebuilt.
recipe=c1

# hash_of DIR EXTRA...: content hash of a wrapper module's inputs and of the recipe details given.
hash_of() {
  local dir=$1
  shift
  {
    (cd "$dir" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum)
    printf '%s\n' "$recipe" "$@"
  } | sha256sum | cut -c1-16
}

# module_dir MODULE_DIR MODULE: where the Go module cache holds MODULE at the version MODULE_DIR's go.mod selects.
module_dir() {
  (cd "$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
}

# build NAME LDFLAGS PACKAGE...: builds the packages inside test/cluster/NAME (so its go.mod and replaces govern)
# into $root/NAME-<hash>, whose path it leaves in $out. A function named finish_NAME, if any, adds files to the
# directory before it is renamed into place.
build() {
  local name=$1 ldflags=$2
  shift 2
  out=$root/$name-$(hash_of "$src/$name" "$ldflags" "$@")
  [[ -f $out/done ]] && return 0
  log "building $name ($*) — first run only, minutes"
  local start=$SECONDS tmp
  tmp=$(mktemp -d "$root/.build-$name.XXXXXX")
  chmod 755 "$tmp" # mktemp's 0700 would hide the binaries from other users of a shared cache
  (cd "$src/$name" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w $ldflags" -o "$tmp/" "$@") >&2
  if declare -F "finish_$name" >/dev/null; then "finish_$name" "$tmp"; fi
  touch "$tmp/done"
  [[ -f $out/done ]] || rm -rf "$out" # leftovers of an interrupted build
  mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp" # another run finished the same build first
  log "built $name in $((SECONDS - start))s"
}

# Kubernetes: clients read the version from these variables, which are v0.0.0 unless stamped.
k8s_version=$(cd "$src/kube" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
k8s_minor=${k8s_version#v*.}
k8s_minor=${k8s_minor%%.*}
stamp=
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done
build kube "$stamp" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
kube=$out

build etcd "" .
etcd=$out

build helpers "" ./cmd/git-server ./cmd/cluster-pki ./cmd/guard
helpers=$out

# kwok ships no stages in its binary: they are rendered from its module with the kubectl just built.
finish_kwok() {
  local dir
  dir=$(module_dir "$src/kwok" sigs.k8s.io/kwok)
  "$kube/kubectl" kustomize "$dir/kustomize/stage/fast" >"$1/stages.yaml"
  grep -q 'name: pod-complete$' "$1/stages.yaml" || { log "rendered kwok stages lack pod-complete"; return 1; }
}
build kwok "" sigs.k8s.io/kwok/cmd/kwok
kwok=$out

finish_flux() {
  local module dir
  mkdir -p "$1/crds"
  for module in github.com/fluxcd/source-controller github.com/fluxcd/kustomize-controller; do
    dir=$(module_dir "$src/flux" "$module")
    install -m 0644 "$dir"/config/crd/bases/*.yaml "$1/crds/"
  done
}
build flux "" github.com/fluxcd/source-controller github.com/fluxcd/kustomize-controller
flux=$out

# One directory naming every binary, keyed by the components it links to.
bin=$root/bin-$(printf '%s\n' "$kube" "$etcd" "$helpers" "$kwok" "$flux" | sha256sum | cut -c1-16)
if [[ ! -d $bin ]]; then
  tmp=$(mktemp -d "$root/.bin.XXXXXX")
  chmod 755 "$tmp"
  for f in "$kube"/* "$etcd"/etcd "$helpers"/* "$kwok"/kwok "$flux"/*-controller; do
    [[ -x $f && -f $f ]] && ln -s "$f" "$tmp/"
  done
  mv -T "$tmp" "$bin" 2>/dev/null || rm -rf "$tmp"
fi

# The Git server runs Git's own CGI program; say so here rather than in a failed test.
if ! [[ -x "$(git --exec-path 2>/dev/null)/git-http-backend" ]]; then
  log "warning: git-http-backend not found (apt-get install git): the Git server tests will fail"
fi

# Drop builds of earlier recipes or versions once no test run can still be using them.
keep=("$kube" "$etcd" "$helpers" "$kwok" "$flux" "$bin")
find "$root" -mindepth 1 -maxdepth 1 -type d -mmin +60 -print0 | while IFS= read -r -d '' d; do
  [[ " ${keep[*]} " == *" $d "* ]] || rm -rf "$d"
done

cat <<OUT
export FLUX_CLUSTER_BIN='$bin'
export FLUX_CLUSTER_CRDS='$flux/crds'
export FLUX_KWOK_STAGES='$kwok/stages.yaml'
export FLUX_CLUSTER_K8S_VERSION='$k8s_version'
OUT
