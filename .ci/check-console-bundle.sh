#!/usr/bin/env bash
# Rebuilds the web console's SQL editor bundle from its sources
# (cmd/eddy/serve/console/editor: package-lock.json, src/, build.go) into a
# temporary directory and fails if it differs from the committed
# static/editor.js or static/editor.LICENSES.txt: the committed bundle is
# what the binary embeds, so it must be what the sources build. esbuild's
# output is deterministic. Needs npm (and the npm registry) and Go.
set -euo pipefail
cd "$(dirname "$0")/../cmd/eddy/serve/console/editor"
if ! command -v npm >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then echo "console bundle: npm is missing" >&2; exit 1; fi
    echo "console bundle: npm is not installed here, the check is skipped"
    exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npm ci --no-audit --no-fund --loglevel=error
go run . -o "$out"
for f in editor.js editor.LICENSES.txt; do
    if ! cmp -s "$out/$f" "../static/$f"; then
        echo "console bundle: static/$f differs from what editor/ builds; run 'make console' and commit it" >&2
        exit 1
    fi
done
echo "console bundle: static/editor.js ($(wc -c <../static/editor.js) bytes) is what editor/ builds"
