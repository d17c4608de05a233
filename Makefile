# tinysmbd — the two commands that matter:
#   make run    start a local server on 127.0.0.1:1139/1445 with an in-memory share
#   make test   everything CI runs (vet, tests, race, fuzz, big-endian MIPS, cross, size)
#
# Every recipe runs under bash -euo pipefail, and prerequisites run one at a
# time in the order listed, so the first failing step fails make.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.NOTPARALLEL:
.DEFAULT_GOAL := build

GO      ?= go
BIN     := bin
PKG     := ./cmd/tinysmbd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# Host build keeps symbols for profiling; firmware builds are stripped, and
# their build id is empty so that the same source gives the same bytes.
LDFLAGS       := -X main.version=$(VERSION)
CROSS_LDFLAGS = -s -w -buildid= -R $(ALIGN) -X main.version=$(VERSION)

# STAMP_TAG is a tag of every firmware build beside FIRMWARE_TAGS, and of
# make firmware-test: those builds stamp main.version (CROSS_LDFLAGS), so
# the command need not link the build info reader it falls back to
# otherwise (about 10 KB of the stripped mipsle binary;
# cmd/tinysmbd/version_stamped.go).
STAMP_TAG := tinysmbd_stamped

# INLINE_PKGS are the dependencies whose inlining makes the firmware binary
# smaller rather than larger: their small functions cost more as calls than
# as bodies (firmware/README.md, "Size"). One that stops paying off with
# another Go costs a few hundred bytes at most.
# server/softfloat_test.go compiles with this list too.
INLINE_PKGS := internal/strconv strconv errors bufio io bytes context flag os \
	internal/reflectlite internal/runtime/cgroup internal/bisect \
	unicode os/signal internal/filepathlite internal/fmtsort \
	io/fs hash/crc32 hash/fnv encoding/base64 internal/cpu container/list \
	unique path/filepath internal/oserror internal/byteorder \
	golang.org/x/crypto/md4 github.com/pion/transport/v3 \
	internal/runtime/gc/scan vendor/golang.org/x/net/dns/dnsmessage math/bits \
	math/rand/v2 internal/testlog internal/bytealg sort math crypto \
	github.com/pion/transport/v3/stdnet internal/syscall/unix encoding/hex \
	internal/runtime/syscall/linux github.com/BurntSushi/toml/internal

# Firmware builds trade speed for flash where speed does not matter: not
# inlining the TOML decoder and the rest of the standard library saves
# about 6%. tinysmbd's own packages and the runtime, where requests are
# served, keep their inlining (but not the command, which only starts and
# configures the server), and so do the packages of INLINE_PKGS.
CROSS_GCFLAGS := -gcflags=all=-l -gcflags='github.com/tinysmbd/tinysmbd/...=' -gcflags='runtime=' \
	-gcflags='github.com/tinysmbd/tinysmbd/cmd/...=-l' \
	$(foreach p,$(INLINE_PKGS),-gcflags='$(p)=')

# ALIGN is the ELF segment alignment of firmware builds. The linker's default
# for mips is 64 KiB, which pads the file by up to that much per segment;
# 4 KiB matches the page size of the MIPS and ARM kernels appliances run.
# Build with ALIGN=0x10000 for a kernel configured with 16 or 64 KiB pages.
ALIGN ?= 0x1000


# FUZZTIME is how long each Fuzz target runs in `make fuzz`: a count of
# inputs rather than a duration, because go1.26's fuzzer can fail with
# "context deadline exceeded" when a timed run ends on a loaded machine
# (golang/go#75804). `make fuzz FUZZTIME=10m` for a long run.
FUZZTIME ?= 20000x

