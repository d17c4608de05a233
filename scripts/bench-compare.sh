#!/usr/bin/env bash
# bench-compare.sh measures tinysmbd side by side with Samba on this machine
# and prints a table of both, with the ratio tinysmbd/Samba:
#
#   - sequential read and write of a SIZE_MIB file through smbclient forced to
#     NT1 over loopback (get to /dev/null, put from a cached local file), in
#     MB/s as smbclient reports them, plus each server's CPU time per GiB;
#     then the same with smbclient's client signing = required, which both
#     servers (Samba's default, tinysmbd's server_signing = "auto") honour by
#     signing every message;
#   - write syscalls per response with 1 and 32 requests per TCP segment
#     (ECHO; and 512-byte READ_ANDX at 32), from /proc/PID/io syscw of the
#     process serving the connection, and the time per response;
#   - the depth-1 ECHO round trip of a second tinysmbd whose batching is off
#     (max_mpx_count = 1: one reply per write, the writer never holds one),
#     sampled next to the first (before it in odd rounds, after it in even
#     ones): batching must cost a lone request nothing;
#   - KiB of proportional set size per idle logged-on, tree-connected
#     connection: (PSS with IDLE_CONNS connections - PSS with none) / IDLE_CONNS,
#     summed over every smbd process for Samba;
#   - big directories (BIGDIR): entries per second of smbclient ls of a
#     directory of each of BIGDIR_SIZES entries (a session lists it enough
#     times to return about BIGDIR_LIST_TOTAL entries; the time of a
#     session that lists nothing is taken off), and files per second of
#     smbclient mput of BIGDIR_FILES files of 4 KiB into one new directory
#     and of del * of them. Each prints a line "NAME tinysmbd=X samba=Y
#     ratio=Z", ratio being tinysmbd/Samba.
#
# Servers alternate A B A B for ROUNDS rounds; each figure is the median. Both
# shares live in one temporary directory, so on the same file system. Raw
# samples go to OUT as tab-separated "server metric round value" lines.
#
# Environment: STEPS (which parts to run: "idle pipeline transfer bigdir"),
# BIGDIR_SIZES ("1000 10000 100000"), BIGDIR_FILES (10000),
# BIGDIR_LIST_TOTAL (200000), BIGDIR_ROUNDS (3), GO, TINYSMBD (a built binary; default: build into the work
# directory), ROUNDS (5), SIZE_MIB (256), IDLE_CONNS (200), PIPE_ROUNDS (300
# bursts per pipelining sample), DEPTH1_ROUNDS (3000 lone ECHOs per depth-1
# sample: a lone round trip is short and noisy), DEPTH1_TRIES (3 connections
# per depth-1 sample, the best median kept), SAMBA_NETBT (2139),
# SAMBA_DIRECT (2445), TINY_DIRECT (3445), TINY_UNBATCHED_DIRECT (3446),
# SAMBA_BASELINE (the script that starts and stops Samba; see
# docs/testing.md), BENCH_DIR (parent of the work directory;
# TMPDIR or /tmp), OUT (bin/bench-compare.tsv), KEEP=1 keeps the work
# directory.
#
# Needs smbclient and smbd (apt-get install -y smbclient samba), ss, and
# permission to read other processes' /proc/PID/io (root, or the same user).
set -euo pipefail
# Paths given in the environment are relative to where the script was started.
[[ -n ${TINYSMBD:-} ]] && TINYSMBD=$(realpath "$TINYSMBD")
[[ -n ${SAMBA_BASELINE:-} ]] && SAMBA_BASELINE=$(realpath "$SAMBA_BASELINE")
[[ -n ${OUT:-} ]] && OUT=$(realpath -m "$OUT")
cd "$(dirname "$0")/.."

GO=${GO:-go}
ROUNDS=${ROUNDS:-5}
SIZE_MIB=${SIZE_MIB:-256}
IDLE_CONNS=${IDLE_CONNS:-200}
SAMBA_NETBT=${SAMBA_NETBT:-2139}
SAMBA_DIRECT=${SAMBA_DIRECT:-2445}
TINY_DIRECT=${TINY_DIRECT:-3445}
TINY_UNBATCHED_DIRECT=${TINY_UNBATCHED_DIRECT:-3446}
SAMBA_BASELINE=${SAMBA_BASELINE:-../shared/tools/samba-baseline}
OUT=${OUT:-bin/bench-compare.tsv}
PIPE_ROUNDS=${PIPE_ROUNDS:-300}
DEPTH1_ROUNDS=${DEPTH1_ROUNDS:-3000}
DEPTH1_TRIES=${DEPTH1_TRIES:-3}
STEPS=${STEPS:-idle pipeline transfer bigdir}
BIGDIR_SIZES=${BIGDIR_SIZES:-1000 10000 100000}
BIGDIR_FILES=${BIGDIR_FILES:-10000}
BIGDIR_LIST_TOTAL=${BIGDIR_LIST_TOTAL:-200000}
BIGDIR_ROUNDS=${BIGDIR_ROUNDS:-3}

