// Package testpeer is what the tests of server, server/netbios and
// cmd/tinysmbd share to drive real clients: the skip-or-fail rule for a
// missing client, re-running a test inside a private network namespace
// (under the user-mode emulator of make qemu-test too), a goroutine-safe
// buffer for logs and child output, and tshark's dissection split into
// frames. Each package keeps its own table of the peers it needs. Only
// tests import it, so it never reaches the server binary.
package testpeer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// EnvRequirePeers makes a missing client a failure instead of a skip
	// (CI sets it).
	EnvRequirePeers = "TINYSMBD_REQUIRE_PEERS"
	// EnvInNamespace marks a test binary that RunInNamespace re-executed,
	// so that a test that still cannot do what it needs there fails
	// instead of re-executing again.
	EnvInNamespace = "TINYSMBD_TEST_IN_NETNS"
	// EnvTestEmulator names the user-mode emulator that runs the test
	// binary when it was built for another architecture (make qemu-test
	// sets it to qemu-mips-static or qemu-arm-static, next to go test
	// -exec): a test that re-executes the binary must go through it too,
	// as no binfmt handler is assumed.
	EnvTestEmulator = "TINYSMBD_TEST_EMULATOR"
)

// SkipOrFatal skips the test, or fails it when TINYSMBD_REQUIRE_PEERS=1.
func SkipOrFatal(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequirePeers) == "1" {
		t.Fatalf(format+" (and "+EnvRequirePeers+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// SyncBuffer is a bytes.Buffer safe for a logger or a child's output and
// the test reading it at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Tail returns the last n bytes of s, cut at a line start.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "[...]\n" + s
}

// SelfCommand is the command line that runs this test binary again: the
// binary, behind the emulator when there is one.
func SelfCommand() []string {
	if emu := os.Getenv(EnvTestEmulator); emu != "" {
		return []string{emu, os.Args[0]}
	}
	return []string{os.Args[0]}
}

// RunSelf runs name with args — unshare re-executing this test binary in
// another namespace — with env added to the environment, and returns its
// combined output, within timeout. The command gets a process group of its
// own, and that whole group is killed when the time is up and again once
// the command has exited: a process left behind would otherwise hold the
// output pipe open and the wait would never end. Under qemu-user 7.2 (the
// emulator of make qemu-test) a Go program's fork and exec has been seen to
// hang now and then (golang/go#67355, #68976), leaving such a child.
//
// Under an emulator, a run that had to be killed is tried once more, with
// the same time, and a log line: the emulator's hang is not the code's, the
// second run's result is. Natively a hang is a failure like any other.
func RunSelf(t testing.TB, timeout time.Duration, env, name string, args ...string) (string, error) {
	t.Helper()
	out, hung, err := runSelfOnce(timeout, env, name, args)
	if hung && os.Getenv(EnvTestEmulator) != "" {
		t.Logf("the run under %s hung and was killed (%v); output so far:\n%s\ntrying once more",
			os.Getenv(EnvTestEmulator), err, out)
		out, _, err = runSelfOnce(timeout, env, name, args)
	}
	return out, err
}

// runSelfOnce runs the command once, in its own process group; hung
// reports that the time ran out or that something the command left behind
// kept its output open.
func runSelfOnce(timeout time.Duration, env, name string, args []string) (out string, hung bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return "", false, err
	}
	err = cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever is left of the group
	hung = ctx.Err() != nil || errors.Is(err, exec.ErrWaitDelay)
	return buf.String(), hung, err
}

// RunInNamespace re-executes the test binary, running only t, inside a new
// network namespace (and a user namespace when not root, which maps us to
// root there) with its loopback up, within timeout, and makes that run's
// result t's result. unshare and ip are the paths of those programs, found
// with the caller's own peer lookup. t must be a top-level test.
func RunInNamespace(t *testing.T, why string, timeout time.Duration, unshare string) {
	t.Helper()
	if os.Getenv(EnvInNamespace) != "" {
		t.Fatalf("already inside a private network namespace, and still %s", why)
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("RunInNamespace must be called from a top-level test, not %s", t.Name())
	}
	t.Logf("%s; re-running %s in a private network namespace", why, t.Name())

	flags := "-rn" // a user namespace lets an unprivileged user own the netns
	if os.Geteuid() == 0 {
		flags = "-n"
	}
	args := append([]string{flags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`}, SelfCommand()...)
	args = append(args, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	if testing.Short() {
		args = append(args, "-test.short")
	}
	text, err := RunSelf(t, timeout, EnvInNamespace+"=1", unshare, args...)
	name := regexp.QuoteMeta(t.Name())
	switch {
	case regexp.MustCompile(`(?m)^--- PASS: `+name+` `).MatchString(text) && err == nil:
		t.Logf("inside the namespace:\n%s", text)
	case regexp.MustCompile(`(?m)^--- SKIP: `+name+` `).MatchString(text) && err == nil:
		t.Logf("inside the namespace:\n%s", text)
		t.Skipf("skipped inside the namespace (see log)")
	case !strings.Contains(text, "=== RUN"):
		SkipOrFatal(t, "cannot run the test in a private user+network namespace (unshare %s: %v): %s",
			flags, err, strings.TrimSpace(text))
	default:
		t.Fatalf("failed inside the private network namespace (%v):\n%s", err, text)
	}
}

// FrameNumber returns N from the "Frame N:" line that starts frame.
func FrameNumber(frame string) string {
	if m := regexp.MustCompile(`^Frame (\d+):`).FindStringSubmatch(frame); m != nil {
		return m[1]
	}
	return "?"
}

// SplitFrames cuts tshark's -O output at each "Frame N:" line.
func SplitFrames(text string) []string {
	idx := regexp.MustCompile(`(?m)^Frame \d+:`).FindAllStringIndex(text, -1)
	var frames []string
	for i, loc := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		frames = append(frames, text[loc[0]:end])
	}
	if len(frames) == 0 {
		frames = []string{text}
	}
	return frames
}