# SIZE_LIMIT is what `make size` enforces on the stripped mipsle firmware
# binary, SIZE_TARGET what it aims at: 4 MiB, what a router with 16 MiB of
# flash can spare beside its kernel and root file system. The firmware
# keeps every subsystem (features come before bytes), which is above the
# target for now; make size prints the gap and fails only above the limit.
# Win bytes back by trimming (the per-package table make size prints shows
# where they go), never by leaving a feature out of the default. What stays
# small without effort: nothing calls io.Copy (size fails if something
# does: its io.ReaderFrom and io.WriterTo calls keep every ReadFrom and
# WriteTo method, 86 KB; see vfs/link.go), NTLM's ciphers and the server's
# randomness do not link the FIPS 140 module, INLINE_PKGS are inlined,
# afero's copy lost x/text and STAMP_TAG leaves the build info reader out.
# Lower the limit as the binary shrinks, never raise it.
SIZE_LIMIT := 4456448
SIZE_TARGET := 4194304

# DIST is where make firmware puts the release binaries and SHA256SUMS.
DIST := dist

# FIRMWARE_MOD is the module file of the firmware builds: go.mod with the
# pinned afero replaced by a copy without httpFs.go, the one file that links
# net/http and crypto/tls (about 1.16 MB on mipsle) although tinysmbd never
# uses it, and without NeuterAccents, which links golang.org/x/text's
# tables (10 KB). scripts/firmware-mod.sh generates it and the copy under build/
# from the module cache at build time, so afero's code is never committed;
# it explains the details.
FIRMWARE_MOD := build/firmware.mod

# OPTIONAL_TAGS are the build tags that each leave an optional subsystem out
# (server/profile.go): the NetBIOS name service, the browser announcements,
# IPC$ share listing (pipes, DCE/RPC, RAP), the core commands and LAN
# Manager dialects; and host name resolution of listen addresses
# (cmd/tinysmbd/listen_nodns.go).
OPTIONAL_TAGS := tinysmbd_nonbns tinysmbd_nobrowse tinysmbd_noipc tinysmbd_nocore tinysmbd_nodns

# FIRMWARE_TAGS are the tags of the firmware builds (make firmware, make
# cross, make size, make firmware-test, make idle-rss). The default keeps
# every subsystem a NAS owner uses — the name service, browsing, IPC$ share
# listing, the core commands and LAN Manager dialects — and leaves out only
# net's DNS resolver (tinysmbd_nodns: listen addresses must be IP
# literals), which an appliance does not need. The tags stay for a device
# that wants less: `make cross FIRMWARE_TAGS='tinysmbd_nodns
# tinysmbd_nocore'`.
FIRMWARE_TAGS ?= tinysmbd_nodns

# BENCH selects the benchmarks `make bench` runs (a go test -bench regexp)
# and BENCHTIME how long each one runs.
BENCH     ?= .
BENCHTIME ?= 1s

RUN_NETBT  ?= 127.0.0.1:1139
RUN_DIRECT ?= 127.0.0.1:1445
RUN_PORT   := $(lastword $(subst :, ,$(RUN_DIRECT)))

.PHONY: all build run test vet unit firmware-test race fuzz qemu-test mips-test cross size firmware firmware-check firmware-repro torture bench-lookup bench bench-compare perf-docs idle-rss load torture-fast clean help

all: build

