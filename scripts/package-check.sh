#!/usr/bin/env bash
# package-check.sh tests the OpenWrt and Buildroot recipes in firmware/ as far
# as a machine without their SDKs allows (make firmware-check runs it):
#   1. each recipe is copied to package/tinysmbd of a stub tree that has what
#      the real one provides at the paths the recipe includes (rules.mk and
#      its INSTALL_* macros, include/package.mk, the packages feed's
#      lang/golang/golang-package.mk; Buildroot's golang-package,
#      TARGET_DIR, @D), and make runs the recipe's own install steps into a
#      staging root, with a static tinysmbd built here standing in for the
#      cross-built one;
#   2. the Go environment the recipe ends up with is checked (no cgo, no
#      external linking), and each installed file's type, mode and owner
#      (Buildroot's _PERMISSIONS applied, its tinysmbd user mapped to
#      nobody:nogroup);
#   3. the installed service is started in its staging root (chroot), as
#      its init system would: the Buildroot tree by the systemd unit's
#      ExecStart=, as the unit's User=/Group= with RuntimeDirectory= made,
#      the OpenWrt tree by its procd script's start_service as root; then
#      smbclient (NT1) lists and writes the share, `tinysmbd status` answers
#      on the default control socket, and a SIGHUP reload keeps the process.
#      Only the staged config's listen addresses are changed, to loopback
#      test ports, so that no privilege is needed to bind them.
# What it cannot prove: that the SDKs' Go builds succeed (the cross-compile
# through golang-package.mk or pkg-golang, Buildroot's module vendoring and
# the recipes' afero step), opkg's conffile handling, the real procd, and
# systemd's own sandboxing (scripts/firmware-check.sh verifies the unit).
# A missing tool or running without root skips, or fails when
# TINYSMBD_REQUIRE_PEERS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
GO=${GO:-go}
PORT=${PORT:-$((21000 + ($$ % 1000) * 4))}

failures=0
fail() {
	echo "FAIL: package-check: $*" >&2
	failures=$((failures + 1))
}
skip() {
	if [ "${TINYSMBD_REQUIRE_PEERS:-}" = 1 ]; then
		fail "$*, and TINYSMBD_REQUIRE_PEERS=1"
	else
		echo "SKIP: package-check: $*; set TINYSMBD_REQUIRE_PEERS=1 to fail instead"
	fi
}

