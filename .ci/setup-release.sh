#!/usr/bin/env bash
# Checks the release build: cross-builds ./cmd/eddy (only it) for the four
# release targets as `make release` does, checks the checksums, and runs
# the linux/amd64 binary's `eddy version` to see the stamped version.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
VERSION=v0.0.0-ci COMMIT=ci .ci/release.sh "$dist"
n=$(ls "$dist"/eddy-v0.0.0-ci-* | wc -l)
[ "$n" = 4 ] || { echo "release: $n binaries, want 4" >&2; exit 1; }
(cd "$dist" && sha256sum -c SHA256SUMS)
if [ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" = linux/amd64 ]; then
    "$dist/eddy-v0.0.0-ci-linux-amd64" version | tee "$dist/version"
    grep -q '^eddy v0.0.0-ci$' "$dist/version" && grep -q '^commit: ci$' "$dist/version" \
        || { echo "release: the version is not stamped" >&2; exit 1; }
    if command -v file >/dev/null 2>&1; then
        file "$dist/eddy-v0.0.0-ci-linux-amd64" | grep -q 'statically linked' \
            || { echo "release: the linux binary is not static" >&2; exit 1; }
    fi
fi