help:
	@echo "make run        build and serve in-memory share 'public' on $(RUN_NETBT) and $(RUN_DIRECT)"
	@echo "make test       vet, unit+interop tests, firmware-test, race, fuzz, qemu-test, cross, size"
	@echo "make build      bin/tinysmbd for this machine"
	@echo "make firmware   release binaries for linux arm/arm64/mips/mipsle/mips64/mips64le, sizes and SHA256SUMS in $(DIST)/"
	@echo "make cross      the same binaries without the checksums (FIRMWARE_TAGS=$(FIRMWARE_TAGS))"
	@echo "make size       fail if $(DIST)/tinysmbd-linux-mipsle is over $(SIZE_LIMIT) bytes; print the gap to $(SIZE_TARGET), xz sizes, a per-package table"
	@echo "make firmware-check  shellcheck, systemd-analyze verify and security, the SysV init script driven, the packaging recipes staged and started, reproducible build"
	@echo "make firmware-repro  build mipsle twice, in this tree and in a copy of it, and compare the bytes"
	@echo "make firmware-test  server tests built with FIRMWARE_TAGS"
	@echo "make fuzz       every Fuzz target for FUZZTIME=$(FUZZTIME)"
	@echo "make qemu-test  every test on big-endian MIPS and ARMv7 under qemu-user (mips-test: alias)"
	@echo "make bench      Go benchmarks (ns/op, B/op, allocs/op) of every package; also in $(BIN)/bench.txt"
	@echo "make bench-compare  tinysmbd beside Samba: smbclient MB/s, writes per response, KiB per idle connection"
	@echo "make perf-docs  bench + bench-compare, then regenerate docs/performance.md and docs/performance.svg"
	@echo "make load       load acceptance: 50 rw clients, 1000 idle, 300 stalled, RSS over a SOAK=$(SOAK) soak"
	@echo "make torture    smbtorture's SMB1 suites against tinysmbd and Samba (SUITES=..., TORTURE_FAST=1)"
	@echo "make torture-fast  the fast suites against tinysmbd, failing below each suite's floor (in make test)"
	@echo "make bench-lookup  smbtorture raw.bench-lookup: lookups/s of a missing name up to 10,000 entries, tinysmbd beside Samba"
	@echo "make idle-rss   resident memory of an idle server (one share, name service on), firmware-style build"
	@echo "make clean      remove bin/"

build:
	$(GO) build -trimpath -ldflags='$(LDFLAGS)' -o $(BIN)/tinysmbd $(PKG)

run: build
	@echo "tinysmbd: NetBT on $(RUN_NETBT), direct on $(RUN_DIRECT), in-memory share 'public' (writable, guest ok)."
	@echo "Connect with:"
	@echo "  smbclient //127.0.0.1/public -p $(RUN_PORT) -N --option='client min protocol=NT1' --option='client max protocol=NT1'"
	@echo "Note: smbclient sends a NetBT session request only when the port is 139, so -p 1139 does not"
	@echo "exercise the NetBT listener; for that, run as root with -netbt 127.0.0.1:139 and use -p 139."
	@echo "Status and reload: $(BIN)/tinysmbd status -socket $(BIN)/control.sock"
	@echo
	exec $(BIN)/tinysmbd -netbt $(RUN_NETBT) -direct $(RUN_DIRECT) -control-socket $(CURDIR)/$(BIN)/control.sock -share public=mem:,guest -v

# test runs its steps in this order; .NOTPARALLEL keeps it so under make -j.
test: vet unit firmware-test race fuzz torture-fast qemu-test firmware firmware-check
	@echo "make test: all steps passed"

# vet's gofmt check skips build/, where scripts/firmware-mod.sh writes its
# edited copy of afero, which is not ours to format.
vet:
	@unformatted=$$(gofmt -l $$(find . -path ./build -prune -o -name '*.go' -print)); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags '$(OPTIONAL_TAGS) $(STAMP_TAG)' ./...

# unit includes the interop tests in server/: they run real clients and skip
# when one is missing, unless TINYSMBD_REQUIRE_PEERS=1.
unit:
	$(GO) test ./...

# firmware-test runs the server tests the firmware build keeps, built with
# its tags: the stubs of what it leaves out, and everything else. The tests
# of the subsystems left out carry the opposite build constraint.
firmware-test:
	$(GO) test -tags '$(FIRMWARE_TAGS) $(STAMP_TAG)' ./server/... ./cmd/...

race:
	$(GO) test -race ./server/...

fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) ./scripts/fuzz-all.sh

