#!/usr/bin/env bash
# Installs what the Kafka connector tests need beyond Go modules: kcat, an
# independent Kafka client (librdkafka) that produces the input and reads
# the output of one end-to-end test (cmd/eddy/kafka_test.go). The broker
# itself (kfake) runs in-process. Idempotent.
set -euo pipefail
if command -v kcat >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends kcat >/dev/null
kcat -V | head -1
