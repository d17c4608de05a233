package server_test

import (
	"net"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"
)

// TestShutdownLeavesNoGoroutines serves a finished client, a client that
// sends garbage and an idle one, then shuts down: every reader, writer and
// accept loop must be gone afterwards (pion's goroutine-leak check).
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	defer test.CheckRoutines(t)()

	addr, shutdown := serveUntilShutdown(t, segConfig())
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}

	done := dial()
	done.Write(negotiateRequest(1))
	expectReply(t, done, cmdNegotiate, 1)
	done.Write(echoRequest(2, []byte("bye")))
	expectReply(t, done, cmdEcho, 2)
	done.Close()

	garbage := dial()
	garbage.Write([]byte{0x47, 0x45, 0x54, 0x20, 0x2f, 0x20}) // "GET / "
	if _, err := garbage.Read(make([]byte, 1)); err == nil {
		t.Error("server kept a connection that sent garbage open")
	}
	garbage.Close()

	idle := dial()
	defer idle.Close()
	idle.Write(negotiateRequest(1))
	expectReply(t, idle, cmdNegotiate, 1)

	shutdown()
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Error("idle connection still open after Shutdown")
	}
}
