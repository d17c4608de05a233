#!/usr/bin/env bash
# tshark-check.sh: acceptance test 6 outside Go. Builds cmd/tinysmbd, serves an in-memory share on
# 127.0.0.1:139 (NetBT) and a direct-hosted port, captures smbclient (SMB1/NT1) doing
# negotiate -> session setup -> tree connect -> create -> write -> read -> close on both, and fails
# if tshark finds a malformed packet, an error-level expert info or a dissector exception, or does
# not see every one of those commands.
#
#   scripts/tshark-check.sh [-k]     -k keeps the work directory (capture, logs) for inspection
#
# Needs go, tshark, smbclient; port 139 and packet capture need root, so as a normal user (or when
# 139 is taken) it re-runs itself in a private user+network namespace (unshare, iproute2).
# The Go test TestInteropTsharkDissects in server/interop_test.go checks the same with the server
# embedded; this script checks the shipped binary and its flags.
set -euo pipefail

keep=0
[[ ${1:-} == -k ]] && keep=1
root=$(cd "$(dirname "$0")/.." && pwd)

need() { command -v "$1" >/dev/null || { echo "tshark-check: $1 not installed: apt-get install -y $2" >&2; exit 2; }; }
need go golang
need tshark tshark
need smbclient smbclient

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [[ -z ${TINYSMBD_TSHARK_NS:-} ]] && { [[ $(id -u) != 0 ]] || port_busy 139; }; then
  need unshare util-linux
  need ip iproute2
  flags=-rn
  [[ $(id -u) == 0 ]] && flags=-n
  echo "tshark-check: re-running in a private network namespace (unshare $flags)" >&2
  # Build outside: the namespace has no network for module downloads.
  export TINYSMBD_TSHARK_BIN
  TINYSMBD_TSHARK_BIN=$(mktemp -d)/tinysmbd
  (cd "$root" && go build -o "$TINYSMBD_TSHARK_BIN" ./cmd/tinysmbd)
  # shellcheck disable=SC2016 # $0 and $@ expand in the inner sh
  TINYSMBD_TSHARK_NS=1 exec unshare "$flags" sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

work=$(mktemp -d)
server_pid='' tshark_pid=''
cleanup() {
  if [[ -n $tshark_pid ]]; then kill "$tshark_pid" 2>/dev/null || true; fi
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if ((keep)); then echo "tshark-check: kept $work" >&2; else rm -rf "$work"; fi
  # The binary built before entering the namespace lives in its own directory.
  if [[ -n ${TINYSMBD_TSHARK_BIN:-} ]]; then rm -rf "$(dirname "$TINYSMBD_TSHARK_BIN")"; fi
}
trap cleanup EXIT

bin=${TINYSMBD_TSHARK_BIN:-}
if [[ -z $bin ]]; then
  bin=$work/tinysmbd
  (cd "$root" && go build -o "$bin" ./cmd/tinysmbd)
fi

direct=$((20000 + RANDOM % 20000))
while port_busy "$direct"; do direct=$((20000 + RANDOM % 20000)); done

"$bin" -netbt 127.0.0.1:139 -direct "127.0.0.1:$direct" -share public=mem: -user alice:secret -guest -v \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do port_busy 139 && port_busy "$direct" && break; sleep 0.1; done
port_busy 139 || { echo "tshark-check: tinysmbd did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

tshark -i lo -f "tcp port 139 or tcp port $direct" -w "$work/smb.pcap" >/dev/null 2>"$work/tshark.err" &
tshark_pid=$!
for _ in $(seq 150); do grep -q "Capturing on" "$work/tshark.err" && break; sleep 0.1; done
grep -q "Capturing on" "$work/tshark.err" || { echo "tshark-check: capture did not start:" >&2; cat "$work/tshark.err" >&2; exit 1; }

head -c 150000 /dev/urandom >"$work/f.bin"
fail=0
for p in 139 "$direct"; do
  out=$(cd "$work" && smbclient //127.0.0.1/public -p "$p" -U alice%secret \
    --option='client min protocol=NT1' --option='client max protocol=NT1' \
    -c "put f.bin f.bin; get f.bin back-$p.bin; ls; del f.bin" 2>&1) || { echo "$out"; echo "FAIL smbclient on port $p exited non-zero"; fail=1; }
  if grep -q "NT_STATUS_\|Error in dskattr" <<<"$out"; then echo "$out"; echo "FAIL smbclient on port $p reported an error"; fail=1; fi
  cmp -s "$work/f.bin" "$work/back-$p.bin" || { echo "FAIL port $p: file read back differs"; fail=1; }
done

sleep 0.3
kill -INT "$tshark_pid"
wait "$tshark_pid" || true
tshark_pid=

tshark -r "$work/smb.pcap" -d "tcp.port==$direct,nbss" -O nbss,smb >"$work/dissect.txt" 2>&1
tshark -r "$work/smb.pcap" -d "tcp.port==$direct,nbss" >"$work/summary.txt" 2>&1

if grep -n -E "Malformed|\[Expert Info \(Error|Exception" "$work/dissect.txt"; then
  echo "FAIL tshark flags packets above (frame numbers in $work/summary.txt; rerun with -k)"
  fail=1
fi
for want in "Session request" "Positive session response" \
  "Negotiate Protocol Request" "Negotiate Protocol Response" \
  "Session Setup AndX Request" "Session Setup AndX Response" \
  "Tree Connect AndX Request" "Tree Connect AndX Response" \
  "NT Create AndX Request" "NT Create AndX Response" \
  "Write AndX Request" "Write AndX Response" \
  "Read AndX Request" "Read AndX Response" \
  "Close Request" "Close Response"; do
  grep -q "$want" "$work/dissect.txt" || { echo "FAIL tshark did not dissect \"$want\""; fail=1; }
done
grep -E "\[Expert Info \(Warning" "$work/dissect.txt" | sort | uniq -c | sed 's/^/warning (not fatal): /' || true

if ((fail)); then
  echo "--- capture summary"; cat "$work/summary.txt"
  echo "--- server log (tail)"; tail -50 "$work/server.log"
  echo "tshark-check: FAIL"
  exit 1
fi
echo "tshark-check: ok ($(grep -c . "$work/summary.txt") packets dissected cleanly)"
