#!/usr/bin/env bash
# Builds promtool (Prometheus' rule checker) once, with Go through the Go module proxy, and prints its
# path. Kept out of hack/tools.sh: it takes about ten minutes on two cores, and only `npm run
# check:rules` needs it, not the test suite.
set -euo pipefail
PROMETHEUS_VERSION=v0.316.0 # the Go module version of Prometheus 3.x
cache=${AGENTFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentfleet}
dir="$cache/promtool-$PROMETHEUS_VERSION"
if [[ ! -x $dir/promtool ]]; then
  command -v go >/dev/null 2>&1 || { echo "error: go is not installed; promtool is built from source with it" >&2; exit 1; }
  printf '\033[1m==> Building promtool %s; about ten minutes, once\033[0m\n' "$PROMETHEUS_VERSION" >&2
  mkdir -p "$dir"
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local GOBIN="$dir.tmp" \
    go install -trimpath -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >&2
  mv "$dir.tmp/promtool" "$dir/promtool" && rmdir "$dir.tmp"
fi
echo "$dir/promtool"
