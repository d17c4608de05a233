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

// runSelf runs name with args — unshare re-executing this test binary in
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
func runSelf(t *testing.T, timeout time.Duration, env, name string, args ...string) (string, error) {
	t.Helper()
	out, hung, err := runSelfOnce(timeout, env, name, args)
	if hung && os.Getenv(envTestEmulator) != "" {
		t.Logf("the run under %s hung and was killed (%v); output so far:\n%s\ntrying once more",
			os.Getenv(envTestEmulator), err, out)
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
