#!/usr/bin/env bash
# Installs kinesalite, the Kinesis API server that the sources/kinesis,
# sinks/kinesis and cmd/eddy Kinesis tests start on loopback, from the
# lockfile in sources/kinesis/testdata/kinesalite. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=sources/kinesis/testdata/kinesalite

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

# npm ci is skipped when node_modules already matches the lockfile.
if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.eddy-lock"; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.eddy-lock"
fi
node -e "require('$PWD/$dir/node_modules/kinesalite')" 
echo "kinesalite ready in $dir"
