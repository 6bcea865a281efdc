#!/usr/bin/env bash
# Runs the whole gateway locally (DynamoDB Local, the Secrets Manager endpoint, the Unico
# simulator and the API on 127.0.0.1:8080) and prints curl lines to try. No AWS account, no
# Docker, no Unico credentials. Arguments go to the devstack command (e.g. -addr, -log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec go run ./local/cmd/devstack "$@"
