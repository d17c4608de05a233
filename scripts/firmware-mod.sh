#!/usr/bin/env bash
# firmware-mod.sh writes build/firmware.mod and build/firmware.sum, the module
# files of the firmware builds (make firmware, make cross-*), which build with
# `go build -modfile=build/firmware.mod`.
#
# Why: the pinned github.com/spf13/afero has, in its root package, httpFs.go,
# an http.FileSystem adapter that imports net/http. tinysmbd never uses it,
# but the linker keeps what package initialisation and method tables reach:
# net/http and crypto/tls cost about 1.16 MB of a stripped linux/mipsle
# binary, too much for the 4 MiB firmware budget. The firmware builds use a
# copy of the same afero version, from the module cache, without that one
# file (and without the tests, which no build reads). Nothing else in afero
# refers to httpFs.go's names; the build proves it. For the same reason the
# copy's util.go loses NeuterAccents, the one user of golang.org/x/text,
# whose normalisation tables package initialisation keeps (about 10 KB).
# The copy is generated, never committed, and the replace path is relative
# to the repository, so a build in another checkout produces the same bytes
# (the path is recorded in the binary's build info).
#
# `go build -overlay` cannot do this: it does not apply to files in the
# module cache.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
OUT=build
MOD=github.com/spf13/afero
COPY=$OUT/afero-nohttp

version=$("$GO" list -m -f '{{.Version}}' "$MOD")
dir=$("$GO" mod download -json "$MOD@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ ! -f "$dir/httpFs.go" ]; then
	echo "firmware-mod: $MOD@$version has no httpFs.go in '$dir': review this script for the new version" >&2
	exit 1
fi

mkdir -p "$OUT"
rm -rf "$COPY"
cp -R "$dir" "$COPY"
chmod -R u+w "$COPY"
rm "$COPY/httpFs.go"
find "$COPY" -name '*_test.go' -delete
sed -e '\#"golang.org/x/text/#d' \
	-e '/^\/\/ Transform characters with accents into plain forms\.$/,/^}$/d' \
	"$COPY/util.go" >"$COPY/util.go.new"
mv "$COPY/util.go.new" "$COPY/util.go"
for pkg in net/http golang.org/x/text; do
	if grep -rlq "\"$pkg" "$COPY" --include='*.go'; then
		echo "firmware-mod: $COPY still imports $pkg:" >&2
		grep -rl "\"$pkg" "$COPY" --include='*.go' >&2
		exit 1
	fi
done

{
	cat go.mod
	echo
	echo "// Written by scripts/firmware-mod.sh: afero without httpFs.go (net/http) and NeuterAccents (x/text)."
	echo "replace $MOD => ./$COPY"
} >"$OUT/firmware.mod"
cp go.sum "$OUT/firmware.sum"
echo "firmware-mod: $OUT/firmware.mod uses $MOD $version from ./$COPY, without httpFs.go and NeuterAccents"
