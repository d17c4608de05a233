package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestRunStopsWithContext serves a client through Run, cancels the context
// and checks that Run returns nil, the client's connection is closed and no
// goroutine is left (pion's leak check).
func TestRunStopsWithContext(t *testing.T) {
	defer test.CheckRoutines(t)()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // Run listens itself; the port was free a moment ago

	cfg := segConfig()
	cfg.DirectListen = addr
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx, 5*time.Second) }()

	var c net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(negotiateRequest(1))
	expectReply(t, c, cmdNegotiate, 1)

	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run returned %v after its context ended, want nil", err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the client's connection is still open after Run returned")
	}
}