for tool in make install chroot; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "$tool not found"
		exit $((failures > 0))
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/package-check.XXXXXX")
cleanup() {
	for p in "$work"/*.pid; do
		if [ -f "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

# The binary both recipes build: static, the firmware tags.
mkdir -p "$work/bin"
CGO_ENABLED=0 "$GO" build -trimpath -tags 'tinysmbd_nodns tinysmbd_stamped' \
	-ldflags='-s -w -X main.version=package-check' -o "$work/bin/tinysmbd" ./cmd/tinysmbd

# The recipe's build directory: the source tree with the built binary.
src=$work/src
mkdir -p "$src/bin"
ln -s "$root/firmware" "$src/firmware"
cp "$work/bin/tinysmbd" "$src/bin/tinysmbd"

# mode_owner PATH: "MODE USER:GROUP" of PATH, numeric, mode in octal.
mode_owner() { stat -c '%04a %u:%g' "$1"; }

# expect TREE PATH TYPE MODE OWNER: PATH in TREE is a TYPE (f or d) with
# MODE and OWNER (uid:gid).
expect() {
	local tree=$1 path=$2 type=$3 want="$4 $5" got
	if { [ "$type" = d ] && [ ! -d "$tree$path" ]; } || { [ "$type" = f ] && [ ! -f "$tree$path" ]; }; then
		fail "$(basename "$tree"): $path is not installed (want type $type)"
		return
	fi
	got=$(mode_owner "$tree$path")
	if [ "$got" != "$want" ]; then
		fail "$(basename "$tree"): $path is $got, want $want"
	else
		echo "package-check: $(basename "$tree"): $path $got"
	fi
}

# --- OpenWrt ------------------------------------------------------------------
# The macros below are OpenWrt's own definitions (rules.mk); the feed's two
# variables keep the feed's values, which the recipe must override.
sdk=$work/openwrt-sdk
mkdir -p "$sdk/include" "$sdk/feeds/packages/lang/golang" "$sdk/package" "$sdk/build"
cp -R firmware/openwrt/tinysmbd "$sdk/package/tinysmbd"
ln -s "$src" "$sdk/build/tinysmbd-stub"
cat >"$sdk/rules.mk" <<'EOF'
INCLUDE_DIR:=$(TOPDIR)/include
BUILD_DIR:=$(TOPDIR)/build
INSTALL_BIN:=install -m0755
INSTALL_DIR:=install -d -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
TARGET_CC:=cc
EOF
cat >"$sdk/include/package.mk" <<'EOF'
PKG_BUILD_DIR:=$(BUILD_DIR)/tinysmbd-stub
PKG_INSTALL_DIR:=$(TOPDIR)/ipkg-install
define BuildPackage
stage:
	$$(call Package/$(1)/install,$$(DESTDIR))
	$$(file >$$(OUT)/conffiles,$$(Package/$(1)/conffiles))
	$$(file >$$(OUT)/go-vars,$$(GO_PKG_TARGET_VARS))
	$$(file >$$(OUT)/go-ldflags,$$(GO_PKG_DEFAULT_LDFLAGS))
endef
EOF
cat >"$sdk/feeds/packages/lang/golang/golang-package.mk" <<EOF
GO_PKG_TARGET_VARS= GOOS="linux" GOARCH="mipsle" CGO_ENABLED=1 CC="\$(TARGET_CC)"
GO_PKG_DEFAULT_LDFLAGS= -buildid '\$(SOURCE_DATE_EPOCH)' -linkmode external -extldflags '\$(TARGET_LDFLAGS)'
define GoPackage/Package/Install/Bin
	\$(INSTALL_DIR) \$(1)/usr/bin && \$(INSTALL_BIN) $work/bin/tinysmbd \$(1)/usr/bin/
endef
GoBinPackage=
EOF
owrt=$work/openwrt-root
mkdir -p "$owrt" "$work/openwrt-out"
if ! out=$(make -s -C "$sdk/package/tinysmbd" TOPDIR="$sdk" DESTDIR="$owrt" OUT="$work/openwrt-out" stage 2>&1); then
	fail "openwrt: the recipe's install steps failed in package/tinysmbd:"$'\n'"$out"
else
	echo "package-check: openwrt: package/tinysmbd installed into a staging root"
	vars=$(cat "$work/openwrt-out/go-vars")
	ldflags=$(cat "$work/openwrt-out/go-ldflags")
	if [ "$(grep -o 'CGO_ENABLED=[0-9]' <<<"$vars" | tr '\n' ' ')" != "CGO_ENABLED=0 " ]; then
		fail "openwrt: the build environment is not CGO_ENABLED=0 alone: $vars"
	fi
	if grep -q -- '-linkmode' <<<"$ldflags"; then
		fail "openwrt: the default ldflags still link externally: $ldflags"
	fi
	echo "package-check: openwrt: Go builds with CGO_ENABLED=0, ldflags '$ldflags'"
	expect "$owrt" /usr/sbin/tinysmbd f 0755 0:0
	expect "$owrt" /etc/init.d/tinysmbd f 0755 0:0
	expect "$owrt" /etc/tinysmbd.toml f 0600 0:0
	expect "$owrt" /srv/share d 0755 0:0
	grep -qx '/etc/tinysmbd.toml' "$work/openwrt-out/conffiles" ||
		fail "openwrt: /etc/tinysmbd.toml is not a conffile: $(cat "$work/openwrt-out/conffiles")"
fi

# --- Buildroot ----------------------------------------------------------------
# pkg-golang runs the install steps in a rule whose target lies in the
# package's build directory, so $(@D) is that directory.
br=$work/buildroot
mkdir -p "$br/package" "$work/buildroot-out"
cp -R firmware/buildroot/tinysmbd "$br/package/tinysmbd"
cat >"$br/Makefile" <<EOF
INSTALL := install
TARGET_DIR := \$(DESTDIR)
github = https://github.com/\$(1)/\$(2)/archive/\$(3).tar.gz
define golang-package
$src/.stamp_target_installed:
	\$\$(TINYSMBD_INSTALL_TARGET_CMDS)
	\$\$(TINYSMBD_INSTALL_INIT_SYSV)
	\$\$(TINYSMBD_INSTALL_INIT_SYSTEMD)
	\$\$(file >\$(OUT)/permissions,\$\$(TINYSMBD_PERMISSIONS))
	\$\$(file >\$(OUT)/users,\$\$(TINYSMBD_USERS))
	\$\$(file >\$(OUT)/go-env,\$\$(TINYSMBD_GO_ENV))
	\$\$(file >\$(OUT)/version,\$\$(TINYSMBD_VERSION))
endef
include package/tinysmbd/tinysmbd.mk
EOF
brt=$work/buildroot-root
mkdir -p "$brt"
if ! out=$(make -s -C "$br" DESTDIR="$brt" OUT="$work/buildroot-out" 2>&1); then
	fail "buildroot: the recipe's install steps failed:"$'\n'"$out"
fi
[ -d "$brt/usr" ] && echo "package-check: buildroot: package/tinysmbd installed into a staging root"

grep -qw 'CGO_ENABLED=0' "$work/buildroot-out/go-env" 2>/dev/null ||
	fail "buildroot: TINYSMBD_GO_ENV lacks CGO_ENABLED=0: $(cat "$work/buildroot-out/go-env" 2>/dev/null)"

# The .hash file must exist, hold only well-formed sha256 lines, and name no
# archive of another version than the recipe's.
hash=firmware/buildroot/tinysmbd/tinysmbd.hash
version=$(cat "$work/buildroot-out/version" 2>/dev/null || true)
if [ ! -f "$hash" ]; then
	fail "buildroot: no $hash"
else
	while read -r algo sum file; do
		case $algo in '' | '#'*) continue ;; esac
		if [ "$algo" != sha256 ] || ! grep -Eqx '[0-9a-f]{64}' <<<"$sum" || [ -z "$file" ]; then
			fail "buildroot: $hash: malformed line: $algo $sum $file"
		fi
		case $file in
		tinysmbd-*.tar.*)
			case $file in tinysmbd-"$version"[.-]*) ;; *) fail "buildroot: $hash names $file, but TINYSMBD_VERSION is $version" ;; esac
			;;
		LICENSE)
			if [ -f LICENSE ] && [ "$(sha256sum LICENSE | cut -d' ' -f1)" != "$sum" ]; then
				fail "buildroot: $hash: LICENSE changed; its line needs the new sha256"
			fi
			;;
		esac
	done <"$hash"
fi

# The service user: the unit's User=/Group= must be the user _USERS creates
# and the one _PERMISSIONS gives the config's group and the share to. The
# test maps that name to nobody:nogroup rather than create a user.
unit=$brt/usr/lib/systemd/system/tinysmbd.service
if [ ! -f "$unit" ]; then
	fail "buildroot: no systemd unit installed; nothing more to check"
	exit 1
fi
unit_key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
user=$(unit_key User)
group=$(unit_key Group)
read -r br_user _ br_group _ <"$work/buildroot-out/users" || true
if [ "$user" != "$br_user" ] || [ "$group" != "$br_group" ]; then
	fail "buildroot: the unit runs as $user:$group, TINYSMBD_USERS creates $br_user:$br_group"
fi
svc_uid=$(id -u nobody)
svc_gid=$(getent group nogroup | cut -d: -f3)
map_id() {
	case $1 in
	root) echo 0 ;;
	"$br_user" | "$br_group") echo "$2" ;;
	*) echo "unknown-$1" ;;
	esac
}
if [ "$(id -u)" != 0 ]; then
	skip "buildroot: not root: cannot apply TINYSMBD_PERMISSIONS (chown) nor start the services in a chroot"
	echo "package-check: $failures failure(s)"
	exit $((failures > 0))
fi
while read -r path type mode owner grp _; do
	[ -n "$path" ] || continue
	if [ ! -e "$brt$path" ]; then
		fail "buildroot: TINYSMBD_PERMISSIONS names $path, which nothing installs"
		continue
	fi
	chown "$(map_id "$owner" "$svc_uid"):$(map_id "$grp" "$svc_gid")" "$brt$path"
	chmod "$mode" "$brt$path"
done <"$work/buildroot-out/permissions"
expect "$brt" /usr/sbin/tinysmbd f 0755 0:0
expect "$brt" /etc/tinysmbd.toml f 0640 "0:$svc_gid"
expect "$brt" /srv/share d 0775 "$svc_uid:$svc_gid"
expect "$brt" /etc/init.d/S80tinysmbd f 0755 0:0
expect "$brt" /usr/lib/systemd/system/tinysmbd.service f 0644 0:0

# --- starting the installed services -----------------------------------------
smbclient=$(command -v smbclient || true)
printf '[global]\n' >"$work/smb.conf"

# listen_on TREE PORT: point the staged config's listeners at a loopback
# port (written in place, so the file keeps its mode and owner).
listen_on() {
	local conf=$1/etc/tinysmbd.toml
	sed -e "s/^netbt_listen = .*/netbt_listen = \"\"/" \
		-e "s/^direct_listen = .*/direct_listen = \"127.0.0.1:$2\"/" \
		-e "s/^nbns_listen = .*/nbns_listen = \"\"/" "$conf" >"$work/conf.tmp"
	cat "$work/conf.tmp" >"$conf"
}

