#!/usr/bin/env bash
# Checks the release build (make release, .ci/release.sh) within the CI
# budget: only ./cmd/eddy is built, for linux/amd64 (static, run to check
# the stamped version) and darwin/arm64 (the other OS and the other
# architecture); linux/arm64 and darwin/amd64 are checked by resolving
# their packages and build constraints (go list), not compiled. A cold
# cross-build of cmd/eddy compiles all its dependencies again: minutes
# per target on 2 cores. RELEASE_CHECK_PLATFORMS="…" builds others.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
platforms="${RELEASE_CHECK_PLATFORMS:-linux/amd64 darwin/arm64}"
PLATFORMS="$platforms" VERSION=v0.0.0-ci COMMIT=ci .ci/release.sh "$dist"
n=$(ls "$dist"/eddy-v0.0.0-ci-* | wc -l)
[ "$n" = "$(echo "$platforms" | wc -w)" ] || { echo "release: $n binaries for $platforms" >&2; exit 1; }
(cd "$dist" && sha256sum -c SHA256SUMS)
for p in linux/arm64 darwin/amd64; do
    GOOS="${p%/*}" GOARCH="${p#*/}" CGO_ENABLED=0 go list -deps ./cmd/eddy > /dev/null
done
if [ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" = linux/amd64 ] && [ -x "$dist/eddy-v0.0.0-ci-linux-amd64" ]; then
    "$dist/eddy-v0.0.0-ci-linux-amd64" version | tee "$dist/version"
    grep -q '^eddy v0.0.0-ci$' "$dist/version" && grep -q '^commit: ci$' "$dist/version" \
        || { echo "release: the version is not stamped" >&2; exit 1; }
    if command -v file >/dev/null 2>&1; then
        file "$dist/eddy-v0.0.0-ci-linux-amd64" | grep -q 'statically linked' \
            || { echo "release: the linux binary is not static" >&2; exit 1; }
    fi
fi
