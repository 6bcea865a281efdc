#!/usr/bin/env bash
# Builds every Lambda function (functions/<name>/ with a main.go) into build/<name>/bootstrap
# for the provided.al2023 runtime on arm64. Run before `cdk synth`, `cdk deploy` and the
# template tests' manual checks: the stack takes its code from build/<name>.
#
# The flags keep the binaries small (no symbol tables, no RPC mode of aws-lambda-go) and
# byte-reproducible (no VCS stamp, no paths, no build id), so an unchanged function keeps its
# asset hash and `cdk deploy` does not update it.
#
# Usage: bash scripts/build-lambdas.sh [name...]   (default: every function)
#        BUILD_ARCH=host bash scripts/build-lambdas.sh   the same binaries for this machine, into
#        build/host/<name>/bootstrap: the tests run them on a fake Lambda Runtime API
#        (GATEWAY_HOST_BOOTSTRAPS, see local/runtimefake) instead of building their own.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ "$#" -gt 0 ]; then
	names=("$@")
else
	names=()
	for dir in functions/*/; do
		[ -f "${dir}main.go" ] && names+=("$(basename "$dir")")
	done
fi
if [ "${#names[@]}" -eq 0 ]; then
	echo "build-lambdas: no functions/*/main.go to build" >&2
	exit 0
fi

arch=arm64
outdir=build
if [ "${BUILD_ARCH:-arm64}" = host ]; then
	arch=$(go env GOARCH)
	outdir=build/host
fi

for name in "${names[@]}"; do
	if [ ! -f "functions/$name/main.go" ]; then
		echo "build-lambdas: functions/$name/main.go does not exist" >&2
		exit 1
	fi
	out="$outdir/$name/bootstrap"
	mkdir -p "$outdir/$name"
	GOOS=linux GOARCH="$arch" CGO_ENABLED=0 go build -buildvcs=false -tags lambda.norpc -trimpath \
		-ldflags="-s -w -buildid=" -o "$out" "./functions/$name"
	size=$(wc -c <"$out")
	printf '%-10s %s  %6.1f MB\n' "$name" "$out" "$(awk -v b="$size" 'BEGIN { print b / 1048576 }')"
done