# serves NAME TREE PORT: smbclient lists a file placed in the share and
# writes one that lands in the tree, and status answers on the default
# control socket.
serves() {
	local name=$1 tree=$2 port=$3 out
	local run=(chroot "${@:4}" "$tree")
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	if [ -z "$smbclient" ]; then
		skip "$name: smbclient not found (apt-get install -y smbclient): the share is not checked"
	else
		echo "from $name" >"$work/upload.txt"
		if ! out=$("$smbclient" //127.0.0.1/share -p "$port" -N -s "$work/smb.conf" \
			--option='client min protocol=NT1' --option='client max protocol=NT1' \
			-c "ls; put $work/upload.txt upload.txt" 2>&1) || ! grep -q 'hello.txt' <<<"$out"; then
			fail "$name: smbclient could not list hello.txt:"$'\n'"$out"$'\n'"$(cat "$work/$name.log")"
		elif [ "$(cat "$tree/srv/share/upload.txt" 2>/dev/null)" != "from $name" ]; then
			fail "$name: smbclient's upload.txt did not reach /srv/share:"$'\n'"$out"
		else
			echo "package-check: $name: smbclient listed hello.txt and wrote upload.txt ($(stat -c '%u:%g' "$tree/srv/share/upload.txt"))"
		fi
	fi
	if ! out=$("${run[@]}" /usr/sbin/tinysmbd status 2>&1) || ! grep -q "pid $(cat "$work/$name.pid")," <<<"$out"; then
		fail "$name: tinysmbd status on the default control socket said:"$'\n'"$out"
	else
		echo "package-check: $name: tinysmbd status: $(head -n 2 <<<"$out" | tail -n 1)"
	fi
}

