#!/usr/bin/env bash
# fuzz-all.sh runs every Fuzz target in the module for a short time
# (FUZZTIME, default 20000x: a count of inputs; see the Makefile), starting from its seed corpus (f.Add and
# testdata/fuzz/). go test -fuzz takes one package and one target at a time,
# so targets are discovered with `go test -list` and run in a loop.
# Any failure stops the script; a crasher is left under testdata/fuzz/ by go.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-20000x}
# FUZZMINIMIZETIME bounds the minimization of each new interesting input:
# go's default (60 s) stalls FuzzServerConnection, whose inputs each cost
# a connection, for a minute per find without counting any executions.
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-50x}

total=0
for pkg in $("$GO" list ./...); do
	dir=$("$GO" list -f '{{.Dir}}' "$pkg")
	# Compiling a test binary just to list nothing is slow; only packages
	# whose tests mention a Fuzz function are asked.
	if ! grep -qs '^func Fuzz' "$dir"/*_test.go; then
		continue
	fi
	names=$("$GO" test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for name in $names; do
		echo "--- fuzz $pkg $name ($FUZZTIME)"
		"$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg"
		total=$((total + 1))
	done
done
echo "fuzz-all: $total target(s) fuzzed for $FUZZTIME each"
