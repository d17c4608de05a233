package server_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"

	"github.com/tinysmbd/tinysmbd/server"
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

// serveUntilShutdown serves cfg on a loopback listener with NetBT framing
// and returns its address and a function that shuts the server down and
// checks that Serve returned ErrServerClosed. Leak tests call it inside
// test.CheckRoutines, so nothing here may outlive shutdown.
func serveUntilShutdown(t *testing.T, cfg server.Config) (addr string, shutdown func()) {
	t.Helper()
	srv, addr, served := serveLoopback(t, cfg)
	return addr, shutdownFunc(t, srv, served)
}

// shutdownFunc returns a func that shuts srv down and checks what its Serve,
// whose result arrives on served, returned.
func shutdownFunc(t *testing.T, srv *server.Server, served <-chan error) func() {
	return func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, server.ErrServerClosed) {
			t.Fatalf("Serve returned %v, want ErrServerClosed", err)
		}
	}
}

// serveLoopback serves cfg on a loopback listener with NetBT framing and
// returns the server, its address and where Serve's result arrives; the
// caller shuts it down.
func serveLoopback(t *testing.T, cfg server.Config) (*server.Server, string, <-chan error) {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, served := serveServer(t, srv)
	return srv, addr, served
}

// serveServer serves srv on a loopback listener with NetBT framing and
// returns its address and where Serve's result arrives.
func serveServer(t *testing.T, srv *server.Server) (string, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l, server.FramingNetBT) }()
	return l.Addr().String(), served
}
