#!/usr/bin/env bash
# Installs the AWS CLI (Debian's awscli package), which the eddy serve
# tests drive against the server's Kinesis Data Analytics API. Idempotent.
set -euo pipefail
if command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1; then
    echo "aws ready: $(aws --version 2>&1)"
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
aws --version
