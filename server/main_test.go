package server_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// envTestEmulator names the user-mode emulator that runs this test binary
// when it was built for another architecture (make qemu-test sets it to
// qemu-mips-static or qemu-arm-static, next to go test -exec): a test that
// re-executes the binary must go through it too, as no binfmt handler is
// assumed.
const envTestEmulator = "TINYSMBD_TEST_EMULATOR"

// selfCommand is the command line that runs this test binary again: the
// binary, behind the emulator when there is one.
func selfCommand() []string {
	if emu := os.Getenv(envTestEmulator); emu != "" {
		return []string{emu, os.Args[0]}
	}
	return []string{os.Args[0]}
}

// helperProcesses maps an environment variable to what the test binary does
// instead of running tests when a test re-executes it with that variable
// set (the os/exec helper-process pattern): a peer host in another network
// namespace, for instance.
var helperProcesses = map[string]func() int{}

func TestMain(m *testing.M) {
	for env, run := range helperProcesses {
		if os.Getenv(env) != "" {
			os.Exit(run())
		}
	}
	os.Exit(m.Run())
}

// runSelf runs cmd, which re-executes this test binary (behind unshare, in
// another namespace), and returns its combined output. The command gets a
// process group of its own, and that whole group is killed when ctx ends and
// again once cmd has exited: a process left behind would otherwise hold the
// output pipe open and the wait would never end. Under qemu-user 7.2 (the
// emulator of make qemu-test) a Go program's fork and exec has been seen to
// hang now and then (golang/go#67355, #68976), leaving such a child.
//
// Under an emulator, a run that had to be killed is tried once more, with a
// log line: the emulator's hang is not the code's, the second run's result
// is. Natively a hang is a failure like any other.
func runSelf(t *testing.T, ctx context.Context, newCmd func(context.Context) *exec.Cmd) (string, error) {
	t.Helper()
	out, hung, err := runSelfOnce(ctx, newCmd(ctx))
	if hung && os.Getenv(envTestEmulator) != "" {
		t.Logf("the run under %s hung and was killed (%v); output so far:\n%s\ntrying once more",
			os.Getenv(envTestEmulator), err, out)
		retryCtx, cancel := context.WithTimeout(context.Background(), 3*peerTimeout)
		defer cancel()
		out, _, err = runSelfOnce(retryCtx, newCmd(retryCtx))
	}
	return out, err
}

// runSelfOnce runs cmd in its own process group; hung reports that ctx
// ended first or that something the command left behind kept its output
// open.
func runSelfOnce(ctx context.Context, cmd *exec.Cmd) (out string, hung bool, err error) {
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
