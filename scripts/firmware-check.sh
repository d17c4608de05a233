#!/usr/bin/env bash
# firmware-check.sh tests what firmware/ ships (make firmware-check):
#   1. shellcheck over every shell script in the repository;
#   2. systemd-analyze verify of firmware/tinysmbd.service (any warning fails)
#      and systemd-analyze security --offline (exposure at most 2.0);
#   3. firmware/init.d/tinysmbd driven against the real binary ($TINYSMBD),
#      with DAEMON, CONFIG, PIDFILE and LOGFILE pointing into a temporary
#      directory and the server on high loopback ports: start, a client is
#      served, status, restart (a new pid), reload (SIGHUP: the same pid,
#      the log says it reloaded), stop (the process is
#      gone), status, and a bad config that must not leave a pidfile. It runs
#      three times: under dash with Debian's start-stop-daemon, under
#      BusyBox's sh with BusyBox's start-stop-daemon, and under BusyBox's sh
#      without start-stop-daemon (the script's own fallback);
#   4. scripts/package-check.sh: the OpenWrt and Buildroot recipes' install
#      steps rendered into staging roots, and the installed services started
#      there as their init systems would.
# A missing tool skips its check with a message, or fails when
# TINYSMBD_REQUIRE_PEERS=1 (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

TINYSMBD=${TINYSMBD:-bin/tinysmbd}
case $TINYSMBD in /*) ;; *) TINYSMBD=$root/$TINYSMBD ;; esac

# SECURITY_THRESHOLD is the highest systemd-analyze security exposure the
# unit may have, in tenths (the shipped unit scores 1.8 with systemd 252).
SECURITY_THRESHOLD=20

failures=0
fail() {
	echo "FAIL: firmware-check: $*" >&2
	failures=$((failures + 1))
}
# missing TOOL PACKAGE WHAT: skip WHAT, or fail under TINYSMBD_REQUIRE_PEERS=1.
missing() {
	if [ "${TINYSMBD_REQUIRE_PEERS:-}" = 1 ]; then
		fail "$1 not found (apt-get install -y $2), needed for $3, and TINYSMBD_REQUIRE_PEERS=1"
	else
		echo "SKIP: firmware-check: $3: $1 not found (apt-get install -y $2); set TINYSMBD_REQUIRE_PEERS=1 to fail instead"
	fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/firmware-check.XXXXXX")
cleanup() {
	# A server left by a failed step is stopped by its pidfile, never by name.
	for p in "$work"/*/pid; do
		if [ -f "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

# --- 1. shellcheck -----------------------------------------------------------
# Every file git knows (tracked or not ignored) that is a shell script by its
# name or its #! line.
shell_scripts() {
	git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
		[ -f "$f" ] || continue
		case $f in
		*.sh) echo "$f" ;;
		*)
			if head -n 1 "$f" | grep -Eq '^#!.*(/|env )(ba|da|a)?sh( |$)'; then
				echo "$f"
			fi
			;;
		esac
	done
}
if command -v shellcheck >/dev/null 2>&1; then
	mapfile -t scripts < <(shell_scripts)
	echo "firmware-check: shellcheck ${scripts[*]}"
	if shellcheck "${scripts[@]}"; then
		echo "firmware-check: shellcheck: ${#scripts[@]} scripts clean"
	else
		fail "shellcheck reported problems (above)"
	fi
else
	missing shellcheck shellcheck "shellcheck of the shell scripts"
fi

