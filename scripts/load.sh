#!/usr/bin/env bash
# load.sh: the load acceptance test against a real tinysmbd on loopback.
#
#   1. rw:    CLIENTS (50) concurrent clients each write FILES (4) files of SIZE
#             (1 MiB) bytes, read them back and compare SHA-256.
#   2. idle:  IDLE (1000) logged-on connections held at once; RSS per connection;
#             a rw round with 5 clients while they are held.
#   3. stall: STALL (300) half-open connections (TCP only, 2 header bytes, half a
#             NEGOTIATE); PROBES (20) new clients timed from dial to first ECHO,
#             each must be served within a second.
#   4. soak:  SOAK (600s; e.g. SOAK=60s for a quick run) of rw and stall rounds;
#             the server's RSS sampled every INTERVAL (10) seconds. Fails when the
#             mean RSS of the last quarter exceeds that of the second quarter by
#             more than RSS_SLACK_KB (16384).
#
# Settings come from the environment: GO, PORT (direct TCP, default 14450),
# CLIENTS, FILES, SIZE, IDLE, STALL, PROBES, SOAK, INTERVAL, RSS_SLACK_KB.
# Figures go to stdout; docs/load.md records a run.
set -euo pipefail

GO=${GO:-go}
PORT=${PORT:-14450}
CLIENTS=${CLIENTS:-50}
FILES=${FILES:-4}
SIZE=${SIZE:-1048576}
IDLE=${IDLE:-1000}
STALL=${STALL:-300}
PROBES=${PROBES:-20}
SOAK=${SOAK:-600s}
INTERVAL=${INTERVAL:-10}
RSS_SLACK_KB=${RSS_SLACK_KB:-16384}

soak_s=${SOAK%s}
[[ $soak_s =~ ^[0-9]+$ ]] || { echo "load.sh: SOAK must be seconds, e.g. 600s" >&2; exit 2; }

cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/tinysmbd-load.XXXXXX")
srv_pid=
idle_pid=
cleanup() {
	if [[ -n $idle_pid ]]; then kill "$idle_pid" 2>/dev/null || true; fi
	if [[ -n $srv_pid ]]; then
		kill "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# Every connection is a descriptor in both processes: IDLE + STALL + slack.
want_fds=$((IDLE + STALL + 1024))
if (($(ulimit -n) < want_fds)); then
	ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
echo "load.sh: open-file limit $(ulimit -n)"

"$GO" build -o "$work/tinysmbd" ./cmd/tinysmbd
"$GO" build -o "$work/loadclient" ./scripts/loadclient
mkdir "$work/share"
# Every load client comes from 127.0.0.1, so the per-address and total
# connection limits (64 and 1,024 by default) and those on connections not
# logged on yet (8 and 256) are lifted; the timeouts stay at their defaults,
# so stalled connections meet the handshake timeout as they would in the
# field.
cat >"$work/load.toml" <<EOF
[server]
netbt_listen = ""
direct_listen = "127.0.0.1:$PORT"
max_connections = 0
max_connections_per_client = 0
max_pending_logons = 0
max_pending_logons_per_client = 0

[[shares]]
name = "load"
path = "$work/share"
guest_ok = true
EOF
"$work/tinysmbd" -config "$work/load.toml" >"$work/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	ss -ltn | grep -q "127.0.0.1:$PORT " && break
	sleep 0.1
done
kill -0 "$srv_pid" || { cat "$work/server.log"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$srv_pid/status"; }
lc() { "$work/loadclient" -addr "127.0.0.1:$PORT" -share load "$@"; }

echo "server pid $srv_pid, RSS at start $(rss) KiB"

echo "== 1. rw: $CLIENTS clients x $FILES files x $SIZE bytes"
lc -mode rw -clients "$CLIENTS" -files "$FILES" -size "$SIZE"
echo "RSS after rw $(rss) KiB"

echo "== 2. idle: $IDLE connections"
before=$(rss)
mkfifo "$work/idle.in"
lc -mode idle -conns "$IDLE" -check 5s <"$work/idle.in" >"$work/idle.out" 2>&1 &
idle_pid=$!
exec 3>"$work/idle.in"
until grep -q "ready\|error\|loadclient:" "$work/idle.out" 2>/dev/null; do
	kill -0 "$idle_pid" 2>/dev/null || break
	sleep 0.2
done
cat "$work/idle.out"
grep -q "ready held=$IDLE" "$work/idle.out" || { echo "FAIL: idle connections not all up" >&2; exit 1; }
held=$(rss)
echo "RSS with $IDLE idle connections $held KiB ($(((held - before) * 1024 / IDLE)) bytes per connection)"
echo "-- rw round while they are held"
lc -mode rw -clients 5 -files 2 -size "$SIZE"
exec 3>&-
wait "$idle_pid"
idle_pid=
tail -1 "$work/idle.out"

echo "== 3. stall: $STALL half-open connections, $PROBES new clients timed"
lc -mode stall -conns "$STALL" -probes "$PROBES"

echo "== 4. soak: ${soak_s}s, RSS every ${INTERVAL}s"
: >"$work/rss"
(
	while :; do
		echo "$(date +%s) $(rss)" >>"$work/rss"
		sleep "$INTERVAL"
	done
) &
sampler=$!
end=$((SECONDS + soak_s))
rounds=0
while ((SECONDS < end)); do
	lc -mode rw -clients 10 -files 2 -size 262144 >/dev/null
	lc -mode stall -conns 30 -probes 2 >/dev/null
	rounds=$((rounds + 1))
done
kill "$sampler"
wait "$sampler" 2>/dev/null || true
echo "$(date +%s) $(rss)" >>"$work/rss"
awk -v rounds="$rounds" -v slack="$RSS_SLACK_KB" '
	{ t[NR] = $1; r[NR] = $2 }
	END {
		n = NR; q = int(n / 4); if (q < 1) q = 1
		min = r[1]; max = r[1]
		for (i = 1; i <= n; i++) { if (r[i] < min) min = r[i]; if (r[i] > max) max = r[i] }
		for (i = q + 1; i <= 2 * q; i++) { s2 += r[i]; c2++ }
		for (i = n - q + 1; i <= n; i++) { s4 += r[i]; c4++ }
		m2 = c2 ? s2 / c2 : r[1]; m4 = s4 / c4
		printf "soak: %d rounds, %d samples; RSS KiB first=%d min=%d max=%d last=%d; mean 2nd quarter=%.0f, last quarter=%.0f, growth=%.0f\n",
			rounds, n, r[1], min, max, r[n], m2, m4, m4 - m2
		if (m4 - m2 > slack) { print "FAIL: RSS grew by more than " slack " KiB over the soak"; exit 1 }
		print "soak: memory flat (growth within " slack " KiB)"
	}' "$work/rss"
echo "RSS samples (unix time, KiB):"
awk '{ printf "%s%s", sep, $2; sep = " " } END { print "" }' "$work/rss"
echo "load.sh: all phases passed"