# stop NAME: SIGTERM and wait for the process to end.
stop() {
	local pid
	pid=$(cat "$work/$1.pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "$1: still running 15 s after SIGTERM"
	rm -f "$work/$1.pid"
}

# Buildroot with systemd: ExecStart= as User=/Group=, RuntimeDirectory=
# made as systemd makes it, every ReadWritePaths= present (systemd refuses
# to start the unit otherwise).
name=buildroot-systemd
startable=1
for p in $(unit_key ReadWritePaths); do
	[ -d "$brt$p" ] || { fail "$name: ReadWritePaths=$p does not exist in the installed tree" && startable=0; }
done
[ -f "$brt/etc/tinysmbd.toml" ] || startable=0
if [ "$startable" = 1 ]; then
	listen_on "$brt" "$PORT"
	echo "hello" >"$brt/srv/share/hello.txt"
	rundir=$(unit_key RuntimeDirectory)
	install -d -m "$(unit_key RuntimeDirectoryMode)" -o "$svc_uid" -g "$svc_gid" "$brt/run/$rundir"
	read -r -a exec_start <<<"$(unit_key ExecStart)"
	as_user=(--userspec="$svc_uid:$svc_gid" --groups="$svc_gid")
	# The config as the old recipe installed it (0600 root) must be refused,
	# which proves that the start below depends on the recipe's mode.
	chmod 0600 "$brt/etc/tinysmbd.toml"
	if out=$(chroot "${as_user[@]}" "$brt" "${exec_start[@]}" 2>&1); then
		fail "$name: tinysmbd started with a config its user cannot read"
	elif ! grep -q 'permission denied' <<<"$out"; then
		fail "$name: a config mode 0600 root failed otherwise than 'permission denied': $out"
	fi
	chmod 0640 "$brt/etc/tinysmbd.toml"
	chroot "${as_user[@]}" "$brt" "${exec_start[@]}" >"$work/$name.log" 2>&1 &
	echo $! >"$work/$name.pid"
	pid=$(cat "$work/$name.pid")
	sleep 0.5
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "$name: ExecStart= as $svc_uid:$svc_gid exited:"$'\n'"$(cat "$work/$name.log")"
	else
		ids=$(awk '/^(Uid|Gid|Groups):/ {printf "%s %s ", $1, $2}' "/proc/$pid/status")
		echo "package-check: $name: ExecStart= running as $ids"
		[ "$ids" = "Uid: $svc_uid Gid: $svc_gid Groups: $svc_gid " ] || fail "$name: process identity $ids"
		serves "$name" "$brt" "$PORT" "${as_user[@]}"
		stop "$name"
	fi
fi

# OpenWrt with procd: start_service's command, environment and (after a
# procd_send_signal) SIGHUP, run as procd would: as root, in the tree.
name=openwrt-procd
if [ -f "$owrt/etc/init.d/tinysmbd" ]; then
	listen_on "$owrt" $((PORT + 1))
	# base-files makes /run on every OpenWrt system.
	mkdir -p "$owrt/run"
	chroot=$(command -v chroot)
	echo "hello" >"$owrt/srv/share/hello.txt"
	# shellcheck disable=SC2317 # the procd_* functions are called by the sourced script
	(
		# The procd API as rc.common defines it, reduced to what the
		# script uses: one instance, its command, environment and signal.
		procd_open_instance() { cmd=() && env=(); }
		procd_set_param() {
			local key=$1
			shift
			case $key in
			command) cmd=("$@") ;;
			env) env+=("$@") ;;
			esac
		}
		procd_close_instance() {
			env -i "${env[@]}" "$chroot" "$owrt" "${cmd[@]}" >"$work/$name.log" 2>&1 &
			echo $! >"$work/$name.pid"
		}
		procd_send_signal() { kill -"$3" "$(cat "$work/$name.pid")"; }
		# shellcheck source=/dev/null # the staged files/tinysmbd.init
		. "$owrt/etc/init.d/tinysmbd"
		start_service
		sleep 0.5
		pid=$(cat "$work/$name.pid")
		kill -0 "$pid" 2>/dev/null || {
			echo "FAIL: package-check: $name: start_service's command exited:"$'\n'"$(cat "$work/$name.log")" >&2
			exit 1
		}
		reload_service
		for _ in $(seq 50); do
			grep -q 'SIGHUP: reloaded' "$work/$name.log" && exit 0
			sleep 0.1
		done
		echo "FAIL: package-check: $name: no 'SIGHUP: reloaded' after reload_service" >&2
		exit 1
	) || failures=$((failures + 1))
	if [ -f "$work/$name.pid" ] && kill -0 "$(cat "$work/$name.pid")" 2>/dev/null; then
		echo "package-check: $name: start_service ran it, reload_service reloaded it in place"
		serves "$name" "$owrt" $((PORT + 1))
		stop "$name"
	fi
fi

if [ "$failures" -gt 0 ]; then
	echo "package-check: $failures failure(s)" >&2
	exit 1
fi
echo "package-check: all checks passed"
