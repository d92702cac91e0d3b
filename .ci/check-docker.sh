#!/usr/bin/env bash
# Builds the container image (Dockerfile) and runs `eddy version` in it as
# its non-root user, when docker can run here; otherwise says why it skips.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    echo "docker: not available on this machine, the image build is skipped"
    exit 0
fi
docker build -t eddy:ci --build-arg VERSION=v0.0.0-ci --build-arg COMMIT=ci .
docker run --rm eddy:ci version | grep -q '^eddy v0.0.0-ci$'
[ "$(docker image inspect -f '{{.Config.User}}' eddy:ci)" = "65532:65532" ]
echo "docker: image built; it runs as 65532:65532"
