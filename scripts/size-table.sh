#!/usr/bin/env bash
# size-table.sh BINARY [N]: what each Go package of an unstripped BINARY
# costs in machine code and data, the N largest first (default 25), from the
# symbol sizes `go tool nm -size` reports. A stripped binary has no symbols;
# make size builds an unstripped twin of the firmware binary for this table.
# Symbols are summed by package path (the name up to the first dot after
# its last slash); "go:func" is the functions' metadata, "type:" the type
# descriptors, both of every package.
set -euo pipefail
bin=$1
n=${2:-25}
GO=${GO:-go}
"$GO" tool nm -size -sort size "$bin" | awk '
	NF >= 4 {
		name = $4
		j = match(name, /\/[^\/]*$/)
		if (j > 0) {
			rest = substr(name, j + 1)
			k = index(rest, ".")
			pkg = substr(name, 1, j) (k > 0 ? substr(rest, 1, k - 1) : rest)
		} else {
			k = index(name, ".")
			pkg = k > 0 ? substr(name, 1, k - 1) : name
		}
		if (name ~ /^go:func/) pkg = "go:func"
		if (name ~ /^type:/) pkg = "type:"
		total[pkg] += $2
		all += $2
	}
	END {
		for (p in total) printf "%9d %5.1f%%  %s\n", total[p], 100 * total[p] / all, p
	}' | sort -rn | head -n "$n"
