#!/usr/bin/env bash
# firmware-repro.sh proves the firmware build reproducible: it builds the
# linux/mipsle firmware binary in this tree, then again in a copy of the tree
# at another path (the tracked and untracked, not ignored, files: no .git,
# no build/, no dist/), and fails unless both have the same SHA-256.
# VERSION is passed to the copy, which has no git history to describe.
# REPRO_FRESH_CACHE=1 builds the copy with an empty GOCACHE, so that nothing
# compiled for the first build is reused by the second (slower: the standard
# library is compiled again).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
FIRMWARE_TAGS=${FIRMWARE_TAGS-tinysmbd_nodns}

copy=$(mktemp -d "${TMPDIR:-/tmp}/tinysmbd-repro.XXXXXX")
trap 'rm -rf "$copy"' EXIT

make --no-print-directory GO="$GO" VERSION="$VERSION" FIRMWARE_TAGS="$FIRMWARE_TAGS" cross-mipsle >/dev/null
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$copy"
if [ "${REPRO_FRESH_CACHE:-}" = 1 ]; then
	export GOCACHE="$copy/.gocache"
fi
make --no-print-directory -C "$copy" GO="$GO" VERSION="$VERSION" FIRMWARE_TAGS="$FIRMWARE_TAGS" cross-mipsle >/dev/null

a=$(sha256sum <dist/tinysmbd-linux-mipsle)
b=$(sha256sum <"$copy/dist/tinysmbd-linux-mipsle")
echo "firmware-repro: $PWD/dist/tinysmbd-linux-mipsle  ${a%% *}"
echo "firmware-repro: $copy/dist/tinysmbd-linux-mipsle  ${b%% *}"
if [ "$a" != "$b" ]; then
	echo "FAIL: firmware-repro: the two mipsle builds differ (version $VERSION, tags '$FIRMWARE_TAGS')" >&2
	exit 1
fi
echo "firmware-repro: identical (version $VERSION, tags '$FIRMWARE_TAGS')"
