#!/bin/sh
# Installs the npm dependencies on first use (or when package-lock.json changed), so that `npm start`
# and `npm test` work on a fresh clone with nothing installed beforehand. The `node` devDependency
# puts Node 24 LTS first on the PATH of every npm script, whatever Node the machine ships.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> Installing npm dependencies (first use)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "error: npm scripts run on Node $(node --version), but AgentFleet needs Node 24 LTS (the 'node' devDependency)." >&2
  echo "       Remove node_modules and run the command again so that npm installs it." >&2
  exit 1
fi
