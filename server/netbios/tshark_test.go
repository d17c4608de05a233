package netbios_test

// tshark as a wire-format referee: a capture to a file, and the frames of
// its dissection.

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

// tsharkRun is tshark running until stop or the end of the test, in a
// process group of its own: it captures through a dumpcap child that
// inherits its output pipes, so killing tshark alone would leave Wait
// blocked on them; the group is killed as a whole, and WaitDelay bounds the
// wait for the pipes regardless.
type tsharkRun struct {
	cmd            *exec.Cmd
	stdout, stderr *testpeer.SyncBuffer
	done           chan error
}

// startTshark starts tshark with args and returns once ready reports that
// it captures, calling poke before each look (to send a probe, say).
func startTshark(t *testing.T, tshark string, ready func(r *tsharkRun) bool, poke func(), args ...string) *tsharkRun {
	t.Helper()
	r := &tsharkRun{stdout: new(testpeer.SyncBuffer), stderr: new(testpeer.SyncBuffer), done: make(chan error, 1)}
	r.cmd = exec.Command(tshark, args...)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r.cmd.WaitDelay = 2 * time.Second
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start tshark: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		err := r.cmd.Wait()
		close(exited)
		r.done <- err
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for !ready(r) {
		if poke != nil {
			poke()
		}
		select {
		case err := <-r.done:
			t.Fatalf("tshark exited before capturing (%v):\n%s", err, r.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("tshark not capturing after 15s:\n%s", r.stderr.String())
		}
	}
	return r
}

// startCapture runs tshark writing packets matching filter on lo to pcap,
// and returns once tshark says it is capturing.
func startCapture(t *testing.T, tshark, filter, pcap string) *tsharkRun {
	t.Helper()
	r := startTshark(t, tshark, func(r *tsharkRun) bool { return strings.Contains(r.stderr.String(), "Capturing on") }, nil,
		"-i", "lo", "-f", filter, "-w", pcap)
	// "Capturing on" is printed before dumpcap's filter is attached: on a
	// loaded machine (or under qemu) the first packets of the session were
	// missed. A second of grace costs little beside a dissection test.
	time.Sleep(time.Second)
	return r
}

// stop lets the last packets reach tshark, then stops it with SIGINT so it
// finishes its output, and returns what it printed.
func (r *tsharkRun) stop(t *testing.T) string {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	r.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.done
		t.Fatalf("tshark did not stop on SIGINT:\n%s", r.stderr.String())
	}
	t.Logf("tshark: %s", strings.TrimSpace(r.stderr.String()))
	return r.stdout.String()
}