# qemu-test runs every package's tests, interop included, on big-endian MIPS
# and on ARMv7 under qemu user-mode emulation (scripts/qemu-test.sh). MIPS
# catches byte-order mistakes (SMB is little-endian, NetBT big-endian), both
# catch 32-bit and alignment ones.
qemu-test:
	GO=$(GO) ./scripts/qemu-test.sh mips
	GO=$(GO) ./scripts/qemu-test.sh arm

mips-test: qemu-test

# bench runs every benchmark with -benchmem: the parsers, the READ_ANDX and
# WRITE_ANDX round trips and the batching writer (writes/resp) in server/.
bench:
	@mkdir -p $(BIN)
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchtime=$(BENCHTIME) -benchmem ./... | tee $(BIN)/bench.txt

# bench-compare starts Samba (SAMBA_BASELINE) and tinysmbd and
# measures both alike; scripts/bench-compare.sh lists its settings (ROUNDS,
# SIZE_MIB, ports...), which pass through the environment.
bench-compare: build
	GO=$(GO) TINYSMBD=$(BIN)/tinysmbd ./scripts/bench-compare.sh

# perf-docs regenerates docs/performance.md and its chart from a fresh run of
# make bench and make bench-compare: the one command behind the page.
# The comparison and the report run in one recipe line: make has been seen
# to lose track of its child ("wait: No child processes") once Samba's
# daemons are stopped, which would skip a separate report step.
perf-docs: bench build
	GO=$(GO) TINYSMBD=$(BIN)/tinysmbd ./scripts/bench-compare.sh && \
	$(GO) run ./scripts/benchreport -samples $(BIN)/bench-compare.tsv -gobench $(BIN)/bench.txt \
		-md docs/performance.md -svg docs/performance.svg

# SOAK is how long `make load` soaks the server (seconds with an "s"); the
# acceptance run is 600s, SOAK=60s a quick one.
SOAK ?= 600s

# load runs the load acceptance (scripts/load.sh lists its settings:
# CLIENTS, IDLE, STALL, PROBES, INTERVAL, PORT...); docs/load.md records a
# run. Too long for `make test`, which runs a smoke of the load client.
load:
	GO=$(GO) SOAK=$(SOAK) ./scripts/load.sh

FIRMWARE_ARCHS := armv5 armv7 arm64 mips mipsle mips64 mips64le
CROSS := $(addprefix cross-,$(FIRMWARE_ARCHS))
.PHONY: $(CROSS)

cross-armv5:  XENV := GOARCH=arm GOARM=5
cross-armv7:  XENV := GOARCH=arm GOARM=7
cross-arm64:  XENV := GOARCH=arm64
cross-mips:   XENV := GOARCH=mips GOMIPS=softfloat
cross-mipsle: XENV := GOARCH=mipsle GOMIPS=softfloat
cross-mips64: XENV := GOARCH=mips64
cross-mips64le: XENV := GOARCH=mips64le

cross: $(CROSS)

# FIRMWARE_BUILD is the firmware build command, static, stripped and
# reproducible: -trimpath and -buildvcs=false keep paths and the checkout's
# state out, -buildid= (CROSS_LDFLAGS) a fixed build id, VERSION names it.
FIRMWARE_BUILD = CGO_ENABLED=0 GOOS=linux $(XENV) $(GO) build -modfile=$(FIRMWARE_MOD) -trimpath -buildvcs=false $(CROSS_GCFLAGS) -ldflags='$(CROSS_LDFLAGS)'

$(FIRMWARE_MOD): go.mod go.sum scripts/firmware-mod.sh
	GO=$(GO) ./scripts/firmware-mod.sh

$(CROSS): cross-%: $(FIRMWARE_MOD)
	$(FIRMWARE_BUILD) -tags '$(FIRMWARE_TAGS) $(STAMP_TAG)' -o $(DIST)/tinysmbd-linux-$* $(PKG)

