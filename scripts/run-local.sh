#!/usr/bin/env bash
# Runs the whole gateway locally (DynamoDB Local, the Secrets Manager endpoint, the Unico
# simulator, the functions and the token refresher, the API on 127.0.0.1:8080) and prints a tour
# to try. No AWS account, no Docker, no Unico credentials. Arguments go to the devstack command
# (bash scripts/run-local.sh -help lists them: -addr, -sim-addr, -log, ...).
#
# The command is built, then exec'd: this script's process becomes the stack itself, so any
# signal to its pid (Ctrl-C, kill, timeout, a supervisor) stops everything it started, and the
# stack also stops when its parent process dies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
mkdir -p .local/bin
# Built under a name of its own, then renamed: two runs at once never exec a half-written binary.
go build -o ".local/bin/devstack.$$" ./local/cmd/devstack
mv -f ".local/bin/devstack.$$" .local/bin/devstack
exec .local/bin/devstack "$@"