# step NAME: whether STEPS asks for a part.
step() { [[ " $STEPS " == *" $1 "* ]]; }

die() { echo "bench-compare: $*" >&2; exit 1; }

for tool in smbclient smbd ss setsid; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y smbclient samba iproute2 util-linux)"
done
[[ -x $SAMBA_BASELINE ]] || die "$SAMBA_BASELINE not found or not executable"
SAMBA_BASELINE=$(realpath "$SAMBA_BASELINE")

# Samba listens with SO_REUSEPORT, so a second smbd on the same port starts
# without complaint and the kernel then splits connections between the two:
# every port must be free before anything starts.
for port in "$SAMBA_NETBT" "$SAMBA_DIRECT" "$TINY_DIRECT" "$TINY_UNBATCHED_DIRECT"; do
	if [[ -n $(ss -ltnH "sport = :$port") ]]; then
		die "port $port is already in use (another Samba or tinysmbd?); choose others with SAMBA_NETBT, SAMBA_DIRECT, TINY_DIRECT, TINY_UNBATCHED_DIRECT"
	fi
done

# Everything else running shares the CPUs with both servers and the client
# and moves the figures more than anything measured here.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l > n / 4)}'; then
	echo "bench-compare: warning: load average $LOAD_BEFORE on $(nproc) CPUs: other work will skew the figures" >&2
fi

WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-compare.XXXXXX")
TINY_PID=
TINY_UNBATCHED_PID=
IDLE_PID=
cleanup() {
	# bash unsets IDLE_PID when the coproc has exited.
	if [[ -n ${IDLE_PID:-} ]]; then
		kill "$IDLE_PID" 2>/dev/null || true
	fi
	local p
	for p in $TINY_PID $TINY_UNBATCHED_PID; do
		if kill "$p" 2>/dev/null; then
			wait "$p" 2>/dev/null || true
		fi
	done
	"$SAMBA_BASELINE" stop "$WORK/samba" >/dev/null 2>&1 || true
	if [[ ${KEEP:-} == 1 ]]; then
		echo "bench-compare: kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

echo "bench-compare: building in $WORK"
if [[ -z ${TINYSMBD:-} ]]; then
	"$GO" build -trimpath -o "$WORK/tinysmbd" ./cmd/tinysmbd
	TINYSMBD=$WORK/tinysmbd
fi
"$GO" build -o "$WORK/benchclient" ./scripts/benchclient
BENCHCLIENT=$WORK/benchclient

mkdir -p "$WORK/samba" "$WORK/tiny" "$WORK/src" "$(dirname "$OUT")"
: >"$OUT"
head -c $((64 << 10)) /dev/urandom >"$WORK/src/small.dat"
if step transfer; then
	echo "bench-compare: writing a $SIZE_MIB MiB file"
	head -c $((SIZE_MIB << 20)) /dev/urandom >"$WORK/src/big.dat"
fi
for d in samba tiny; do cp "$WORK/src/"*.dat "$WORK/$d/"; done

# waitport PORT: wait up to 5 s for a listener.
waitport() {
	for _ in $(seq 50); do
		[[ -n $(ss -ltnH "sport = :$1") ]] && return 0
		sleep 0.1
	done
	die "nothing listens on port $1"
}

# listener_pids PORT: the pids listening on a port, one per line.
listener_pids() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }

# smbd runs with --no-process-group and signals its whole process group when
# it stops: a session of its own keeps that signal away from this script and
# from make.
setsid -w "$SAMBA_BASELINE" start "$WORK/samba" "$SAMBA_NETBT" "$SAMBA_DIRECT" >/dev/null
waitport "$SAMBA_DIRECT"
SAMBA_PID=$(listener_pids "$SAMBA_DIRECT")
[[ $SAMBA_PID =~ ^[0-9]+$ ]] || die "expected one smbd listening on $SAMBA_DIRECT, found: $SAMBA_PID"

