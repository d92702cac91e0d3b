#!/usr/bin/env bash
# Installs Chromium, which the scheduled-report tests (cmd/eddy/report_test.go)
# run headless to check that an HTML report renders its table and its SVG
# chart, and to take the README's picture of a report. Idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
