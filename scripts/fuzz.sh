#!/usr/bin/env bash
# fuzz.sh DURATION: run every fuzz target of the module for DURATION each.
set -euo pipefail
time=${1:-30s}
cd "$(dirname "$0")/.."
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
		echo "fuzz: $pkg $target for $time"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$time" "$pkg" >/tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
		tail -1 /tmp/fuzz.$$.log
	done
done
rm -f /tmp/fuzz.$$.log