# Every measuring connection comes from 127.0.0.1: the per-address
# limits on connections (64 by default) and on those not logged on yet (8)
# are lifted for IDLE_CONNS of them, as Samba has none.
cat >"$WORK/tinysmbd.toml" <<EOF
[server]
netbt_listen = ""
direct_listen = "127.0.0.1:$TINY_DIRECT"
max_pending_logons_per_client = 0
max_connections_per_client = 0

[[users]]
name = "root"
password = "secret"

[[shares]]
name = "share"
path = "$WORK/tiny"
guest_ok = true
EOF
"$TINYSMBD" -config "$WORK/tinysmbd.toml" >"$WORK/tinysmbd.log" 2>&1 &
TINY_PID=$!
waitport "$TINY_DIRECT"

# The same server with batching off, for the depth-1 comparison only: with
# max_mpx_count = 1 a batch holds one reply, so every reply is written as
# soon as it is made.
sed -e "s/^direct_listen = .*/direct_listen = \"127.0.0.1:$TINY_UNBATCHED_DIRECT\"/" \
	-e 's/^max_connections_per_client = 0$/&\nmax_mpx_count = 1/' "$WORK/tinysmbd.toml" >"$WORK/tinysmbd-unbatched.toml"
"$TINYSMBD" -config "$WORK/tinysmbd-unbatched.toml" >"$WORK/tinysmbd-unbatched.log" 2>&1 &
TINY_UNBATCHED_PID=$!
waitport "$TINY_UNBATCHED_DIRECT"

SERVERS=(samba tiny)
declare -A PORT=([samba]=$SAMBA_DIRECT [tiny]=$TINY_DIRECT)

# tree PID: PID and all its descendants.
tree() {
	echo "$1"
	local c
	for c in $(pgrep -P "$1" || true); do tree "$c"; done
}

# server_pids SERVER: every process of a server.
server_pids() {
	if [[ $1 == samba ]]; then tree "$SAMBA_PID"; else echo "$TINY_PID"; fi
}

