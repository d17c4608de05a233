#!/usr/bin/env bash
# bench-lookup.sh: the lookup-rate figure. Runs Samba's smbtorture raw.bench-lookup (forced
# to NT1) against tinysmbd and, in the same run, against Samba's smbd (SAMBA_BASELINE),
# and prints the QUERY_PATH_INFO and FIND_FIRST2 rates of a name that does not exist in a
# directory of 0, 100, 1,000 and 10,000 entries, and tinysmbd's ratio to Samba at 10,000. The
# torture test goes on to 100,000 entries, which takes Samba many minutes to fill; the script
# stops each run once the 10,000 line is printed.
#
#   scripts/bench-lookup.sh
#
# Environment:
#   BENCH_PORT=8141        tinysmbd's NetBT port on 127.0.0.1
#   SAMBA_PORTS="8139 8445"  Samba's NetBT and direct ports; BENCH_SAMBA=0 skips Samba
#   SAMBA_BASELINE=PATH    the samba-baseline script (default ../shared/tools/samba-baseline)
#   BENCH_TIMEOUT=600      seconds one run may take
#   GO=go
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
command -v smbtorture >/dev/null || { echo "bench-lookup: smbtorture not installed: apt-get install -y samba-testsuite" >&2; exit 2; }
port=${BENCH_PORT:-8141}
read -r samba_nb samba_direct <<<"${SAMBA_PORTS:-8139 8445}"
baseline=${SAMBA_BASELINE:-$root/../shared/tools/samba-baseline}
if [[ -z ${SAMBA_BASELINE:-} && ! -x $baseline ]]; then
  # In a git worktree the shared tools sit beside the main checkout.
  common=$(git -C "$root" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [[ -n $common ]] && baseline=$(dirname "$(dirname "$common")")/shared/tools/samba-baseline
fi
timeout_s=${BENCH_TIMEOUT:-600}

work=$(mktemp -d)
server_pid=
samba_dir=
cleanup() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n $samba_dir ]]; then
    TMPDIR=$work "$baseline" stop "$samba_dir" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# run PORT FILE runs raw.bench-lookup until it has printed the 10,000-entry line.
run() {
  local p=$1 file=$2 pid
  smbtorture "//127.0.0.1/share" -p "$p" -U root%secret \
    --option='client min protocol=NT1' --option='client max protocol=NT1' \
    raw.bench-lookup >"$file" 2>&1 &
  pid=$!
  for _ in $(seq $((timeout_s * 2))); do
    grep -q '^entries = 10000,' "$file" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# rate FILE N FIELD prints the rate of FIELD (querypath or findfirst) at N entries.
rate() { sed -n "s/^entries = $2, .*$3 = \([0-9]*\)\/sec.*/\1/p" "$1"; }

(cd "$root" && "$GO" build -o "$work/tinysmbd" ./cmd/tinysmbd)
mkdir -p "$work/share"
cat >"$work/tinysmbd.toml" <<CONF
[server]
netbt_listen = "127.0.0.1:$port"
direct_listen = ""
control_socket = ""

[[users]]
name = "root"
password = "secret"

[[shares]]
name = "share"
path = "$work/share"
CONF
"$work/tinysmbd" -config "$work/tinysmbd.toml" >"$work/tinysmbd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do port_busy "$port" && break; sleep 0.05; done
port_busy "$port" || { echo "bench-lookup: tinysmbd did not start:" >&2; cat "$work/tinysmbd.log" >&2; exit 1; }
run "$port" "$work/tinysmbd.out"

samba=0
if [[ ${BENCH_SAMBA:-1} == 1 && ! -x $baseline ]]; then
  echo "bench-lookup: $baseline not found; Samba column skipped (SAMBA_BASELINE=PATH)" >&2
elif [[ ${BENCH_SAMBA:-1} == 1 ]] && command -v smbd >/dev/null; then
  samba_dir=$work/samba-share
  if TMPDIR=$work setsid -w "$baseline" start "$samba_dir" "$samba_nb" "$samba_direct" >"$work/samba.log" 2>&1; then
    samba=1
    run "$samba_nb" "$work/samba.out"
  else
    echo "bench-lookup: samba-baseline did not start; Samba column skipped:" >&2
    cat "$work/samba.log" >&2
    samba_dir=
  fi
fi

printf '%-8s %22s %22s\n' entries 'tinysmbd qpath/find' 'samba qpath/find'
for n in 0 100 1000 10000; do
  t="$(rate "$work/tinysmbd.out" $n querypath)/$(rate "$work/tinysmbd.out" $n findfirst)"
  s=-
  ((samba)) && s="$(rate "$work/samba.out" $n querypath)/$(rate "$work/samba.out" $n findfirst)"
  printf '%-8s %22s %22s\n' "$n" "$t" "$s"
done
tq=$(rate "$work/tinysmbd.out" 10000 querypath)
if [[ -z $tq ]]; then
  echo "bench-lookup: tinysmbd did not reach 10,000 entries; its output:" >&2
  cat "$work/tinysmbd.out" >&2
  exit 1
fi
if ((samba)); then
  sq=$(rate "$work/samba.out" 10000 querypath)
  if [[ -n $sq && $sq -gt 0 ]]; then
    awk -v t="$tq" -v s="$sq" 'BEGIN { printf "QUERY_PATH_INFO at 10,000 entries: tinysmbd %d/s, Samba %d/s, ratio %.1fx\n", t, s, t / s }'
  fi
fi