# --- 2. systemd-analyze verify ------------------------------------------------
# verify insists that ExecStart's program exists, so a copy of the unit runs
# the binary under test; everything else is the shipped file.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$work/unit"
	sed "s|^ExecStart=/usr/sbin/tinysmbd |ExecStart=$TINYSMBD |" firmware/tinysmbd.service >"$work/unit/tinysmbd.service"
	if ! grep -q "^ExecStart=$TINYSMBD " "$work/unit/tinysmbd.service"; then
		fail "firmware/tinysmbd.service: no 'ExecStart=/usr/sbin/tinysmbd ' line to check"
	fi
	out=$(systemd-analyze verify --man=no "$work/unit/tinysmbd.service" 2>&1) || fail "systemd-analyze verify failed: $out"
	if [ -n "$out" ]; then
		fail "systemd-analyze verify firmware/tinysmbd.service warns:"$'\n'"$out"
	else
		echo "firmware-check: systemd-analyze verify firmware/tinysmbd.service: clean"
	fi
	# security --offline reads the unit file rather than a loaded unit; its
	# exposure score (0 best, 10 worst) must stay at or under
	# SECURITY_THRESHOLD, which systemd-analyze takes in tenths.
	rc=0
	out=$(systemd-analyze security --offline=true --no-pager --threshold="$SECURITY_THRESHOLD" \
		"$work/unit/tinysmbd.service" 2>&1) || rc=$?
	score=$(sed -n 's/^.*Overall exposure level for tinysmbd.service: \([0-9.]*\).*$/\1/p' <<<"$out")
	if [ -z "$score" ]; then
		fail "systemd-analyze security printed no exposure level:"$'\n'"$out"
	elif [ "$rc" != 0 ]; then
		fail "systemd-analyze security: exposure $score is above $((SECURITY_THRESHOLD / 10)).$((SECURITY_THRESHOLD % 10)):"$'\n'"$(grep '✗' <<<"$out")"
	else
		echo "firmware-check: systemd-analyze security firmware/tinysmbd.service: exposure $score (limit $((SECURITY_THRESHOLD / 10)).$((SECURITY_THRESHOLD % 10)))"
	fi
else
	missing systemd-analyze systemd "systemd-analyze verify of firmware/tinysmbd.service"
fi

# --- 3. the SysV init script --------------------------------------------------
smbclient=$(command -v smbclient || true)
if [ -z "$smbclient" ]; then
	missing smbclient smbclient "checking that the init script's server serves a client"
fi
if [ ! -x "$TINYSMBD" ]; then
	fail "$TINYSMBD not built (make build)"
	exit 1
fi

# A port pair per run, away from the ones other tests use; a clash shows up
# as a start failure with "address already in use" in the log.
base=$((20000 + ($$ % 1000) * 20))