# size checks the firmware build against SIZE_LIMIT, prints how far it is
# from SIZE_TARGET, and, for information, the size of the build with every
# optional tag, each binary's size compressed with xz (as squashfs stores
# it), and what each package costs (scripts/size-table.sh, from an
# unstripped twin of the firmware binary). It also fails when a subsystem
# FIRMWARE_TAGS keeps is missing from the binary, or when io.Copy is
# linked: the function names a stripped binary keeps (.gopclntab) show
# both.
size: XENV := GOARCH=mipsle GOMIPS=softfloat
size: cross-mipsle
	@$(FIRMWARE_BUILD) -tags '$(OPTIONAL_TAGS) $(STAMP_TAG)' -o build/tinysmbd-linux-mipsle-min $(PKG)
	@CGO_ENABLED=0 GOOS=linux $(XENV) $(GO) build -modfile=$(FIRMWARE_MOD) -trimpath -buildvcs=false $(CROSS_GCFLAGS) \
		-ldflags='-buildid= -R $(ALIGN) -X main.version=$(VERSION)' -tags '$(FIRMWARE_TAGS) $(STAMP_TAG)' \
		-o build/tinysmbd-linux-mipsle-syms $(PKG)
	@echo "Largest packages of the firmware binary (symbol bytes, unstripped twin):"
	@GO=$(GO) ./scripts/size-table.sh build/tinysmbd-linux-mipsle-syms 20
	@for f in build/tinysmbd-linux-mipsle-min:"tags: $(OPTIONAL_TAGS), informational" \
		$(DIST)/tinysmbd-linux-mipsle:"firmware, tags: $(or $(FIRMWARE_TAGS),none)"; do \
		n=$$(wc -c < "$${f%%:*}"); \
		xz=$$(if command -v xz >/dev/null; then xz -9 -c "$${f%%:*}" | wc -c; else echo "? (no xz)"; fi); \
		echo "$${f%%:*} ($${f#*:}): $$n bytes, $$(( n * 100 / $(SIZE_TARGET) ))% of the $(SIZE_TARGET)-byte target; xz -9: $$xz bytes"; \
	done
	@for m in tinysmbd_nonbns:'netbios.(*nameService)':"the NetBIOS name service" \
		tinysmbd_nobrowse:'smb/browser.AppendHostAnnouncement':"browsing" \
		tinysmbd_noipc:'smb/dcerpc.(*Pipe).Read':"IPC\$$ share listing" \
		tinysmbd_nocore:'server.(*conn).coreOpen':"the core commands"; do \
		tag=$${m%%:*}; rest=$${m#*:}; fn=$${rest%%:*}; what=$${rest#*:}; \
		case " $(FIRMWARE_TAGS) " in *" $$tag "*) continue ;; esac; \
		if ! grep -aqF "$$fn" $(DIST)/tinysmbd-linux-mipsle; then \
			echo "FAIL: size: the firmware binary lacks $$what ($$fn), which FIRMWARE_TAGS keeps" >&2; exit 1; \
		fi; \
	done
	@if grep -aq 'io\.copyBuffer' $(DIST)/tinysmbd-linux-mipsle; then \
		echo "FAIL: size: io.Copy is linked: its io.ReaderFrom and io.WriterTo calls keep every ReadFrom and WriteTo method of the binary (86 KB); copy as vfs/link.go's copyData does" >&2; exit 1; \
	fi
	@size=$$(wc -c < $(DIST)/tinysmbd-linux-mipsle); \
	if [ "$$size" -gt $(SIZE_TARGET) ]; then \
		echo "size: the firmware binary is $$(( size - $(SIZE_TARGET) )) bytes above the $(SIZE_TARGET)-byte target"; \
	else \
		echo "size: the firmware binary is $$(( $(SIZE_TARGET) - size )) bytes under the $(SIZE_TARGET)-byte target"; \
	fi; \
	if [ "$$size" -gt $(SIZE_LIMIT) ]; then \
		echo "FAIL: size: stripped mipsle binary exceeds $(SIZE_LIMIT) bytes by $$(( size - $(SIZE_LIMIT) ))" >&2; exit 1; \
	fi