# pss SERVER: summed proportional set size in KiB.
pss() {
	local p total=0 v
	for p in $(server_pids "$1"); do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# cputicks SERVER: user+system clock ticks of the server, including reaped
# children (Samba's per-connection processes once they exit).
cputicks() {
	local pid=$SAMBA_PID
	[[ $1 == tiny ]] && pid=$TINY_PID
	awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat"
}

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$OUT"; }

# --- memory per idle connection (fresh servers) ---
step idle && echo "bench-compare: $IDLE_CONNS idle connections"
for s in "${SERVERS[@]}"; do
	step idle || break
	sleep 1
	before=$(pss "$s")
	coproc IDLE { exec "$BENCHCLIENT" -addr "127.0.0.1:${PORT[$s]}" -mode idle -conns "$IDLE_CONNS"; }
	line=
	read -r -t 120 line <&"${IDLE[0]}" || true
	[[ $line == ready* ]] || die "$s: idle connections did not come up: $line"
	sleep 2
	after=$(pss "$s")
	eval "exec ${IDLE[1]}>&-"
	wait "$IDLE_PID" || true
	IDLE_PID=
	record "$s" pss0_kib 1 "$before"
	record "$s" pss_idle_kib 1 "$after"
	record "$s" kib_per_idle_conn 1 "$(awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN {printf "%.1f", (a - b) / n}')"
done

# --- write syscalls per response ---
# pipelined SERVER PORT ROUND OP DEPTH: one benchclient sample, recorded as
# writes per response and microseconds per response.
#
# A lone request's latency (depth 1) is the median round trip, the best of
# DEPTH1_TRIES connections: on this 2-CPU VM a whole connection's round
# trips are either ~40 or ~150 us, depending on whether client and server
# wake on the same CPU, and that placement, not the server, would decide a
# single sample (the median already ignores stalls within one).
pipelined() {
	local s=$1 port=$2 r=$3 op=$4 depth=$5 rounds=$PIPE_ROUNDS tries=1 outp wpr upr u
	[[ $depth == 1 ]] && rounds=$DEPTH1_ROUNDS tries=$DEPTH1_TRIES
	upr=
	for ((try = 0; try < tries; try++)); do
		# Let the previous sample's connection go first: Samba tears down
		# a process per connection, and that work would land on this one.
		sleep 0.5
		outp=$("$BENCHCLIENT" -addr "127.0.0.1:$port" -mode pipeline -op "$op" -depth "$depth" \
			-rounds "$rounds" -file small.dat) || die "$s: benchclient $op $depth failed"
		wpr=$(grep -o 'writes_per_resp=[0-9.]*' <<<"$outp" | cut -d= -f2)
		if [[ $depth == 1 ]]; then
			u=$(grep -o 'us_median_resp=[0-9.]*' <<<"$outp" | cut -d= -f2)
		else
			u=$(grep -o 'us_per_resp=[0-9.]*' <<<"$outp" | cut -d= -f2)
		fi
		if [[ -z $upr ]] || awk -v a="$u" -v b="$upr" 'BEGIN { exit !(a + 0 < b + 0) }'; then
			upr=$u
		fi
	done
	record "$s" "wpr_${op}_$depth" "$r" "$wpr"
	record "$s" "us_${op}_$depth" "$r" "$upr"
}

step pipeline && echo "bench-compare: pipelined requests"
for r in $(seq "$ROUNDS"); do
	step pipeline || break
	for s in "${SERVERS[@]}"; do
		# tinysmbd with batching off goes just before tinysmbd in odd
		# rounds and just after it in even ones, so neither always
		# follows Samba.
		if [[ $s == tiny ]] && ((r % 2)); then
			pipelined tiny-unbatched "$TINY_UNBATCHED_DIRECT" "$r" echo 1
		fi
		for spec in "echo 1" "echo 32" "read 32"; do
			# shellcheck disable=SC2086 # spec is "OP DEPTH", split on purpose
			pipelined "$s" "${PORT[$s]}" "$r" $spec
		done
		if [[ $s == tiny ]] && ! ((r % 2)); then
			pipelined tiny-unbatched "$TINY_UNBATCHED_DIRECT" "$r" echo 1
		fi
	done
done

# --- sequential transfers ---
SMBCLIENT=(smbclient -U root%secret --option='client min protocol=NT1' --option='client max protocol=NT1')

# transfer SERVER get|put ROUND [signed]: one smbclient transfer, recorded in
# MB/s (smbclient's KiB/s) and server CPU seconds per GiB; "signed" requires
# message signing and records get_signed, put_signed.
transfer() {
	local s=$1 op=$2 r=$3 metric=$2 cmd pat outp kibs t0 t1 opts=()
	if [[ ${4:-} == signed ]]; then
		metric=${op}_signed
		opts=(--option='client signing=required')
	fi
	if [[ $op == get ]]; then
		cmd='get big.dat /dev/null'
		pat='s/^getting file .* \(([0-9.]+) KiloBytes\/sec\).*/\1/p'
	else
		rm -f "$WORK/$s/up.dat"
		cmd="put $WORK/src/big.dat up.dat"
		pat='s/^putting file .* \(([0-9.]+) kb\/s\).*/\1/p'
	fi
	t0=$(cputicks "$s")
	outp=$("${SMBCLIENT[@]}" "${opts[@]}" "//127.0.0.1/share" -p "${PORT[$s]}" -c "$cmd" 2>&1) ||
		die "$s: smbclient $cmd failed: $outp"
	sleep 0.3 # let Samba reap the connection's process
	t1=$(cputicks "$s")
	kibs=$(sed -nE "$pat" <<<"$outp" | head -1)
	[[ -n $kibs ]] || die "$s: no rate in smbclient output: $outp"
	if [[ -z $r ]]; then return; fi
	record "$s" "${metric}_mbs" "$r" "$(awk -v k="$kibs" 'BEGIN {printf "%.1f", k * 1024 / 1e6}')"
	record "$s" "${metric}_cpu_s_per_gib" "$r" "$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v m="$SIZE_MIB" \
		'BEGIN {printf "%.3f", t / hz / (m / 1024)}')"
}

if step transfer; then
	echo "bench-compare: $ROUNDS rounds of get and put, $SIZE_MIB MiB"
	for s in "${SERVERS[@]}"; do transfer "$s" get ""; done # warm the page cache and both servers
fi
for r in $(seq "$ROUNDS"); do
	step transfer || break
	for op in get put; do
		for s in "${SERVERS[@]}"; do transfer "$s" "$op" "$r"; done
	done
done
step transfer && echo "bench-compare: $ROUNDS rounds of signed get and put"
for r in $(seq "$ROUNDS"); do
	step transfer || break
	for op in get put; do
		for s in "${SERVERS[@]}"; do transfer "$s" "$op" "$r" signed; done
	done
done

# --- big directories ---
# now: seconds since the epoch, to the nanosecond.
now() { date +%s.%N; }

# session SERVER COMMANDS: one smbclient session running COMMANDS, its
# output thrown away; prints the seconds it took.
session() {
	local t0 t1
	t0=$(now)
	"${SMBCLIENT[@]}" "//127.0.0.1/share" -p "${PORT[$1]}" -c "$2" >/dev/null 2>"$WORK/session.err" ||
		die "$1: smbclient $2 failed: $(head -c 500 "$WORK/session.err")"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}'
}