# initscript_run NAME PORT PATH SHELL...: one start-to-stop cycle of the
# script run by SHELL with only PATH to find programs.
initscript_run() {
	local name=$1 port=$2 path=$3
	shift 3
	local shell=("$@")
	local dir=$work/$name
	mkdir -p "$dir/share"
	echo "hello from $name" >"$dir/share/hello.txt"
	cat >"$dir/tinysmbd.toml" <<-EOF
		[server]
		netbt_listen = ""
		direct_listen = "127.0.0.1:$port"

		[[shares]]
		name = "share"
		path = "$dir/share"
		guest_ok = true
	EOF
	init() {
		env -i PATH="$path" DAEMON="$TINYSMBD" CONFIG="$dir/${CONF:-tinysmbd.toml}" PIDFILE="$dir/pid" \
			LOGFILE="$dir/log" DEFAULTS=/nonexistent STOP_TIMEOUT=15 "${shell[@]}" "$root/firmware/init.d/tinysmbd" "$@"
	}
	served() {
		[ -n "$smbclient" ] || return 0
		printf '[global]\n' >"$dir/smb.conf"
		local out
		if ! out=$("$smbclient" //127.0.0.1/share -p "$port" -N -s "$dir/smb.conf" \
			--option='client min protocol=NT1' --option='client max protocol=NT1' \
			-c 'get hello.txt -' 2>&1) || ! grep -q "hello from $name" <<<"$out"; then
			fail "$name: $1: smbclient could not read hello.txt from the server:"$'\n'"$out"
			return
		fi
		echo "firmware-check: $name: $1: smbclient read hello.txt"
	}
	alive() { kill -0 "$1" 2>/dev/null; }

	echo "firmware-check: init script, $name"
	local out pid1 pid2
	out=$(init start 2>&1) || fail "$name: start failed: $out"$'\n'"$(cat "$dir/log" 2>/dev/null)"
	pid1=$(cat "$dir/pid" 2>/dev/null || true)
	if [ -z "$pid1" ] || ! alive "$pid1"; then
		fail "$name: no live process in the pidfile after start"
		return
	fi
	if [ "$(readlink "/proc/$pid1/exe")" != "$(readlink -f "$TINYSMBD")" ]; then
		fail "$name: the pidfile's pid $pid1 is $(readlink "/proc/$pid1/exe"), not tinysmbd itself"
	fi
	served "after start"
	out=$(init status 2>&1) || fail "$name: status while running exited $?: $out"
	grep -q "running (pid $pid1)" <<<"$out" || fail "$name: status while running said: $out"
	out=$(init start 2>&1) || fail "$name: a second start failed: $out"
	[ "$(cat "$dir/pid")" = "$pid1" ] || fail "$name: a second start replaced the running server"

	out=$(init restart 2>&1) || fail "$name: restart failed: $out"
	pid2=$(cat "$dir/pid" 2>/dev/null || true)
	if alive "$pid1"; then fail "$name: the old process $pid1 survived restart"; fi
	if [ -z "$pid2" ] || [ "$pid2" = "$pid1" ] || ! alive "$pid2"; then
		fail "$name: no new live process after restart (pidfile: '$pid2')"
		return
	fi
	served "after restart"
	out=$(init reload 2>&1) || fail "$name: reload failed: $out"
	if [ "$(cat "$dir/pid" 2>/dev/null)" != "$pid2" ] || ! alive "$pid2"; then
		fail "$name: reload replaced the server (pidfile: '$(cat "$dir/pid" 2>/dev/null)', was $pid2)"
	fi
	local i=0
	until grep -q 'SIGHUP: reloaded' "$dir/log"; do
		i=$((i + 1))
		if [ "$i" -gt 50 ]; then
			fail "$name: no 'SIGHUP: reloaded' in the log after reload"
			break
		fi
		sleep 0.1
	done
	served "after reload"

	out=$(init stop 2>&1) || fail "$name: stop failed: $out"
	if alive "$pid2"; then fail "$name: process $pid2 still alive after stop"; fi
	[ ! -e "$dir/pid" ] || fail "$name: pidfile left after stop"
	local rc=0
	out=$(init status 2>&1) || rc=$?
	[ "$rc" = 3 ] || fail "$name: status after stop exited $rc, want 3 (LSB: not running): $out"
	sleep 600 &
	local other=$!
	echo "$other" >"$dir/pid" # a live process that is not tinysmbd
	rc=0
	out=$(init status 2>&1) || rc=$?
	[ "$rc" = 1 ] || fail "$name: status with a pidfile naming another program exited $rc, want 1: $out"
	out=$(init start 2>&1) || fail "$name: start over a stale pidfile failed: $out"
	alive "$other" || fail "$name: start over a stale pidfile killed the process it named"
	kill "$other"
	wait "$other" 2>/dev/null || true
	out=$(init stop 2>&1) || fail "$name: stop failed: $out"
	alive "$other" && fail "$name: stop killed the process a stale pidfile named"
	out=$(init stop 2>&1) || fail "$name: stop when not running failed: $out"

	printf '[server]\nbogus = 1\n' >"$dir/bad.toml"
	rc=0
	out=$(CONF=bad.toml init start 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "$name: start with a bad config succeeded: $out"
	grep -q 'unknown key' <<<"$out" || fail "$name: start with a bad config did not show the log's error: $out"
	[ ! -e "$dir/pid" ] || fail "$name: start with a bad config left a pidfile"
}

initscript_run debian-ssd "$base" "$PATH" sh
if busybox=$(command -v busybox); then
	bb=$work/busybox-bin
	mkdir -p "$bb"
	for applet in $("$busybox" --list); do
		ln -s "$busybox" "$bb/$applet"
	done
	initscript_run busybox-ssd $((base + 1)) "$bb" "$busybox" sh
	rm "$bb/start-stop-daemon"
	initscript_run busybox-plain $((base + 2)) "$bb" "$busybox" sh
else
	missing busybox busybox "the init script under BusyBox (with and without its start-stop-daemon)"
fi

# --- 4. the OpenWrt and Buildroot recipes -------------------------------------
PORT=$((base + 3)) GO=${GO:-go} ./scripts/package-check.sh || fail "scripts/package-check.sh failed (above)"

if [ "$failures" -gt 0 ]; then
	echo "firmware-check: $failures failure(s)" >&2
	exit 1
fi
echo "firmware-check: all checks passed"