# firmware is the release: every firmware binary, the size check, and
# SHA256SUMS over the binaries (check on the device with sha256sum -c).
firmware: cross size
	@cd $(DIST) && sha256sum $(addprefix tinysmbd-linux-,$(FIRMWARE_ARCHS)) > SHA256SUMS
	@echo "$(DIST)/ (version $(VERSION), tags: $(or $(FIRMWARE_TAGS),none)):"
	@cd $(DIST) && for a in $(FIRMWARE_ARCHS); do printf '  %-24s %9d bytes\n' tinysmbd-linux-$$a "$$(wc -c < tinysmbd-linux-$$a)"; done
	@cat $(DIST)/SHA256SUMS

# firmware-repro proves the firmware build reproducible: mipsle built here
# and in a copy of the tree at another path must be the same bytes.
firmware-repro:
	GO=$(GO) VERSION=$(VERSION) FIRMWARE_TAGS='$(FIRMWARE_TAGS)' ./scripts/firmware-repro.sh

# firmware-check tests what firmware/ ships: shellcheck over every shell
# script, systemd-analyze verify and security of the unit, the SysV init
# script driven through start, status, restart and stop against the real
# binary, the OpenWrt and Buildroot recipes installed into staging roots and
# their services started there (scripts/package-check.sh), and
# firmware-repro. A missing tool skips its check unless
# TINYSMBD_REQUIRE_PEERS=1.
firmware-check: build firmware-repro
	GO=$(GO) TINYSMBD=$(BIN)/tinysmbd ./scripts/firmware-check.sh

# torture prints the conformance table: subtests smbtorture passes per suite, for
# tinysmbd and for Samba in the same run. SUITES="raw.read raw.seek" picks
# suites, TORTURE_FAST=1 the quick subset, TORTURE_STRICT=1 fails when
# tinysmbd is behind Samba 4.17; see scripts/torture.sh.
torture:
	GO=$(GO) ./scripts/torture.sh

# torture-fast is the regression check make test runs: the fast suites
# against tinysmbd alone, failing when one passes fewer subtests than its
# floor in scripts/torture.sh.
torture-fast: build
	@if command -v smbtorture >/dev/null 2>&1; then \
		GO=$(GO) TORTURE_FAST=1 TORTURE_SAMBA=0 TORTURE_FLOOR=1 ./scripts/torture.sh; \
	elif [ "$${TINYSMBD_REQUIRE_PEERS:-}" = 1 ]; then \
		echo "FAIL: torture-fast: smbtorture not found (apt-get install samba-testsuite) and TINYSMBD_REQUIRE_PEERS=1" >&2; \
		exit 1; \
	else \
		echo "SKIP: torture-fast: smbtorture not found (apt-get install samba-testsuite); set TINYSMBD_REQUIRE_PEERS=1 to fail instead"; \
	fi

# bench-lookup runs smbtorture raw.bench-lookup against tinysmbd and Samba
# and prints both lookup rates up to 10,000 directory entries and their
# ratio (the target: at least 5x Samba); see scripts/bench-lookup.sh.
bench-lookup:
	GO=$(GO) ./scripts/bench-lookup.sh

# idle-rss measures the resident memory of a firmware-style build for this
# machine (static, stripped, CROSS_GCFLAGS) with RSS_TAGS, by default the
# firmware's; the budget is 8 MiB with one share and the name service.
RSS_TAGS ?= $(FIRMWARE_TAGS)
idle-rss:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -tags '$(RSS_TAGS) $(STAMP_TAG)' $(CROSS_GCFLAGS) -ldflags='$(CROSS_LDFLAGS)' -o $(BIN)/tinysmbd-rss $(PKG)
	GO=$(GO) TINYSMBD=$(BIN)/tinysmbd-rss ./scripts/idle-rss.sh

clean:
	rm -rf $(BIN) $(DIST) build
