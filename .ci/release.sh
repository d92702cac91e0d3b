#!/usr/bin/env bash
# Builds eddy's release binaries: static (CGO_ENABLED=0), -trimpath, the
# version and commit stamped with -ldflags, for linux and darwin on amd64
# and arm64, plus SHA256SUMS. Only ./cmd/eddy is built.
#
#   .ci/release.sh [DIST_DIR]        (make release calls it)
#
# VERSION defaults to `git describe`, COMMIT to the checkout's HEAD.
set -euo pipefail
cd "$(dirname "$0")/.."
dist="${1:-dist}"
version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}"
commit="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
platforms="${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}"
mkdir -p "$dist"
for p in $platforms; do
    os="${p%/*}" arch="${p#*/}"
    out="$dist/eddy-$version-$os-$arch"
    echo "== $out"
    CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -buildvcs=false \
        -ldflags "-s -w -X main.version=$version -X main.commit=$commit" -o "$out" ./cmd/eddy
done
(
    cd "$dist"
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum eddy-"$version"-* > SHA256SUMS
    else
        shasum -a 256 eddy-"$version"-* > SHA256SUMS
    fi
)
cat "$dist/SHA256SUMS"
