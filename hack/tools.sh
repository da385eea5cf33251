#!/usr/bin/env bash
# Builds, once per pinned version, the binaries of the local control plane and the tools around it,
# with the Go toolchain through the Go module proxy. No Docker and no release downloads are needed:
# these machines reach only the package registries.
#
# The binaries are cached outside the checkout (by version, so a version bump rebuilds and a clean
# clone reuses), and linked into .agentfleet/bin/ of the checkout.
#
#   hack/tools.sh            build what is missing, then link
#   hack/tools.sh --check    exit 0 when every tool is already built, 1 otherwise (builds nothing)
set -euo pipefail

# Pinned versions. Kubernetes follows kwok's own KubeVersion line (kwok v0.8.0 is built against 1.36).
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v4.3.1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${AGENTFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentfleet}
bin_link_dir="$root/.agentfleet/bin"

kube_dir="$cache/kubernetes-$KUBE_VERSION"
etcd_dir="$cache/etcd-$ETCD_VERSION"
kwok_dir="$cache/kwok-$KWOK_VERSION"
helm_dir="$cache/helm-$HELM_VERSION"

# tool name -> directory holding it
declare -A tool_dir=(
  [kube-apiserver]=$kube_dir [kube-controller-manager]=$kube_dir [kube-scheduler]=$kube_dir [kubectl]=$kube_dir
  [etcd]=$etcd_dir [kwok]=$kwok_dir [kwokctl]=$kwok_dir [helm]=$helm_dir
)

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

all_built() {
  local t
  for t in "${!tool_dir[@]}"; do [[ -x "${tool_dir[$t]}/$t" ]] || return 1; done
  [[ -f $kwok_dir/stages/node-not-ready.yaml ]]
}

link_all() {
  mkdir -p "$bin_link_dir"
  local t
  for t in "${!tool_dir[@]}"; do ln -sfn "${tool_dir[$t]}/$t" "$bin_link_dir/$t"; done
  ln -sfn "$kwok_dir/stages" "$root/.agentfleet/kwok-stages"
}

if [[ ${1:-} == --check ]]; then all_built; exit; fi

if all_built; then link_all; exit 0; fi

command -v go >/dev/null 2>&1 || fail "go is not installed, and the control plane is built from source with it.
Install Go 1.24 or newer (Debian: apt-get install golang-go; or https://go.dev/dl) and run this again."

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
work=$(mktemp -d "${TMPDIR:-/tmp}/agentfleet-tools.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Builds into a temporary directory and moves the result into place only when every binary built,
# so an interrupted build never leaves a half-filled cache directory that looks complete.
install_into() { # dir, then binaries already in $2
  local dest=$1 src=$2
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest.partial" && cp -r "$src" "$dest.partial" && rm -rf "$dest" && mv "$dest.partial" "$dest"
}

build_kubernetes() {
  [[ -x $kube_dir/kube-apiserver && -x $kube_dir/kube-controller-manager && -x $kube_dir/kube-scheduler && -x $kube_dir/kubectl ]] && return
  step "Building Kubernetes $KUBE_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl); 10-25 minutes on 2 cores, once"
  local mod=$work/kubernetes staging_version="v0${KUBE_VERSION#v1}"
  mkdir -p "$mod/out"
  # k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every k8s.io/<staging> module by a
  # relative path. A wrapper module requires it and replaces each staging module by its published
  # tag instead (v1.X.Y of kubernetes ships as v0.X.Y of every staging module).
  (cd "$mod" && go mod init agentfleet.local/kubebuild >/dev/null 2>&1)
  local gomod
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [[ -f $gomod ]] || fail "could not fetch k8s.io/kubernetes@$KUBE_VERSION from the Go module proxy ($(go env GOPROXY))"
  {
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo "replace ("
    grep -oE '^\s*k8s.io/[a-z0-9-]+ => \./staging/src/k8s.io/[a-z0-9-]+' "$gomod" |
      awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >>"$mod/go.mod"
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  step "  resolving modules"
  (cd "$mod" && go mod tidy -e >/dev/null) || fail "go mod tidy failed for Kubernetes $KUBE_VERSION"
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    step "  compiling $c"
    (cd "$mod" && go build -trimpath -ldflags "$ldflags" -o "out/$c" "k8s.io/kubernetes/cmd/$c") || fail "building $c failed (see the compiler output above)"
  done
  install_into "$kube_dir" "$mod/out"
}

build_etcd() {
  [[ -x $etcd_dir/etcd ]] && return
  step "Building etcd $ETCD_VERSION; a few minutes, once"
  local mod=$work/etcd
  mkdir -p "$mod/out"
  # etcd's server module also replaces its siblings by relative paths; a two-line main calling
  # etcdmain.Main is what etcd's own binary is.
  cat >"$mod/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$mod" && go mod init agentfleet.local/etcdbuild >/dev/null 2>&1 &&
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1) ||
    fail "could not resolve go.etcd.io/etcd/server/v3@$ETCD_VERSION through the Go module proxy"
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o out/etcd .) || fail "building etcd failed (see the compiler output above)"
  install_into "$etcd_dir" "$mod/out"
}

go_install() { # dir, version label, packages...
  local dest=$1 label=$2; shift 2
  step "Building $label; a few minutes, once"
  mkdir -p "$work/gobin-$label"
  GOBIN="$work/gobin-$label" go install -trimpath -ldflags "-s -w" "$@" || fail "building $label failed (see the compiler output above)"
  install_into "$dest" "$work/gobin-$label"
}

build_kwok() {
  [[ -x $kwok_dir/kwok && -x $kwok_dir/kwokctl ]] && return
  go_install "$kwok_dir" "kwok-$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
}

# kwokctl replaces all of its default stages as soon as a config names one stage, and the cluster needs
# the chaos stage `node-not-ready` beside the defaults. Take all of them from the same kwok release,
# so that they never drift from the binaries.
copy_kwok_stages() {
  [[ -f $kwok_dir/stages/node-not-ready.yaml ]] && return
  step "Collecting kwok $KWOK_VERSION stages"
  local src
  src=$(cd "$work" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [[ -d $src/kustomize/stage ]] || fail "could not fetch the kwok $KWOK_VERSION sources from the Go module proxy"
  mkdir -p "$kwok_dir/stages.partial"
  cp "$src"/kustomize/stage/node/fast/node-initialize.yaml \
    "$src"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    "$src"/kustomize/stage/node/chaos/node-not-ready.yaml \
    "$src"/kustomize/stage/pod/fast/pod-ready.yaml \
    "$src"/kustomize/stage/pod/fast/pod-complete.yaml \
    "$src"/kustomize/stage/pod/fast/pod-delete.yaml "$kwok_dir/stages.partial/"
  chmod u+w "$kwok_dir"/stages.partial/*
  rm -rf "$kwok_dir/stages" && mv "$kwok_dir/stages.partial" "$kwok_dir/stages"
}

build_helm() {
  [[ -x $helm_dir/helm ]] && return
  go_install "$helm_dir" "helm-$HELM_VERSION" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
}

step "Tools cache: $cache"
build_etcd
build_kwok
copy_kwok_stages
build_helm
build_kubernetes
link_all
step "Tools ready in $bin_link_dir"
