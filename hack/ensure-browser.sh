#!/bin/sh
# Installs Debian's chromium for the tests that load an HTML report in a real browser, on first use.
# playwright-core drives it by its path: its own browser download cannot reach the internet here.
set -eu
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the HTML report tests need chromium: install Debian's package (apt-get install chromium) and run again." >&2
  exit 1
fi
echo "==> Installing chromium for the browser tests (first use)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