# rate COUNT SECONDS BASE: COUNT / (SECONDS - BASE).
rate() { awk -v n="$1" -v t="$2" -v b="$3" 'BEGIN {d = t - b; if (d < 1e-6) d = 1e-6; printf "%.0f", n / d}'; }

if step bigdir; then
	echo "bench-compare: big directories ($BIGDIR_SIZES entries; $BIGDIR_FILES files created and deleted), $BIGDIR_ROUNDS rounds"
	for n in $BIGDIR_SIZES; do
		for d in samba tiny; do
			mkdir "$WORK/$d/ls$n"
			(cd "$WORK/$d/ls$n" && seq -f 'entry%07g.txt' 1 "$n" | xargs touch)
		done
	done
	mkdir -p "$WORK/src/files" "$WORK/samba/empty" "$WORK/tiny/empty"
	head -c $((BIGDIR_FILES * 4096)) /dev/urandom | split -b 4096 -a 7 -d --additional-suffix=.dat - "$WORK/src/files/f"
	for r in $(seq "$BIGDIR_ROUNDS"); do
		for s in "${SERVERS[@]}"; do
			sleep 0.3
			base=$(session "$s" 'ls empty/*')
			for n in $BIGDIR_SIZES; do
				k=$(((BIGDIR_LIST_TOTAL + n - 1) / n))
				cmds=$(for _ in $(seq "$k"); do printf 'ls ls%s/*;' "$n"; done)
				t=$(session "$s" "$cmds")
				record "$s" "ls_$n" "$r" "$(rate $((n * k)) "$t" "$base")"
			done
			rm -rf "$WORK/$s/put"
			mkdir "$WORK/$s/put"
			t=$(session "$s" "prompt off; recurse off; lcd $WORK/src/files; cd put; mput *")
			[[ $(find "$WORK/$s/put" -type f | wc -l) == "$BIGDIR_FILES" ]] || die "$s: mput did not create $BIGDIR_FILES files"
			record "$s" create "$r" "$(rate "$BIGDIR_FILES" "$t" "$base")"
			t=$(session "$s" "cd put; del *")
			[[ -z $(ls -A "$WORK/$s/put") ]] || die "$s: del * left files"
			record "$s" delete "$r" "$(rate "$BIGDIR_FILES" "$t" "$base")"
		done
	done
fi

