package main

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notifyListener is the service manager's end of $NOTIFY_SOCKET.
func notifyListener(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nextNotify reads one sd_notify datagram.
func nextNotify(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	b := make([]byte, 512)
	n, err := c.Read(b)
	if err != nil {
		t.Fatalf("waiting for a notification: %v", err)
	}
	return string(b[:n])
}

func TestSdNotify(t *testing.T) {
	dir := t.TempDir()
	c := notifyListener(t, filepath.Join(dir, "notify"))
	t.Setenv("NOTIFY_SOCKET", filepath.Join(dir, "notify"))
	if err := sdNotify("READY=1"); err != nil {
		t.Fatal(err)
	}
	if got := nextNotify(t, c); got != "READY=1" {
		t.Fatalf("got %q, want READY=1", got)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if err := sdNotify("READY=1"); err != nil {
		t.Fatalf("without NOTIFY_SOCKET: %v, want nothing done", err)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(dir, "absent"))
	if err := sdNotify("READY=1"); err == nil {
		t.Fatal("a NOTIFY_SOCKET nobody listens on: no error")
	}
}

// TestInteropSystemdNotify runs the binary as systemd's Type=notify would:
// READY=1 once the listeners accept connections, RELOADING=1 and READY=1
// around a SIGHUP reload (ExecReload=), STOPPING=1 when SIGTERM arrives.
func TestInteropSystemdNotify(t *testing.T) {
	f := newOpsFixture(t)
	notifyPath := filepath.Join(f.dir, "notify")
	c := notifyListener(t, notifyPath)
	f.env = []string{"NOTIFY_SOCKET=" + notifyPath}
	f.writeConfig("share", mkShareDir(t, filepath.Join(f.dir, "share"), ""))
	f.start()
	if got := nextNotify(t, c); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(f.port))
	if err != nil {
		t.Fatalf("after READY=1 the listener refuses: %v", err)
	}
	conn.Close()

	// status names the process, so the wrong server on a shared socket
	// is visible.
	st := decodeStatusJSON(t, []byte(f.control("status", "-json")))
	if st.PID != f.proc.Process.Pid || st.Config != f.conf || st.Listen["direct"] != "127.0.0.1:"+strconv.Itoa(f.port) {
		t.Fatalf("status -json: pid %d config %q listen %v; want pid %d config %q direct port %d",
			st.PID, st.Config, st.Listen, f.proc.Process.Pid, f.conf, f.port)
	}
	if text := f.control("status"); !strings.Contains(text, "pid "+strconv.Itoa(f.proc.Process.Pid)+", ") {
		t.Fatalf("status does not name the server's pid:\n%s", text)
	}

	f.proc.Process.Signal(syscall.SIGHUP)
	if got := nextNotify(t, c); got != "RELOADING=1" {
		t.Fatalf("after SIGHUP %q, want RELOADING=1", got)
	}
	if got := nextNotify(t, c); got != "READY=1" {
		t.Fatalf("after the reload %q, want READY=1", got)
	}

	f.proc.Process.Signal(syscall.SIGTERM)
	if got := nextNotify(t, c); got != "STOPPING=1" {
		t.Fatalf("after SIGTERM %q, want STOPPING=1", got)
	}
	// Let the graceful stop finish before the fixture's cleanup signals
	// again (a second SIGTERM stops at once), and hand it the result.
	err = <-f.waitErr
	f.waitErr <- err
}
