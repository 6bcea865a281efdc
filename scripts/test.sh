#!/usr/bin/env bash
# Runs every test: unit, integration (DynamoDB Local, the Unico simulator, the Secrets Manager
# endpoint — each started by the tests themselves on free loopback ports), end-to-end through
# the local API, the real bootstrap binaries on a fake Lambda Runtime API, the CDK template
# assertions, a bounded run of every fuzz target (scripts/fuzz.sh), and an offline `cdk synth`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1

bash scripts/setup.sh

echo "== build the Lambda bootstraps (linux/arm64 to deploy, and this machine's for the tests)"
bash scripts/build-lambdas.sh
BUILD_ARCH=host bash scripts/build-lambdas.sh >/dev/null
export GATEWAY_HOST_BOOTSTRAPS="$PWD/build/host"

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 ./...

echo "== fuzz (bounded: each target FUZZTIME=${FUZZTIME:-4s})"
bash scripts/fuzz.sh

echo "== cdk synth (offline)"
node_modules/.bin/cdk synth --quiet >/dev/null
echo "synth ok: $(ls cdk.out/*.template.json)"