# --- table ---
# median SERVER METRIC
median() {
	awk -F'\t' -v s="$1" -v m="$2" '$1 == s && $2 == m {print $4}' "$OUT" | sort -g |
		awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

samples() { awk -F'\t' -v s="$1" -v m="$2" '$1 == s && $2 == m {printf "%s ", $4}' "$OUT"; }

row() { # LABEL METRIC TARGET
	local a b ratio
	a=$(median samba "$2")
	b=$(median tiny "$2")
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {if (a + 0 > 0 && b != "-") printf "%.2fx", b / a; else print "-"}')
	printf '%-44s %12s %12s %10s   %s\n' "$1" "$a" "$b" "$ratio" "$3"
}

samba_version=$(smbd --version 2>/dev/null | awk '{print $2}')
# The run's circumstances, for scripts/benchreport's page.
record meta date 0 "$(date -u '+%Y-%m-%d %H:%M UTC')"
record meta cpus 0 "$(nproc)"
record meta cpu_model 0 "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
record meta kernel 0 "$(uname -r)"
record meta go_version 0 "$("$GO" version | awk '{print $3}')"
record meta samba_version 0 "$samba_version"
record meta size_mib 0 "$SIZE_MIB"
record meta rounds 0 "$ROUNDS"
record meta load_before 0 "$LOAD_BEFORE"
record meta load_after 0 "$(cut -d' ' -f1-3 /proc/loadavg)"
record meta command 0 "make bench-compare ROUNDS=$ROUNDS SIZE_MIB=$SIZE_MIB IDLE_CONNS=$IDLE_CONNS${BENCH_DIR:+ BENCH_DIR=$BENCH_DIR} (shares on $(stat -f -c %T "$WORK"))"
echo
echo "tinysmbd vs Samba $samba_version, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
what="smbclient NT1 over loopback"
step transfer && what="$what, $SIZE_MIB MiB file"
if step idle || step pipeline || step transfer; then what="$what; median of $ROUNDS rounds"; fi
echo "$(uname -r), $("$GO" version | awk '{print $3}'); $what, A B A B;"
echo "load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
if step idle || step pipeline || step transfer; then
	echo
	printf '%-44s %12s %12s %10s   %s\n' "metric" "Samba" "tinysmbd" "tiny/Samba" "target"
	row "read MB/s (smbclient get)" get_mbs ">= 1.2x"
	row "write MB/s (smbclient put)" put_mbs ">= 1.2x"
	row "server CPU s/GiB, read" get_cpu_s_per_gib ""
	row "server CPU s/GiB, write" put_cpu_s_per_gib ""
	row "read MB/s, signed (client signing required)" get_signed_mbs ""
	row "write MB/s, signed (client signing required)" put_signed_mbs ""
	row "server CPU s/GiB, signed read" get_signed_cpu_s_per_gib ""
	row "server CPU s/GiB, signed write" put_signed_cpu_s_per_gib ""
	row "writes/resp, ECHO depth 1" wpr_echo_1 ""
	row "writes/resp, 32 ECHOs in one segment" wpr_echo_32 "<= 0.1"
	row "writes/resp, 32 READ_ANDX(512) in one segment" wpr_read_32 "<= 0.1"
	row "us/resp, ECHO depth 1 (median round trip)" us_echo_1 "not worse"
	row "us/resp, 32 ECHOs in one segment" us_echo_32 ""
	row "us/resp, 32 READ_ANDX(512) in one segment" us_read_32 ""
	row "KiB PSS per idle connection ($IDLE_CONNS)" kib_per_idle_conn "<= 32 (tinysmbd)"
	unbatched=$(median tiny-unbatched us_echo_1)
	printf '%-44s %12s %12s %10s   %s\n' "us/resp, ECHO depth 1, tinysmbd unbatched" "-" "$unbatched" \
		"$(awk -v a="$unbatched" -v b="$(median tiny us_echo_1)" 'BEGIN {if (a + 0 > 0) printf "%.2fx", b / a; else print "-"}')" \
		"batched/unbatched <= 1 (max_mpx_count = 1)"
fi
if step bigdir; then
	echo
	# bigrow NAME METRIC: the line for one big-directory workload.
	bigrow() {
		local a b
		a=$(median samba "$2")
		b=$(median tiny "$2")
		echo "$1 tinysmbd=$b samba=$a ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {if (a + 0 > 0) printf "%.2f", b / a; else print "-"}')"
	}
	echo "big directories, per second (median of $BIGDIR_ROUNDS; target ratio >= 1.5):"
	for n in $BIGDIR_SIZES; do bigrow "BIGDIR_LS_$n" "ls_$n"; done
	bigrow "BIGDIR_CREATE_$BIGDIR_FILES" create
	bigrow "BIGDIR_DELETE_$BIGDIR_FILES" delete
fi
if step transfer; then
	echo
	echo "samples (MB/s):  Samba get: $(samples samba get_mbs)| tinysmbd get: $(samples tiny get_mbs)"
	echo "                 Samba put: $(samples samba put_mbs)| tinysmbd put: $(samples tiny put_mbs)"
	echo "signed (MB/s):   Samba get: $(samples samba get_signed_mbs)| tinysmbd get: $(samples tiny get_signed_mbs)"
	echo "                 Samba put: $(samples samba put_signed_mbs)| tinysmbd put: $(samples tiny put_signed_mbs)"
fi
if step idle; then
	echo "PSS KiB:         Samba $(samples samba pss0_kib)-> $(samples samba pss_idle_kib)| tinysmbd $(samples tiny pss0_kib)-> $(samples tiny pss_idle_kib)"
fi
if step pipeline; then
	echo "syscw counts every write syscall of the serving process, not only the socket's: Samba's"
	echo "asynchronous reads signal completion with a write of their own, and the Go runtime wakes its"
	echo "poller with one now and then."
fi
echo "Raw samples: $OUT"
