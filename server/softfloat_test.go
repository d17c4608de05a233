package server_test

// No floating point on the request path: a MIPS router without an FPU runs
// GOMIPS=softfloat binaries, where every float operation is a call into the
// runtime's software emulation (runtime/softfloat64.go), tens of
// instructions each. This test compiles the firmware binary for
// GOARCH=mips GOMIPS=softfloat with the compiler's assembly listing (-S) for
// tinysmbd's packages and fails if a function in netbt, smb, vfs or server
// (or their subpackages) calls one of those routines, directly or through
// inlined code, or calls a standard-library function that computes in
// float (time.Duration.Seconds and the like). go tool objdump cannot
// disassemble MIPS, so the listing comes from the compiler; it names every
// call the function makes, after inlining.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

// softfloatCall matches the runtime's software floating-point routines
// (runtime/softfloat64.go) and the standard-library functions that compute
// in float which tinysmbd might be tempted to call.
var softfloatCall = regexp.MustCompile(`^(runtime\.(f(add|sub|mul|div|neg|cmp|eq|gt|ge)(32|64)|` +
	`f(32|64)to(32|64|int|int32|int64|uint64)|f(int|int32|int64|uint64)to(32|64)|f(un)?pack(32|64))|` +
	`math\.[A-Z]\w*|strconv\.(FormatFloat|AppendFloat|ParseFloat)|` +
	`time\.Duration\.(Seconds|Minutes|Hours))$`)

// requestPathPackage matches the functions that may run while a request
// is served: everything in tinysmbd except the command, the generator and
// the benchmark client.
var requestPathPackage = regexp.MustCompile(`^github\.com/tinysmbd/tinysmbd/(netbt|smb|vfs|server)([./(]|$)`)

// floatAllowed lists functions that may use floating point because they
// provably do not run while a request is served, each with the reason.
// An entry that no longer calls a softfloat routine fails the test, so the
// list cannot rot.
var floatAllowed = map[string]string{}

// softfloatCalls reads a compiler -S listing and returns, for each
// function matched by pkg, the softfloat routines it calls.
func softfloatCalls(r io.Reader, pkg *regexp.Regexp) (map[string][]string, error) {
	hits := make(map[string][]string)
	fn := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if line[0] != '\t' && line[0] != ' ' && line[0] != '#' {
			// "pkg.Func STEXT size=... args=..." starts a function;
			// other symbols (data, type descriptors) end it.
			f := strings.Fields(line)
			fn = ""
			if len(f) >= 2 && f[1] == "STEXT" && pkg.MatchString(f[0]) {
				fn = f[0]
			}
			continue
		}
		if fn == "" {
			continue
		}
		// "\t0x0050 00080 (file.go:5)\tCALL\truntime.fmul64(SB)"
		_, after, ok := strings.Cut(line, "\tCALL\t")
		if !ok {
			continue
		}
		callee := strings.TrimSuffix(strings.TrimSpace(after), "(SB)")
		if softfloatCall.MatchString(callee) {
			hits[fn] = append(hits[fn], callee)
		}
	}
	return hits, sc.Err()
}

// compileListing builds pkgs in dir for softfloat MIPS with -S for the
// packages matching gcPattern and returns the listing.
func compileListing(t *testing.T, dir, gcPattern string, pkgs ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		testpeer.SkipOrFatal(t, "the go command is not on PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The firmware build's flags (Makefile CROSS_GCFLAGS): the standard
	// library is not inlined, tinysmbd's packages, the runtime and
	// INLINE_PKGS are.
	args := []string{"build", "-o", os.DevNull, "-trimpath",
		"-gcflags=all=-l", "-gcflags=" + gcPattern + "=-S", "-gcflags=runtime="}
	for _, p := range inlinePkgs(t) {
		args = append(args, "-gcflags="+p+"=")
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=mips", "GOMIPS=softfloat", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, testpeer.Tail(string(out), 4096))
	}
	return string(out)
}

// inlinePkgs returns the Makefile's INLINE_PKGS, the dependencies that
// firmware builds inline.
func inlinePkgs(t *testing.T) []string {
	t.Helper()
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(mk), "\nINLINE_PKGS := ")
	if !ok {
		t.Fatal("Makefile: no INLINE_PKGS")
	}
	var pkgs []string
	for line := range strings.Lines(rest) {
		line, more := strings.CutSuffix(strings.TrimSpace(line), "\\")
		pkgs = append(pkgs, strings.Fields(line)...)
		if !more {
			break
		}
	}
	return pkgs
}

func TestNoSoftfloatOnRequestPath(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the firmware binary for MIPS; skipped with -short")
	}
	// The scanner must see float operations where there are some: a probe
	// package multiplies floats and converts a Duration to seconds.
	probe := t.TempDir()
	files := map[string]string{
		"go.mod": "module github.com/tinysmbd/tinysmbd\n\ngo 1.26\n",
		"server/probe.go": "package server\n\nimport \"time\"\n\n" +
			"func Scale(n int) int { return int(float64(n) * 1.5) }\n" +
			"func Secs(d time.Duration) float64 { return d.Seconds() }\n" +
			"func Plain(n int) int { return n * 3 / 2 }\n",
	}
	for name, text := range files {
		p := filepath.Join(probe, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := softfloatCalls(strings.NewReader(compileListing(t, probe, "github.com/tinysmbd/tinysmbd/...", "./server")), requestPathPackage)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits["github.com/tinysmbd/tinysmbd/server.Scale"]) == 0 || len(hits["github.com/tinysmbd/tinysmbd/server.Secs"]) == 0 ||
		len(hits["github.com/tinysmbd/tinysmbd/server.Plain"]) != 0 {
		t.Fatalf("the check does not work: on the probe package it found %v; want Scale and Secs, not Plain", hits)
	}

	listing := compileListing(t, "..", "github.com/tinysmbd/tinysmbd/...", "./cmd/tinysmbd")
	hits, err = softfloatCalls(strings.NewReader(listing), requestPathPackage)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listing, "github.com/tinysmbd/tinysmbd/server.(*conn).readAndX STEXT") {
		t.Fatal("the listing lacks server.(*conn).readAndX: the build did not list tinysmbd's packages")
	}
	var bad []string
	for fn, calls := range hits {
		if _, ok := floatAllowed[fn]; !ok {
			bad = append(bad, fmt.Sprintf("%s calls %s", fn, strings.Join(calls, ", ")))
		}
	}
	for fn, why := range floatAllowed {
		if len(hits[fn]) == 0 {
			bad = append(bad, fmt.Sprintf("floatAllowed lists %s (%s), which no longer uses floating point: remove it", fn, why))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("floating point on the request path (softfloat MIPS emulates every operation):\n%s", strings.Join(bad, "\n"))
	}
}
