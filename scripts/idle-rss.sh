#!/usr/bin/env bash
# scripts/idle-rss.sh — the resident memory of an idle tinysmbd (the
# budget: 8 MiB with one share and the name service on).
#
# Runs TINYSMBD (`make idle-rss` passes a firmware-style build for this
# machine; alone, the script builds bin/tinysmbd-rss static and stripped,
# as firmware is: a dynamically linked host build also maps libc) on
# loopback with one
# directory share, the NetBIOS name service on a high UDP port and browser
# announcements off (they would need UDP 138), reads VmRSS from
# /proc/PID/status after SETTLE seconds, then again after one smbclient
# session (NT1: ls, put and get of a 1 MiB file) has come and gone, and
# prints both. Nothing is left running.
#
# Settings (environment): TINYSMBD, GO (go), SETTLE (3 seconds), MEMORY_LIMIT (config
# memory_limit, default none), GOGC and GOMEMLIMIT pass through to the
# server, PORT_BASE (21000: direct SMB on PORT_BASE+445, name service on
# PORT_BASE+137).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
SETTLE=${SETTLE:-3}
PORT_BASE=${PORT_BASE:-21000}
DIRECT_PORT=$((PORT_BASE + 445))
NBNS_PORT=$((PORT_BASE + 137))

if [ -z "${TINYSMBD:-}" ]; then
	mkdir -p bin
	CGO_ENABLED=0 "$GO" build -trimpath -ldflags='-s -w' -o bin/tinysmbd-rss ./cmd/tinysmbd
	TINYSMBD=bin/tinysmbd-rss
fi

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir "$tmp/share" "$tmp/local"
head -c 1048576 /dev/urandom >"$tmp/local/file.bin"
{
	echo '[server]'
	echo 'netbt_listen = ""'
	echo "direct_listen = \"127.0.0.1:$DIRECT_PORT\""
	echo "nbns_listen = \"127.0.0.1:$NBNS_PORT\""
	echo 'interfaces = ["lo"]'
	echo 'browse = false'
	echo "control_socket = \"$tmp/control.sock\""
	if [ -n "${MEMORY_LIMIT:-}" ]; then
		echo "memory_limit = \"$MEMORY_LIMIT\""
	fi
	echo '[[users]]'
	echo 'name = "alice"'
	echo 'password = "secret"'
	echo '[[shares]]'
	echo 'name = "share"'
	echo "path = \"$tmp/share\""
} >"$tmp/tinysmbd.toml"

"$TINYSMBD" -config "$tmp/tinysmbd.toml" >"$tmp/log" 2>&1 &
pid=$!

rss() {
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "idle-rss: tinysmbd exited; its log:" >&2
		cat "$tmp/log" >&2
		exit 1
	fi
	awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"
}

sleep "$SETTLE"
idle=$(rss)

session="not measured (smbclient not installed)"
if command -v smbclient >/dev/null 2>&1; then
	(cd "$tmp/local" && smbclient //127.0.0.1/share -p "$DIRECT_PORT" -U alice%secret \
		--option='client min protocol=NT1' --option='client max protocol=NT1' \
		-c 'ls; put file.bin; get file.bin back.bin' >"$tmp/smbclient.out" 2>&1) || {
		echo "idle-rss: smbclient failed:" >&2
		cat "$tmp/smbclient.out" >&2
		exit 1
	}
	sleep "$SETTLE"
	session="$(rss) KiB"
fi

echo "$TINYSMBD: idle RSS (VmRSS, one share, name service on): $idle KiB after start; $session after one smbclient session"
