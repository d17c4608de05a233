package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// serve runs tinysmbd in-process with a guest share "load" over memory.
// Every client comes from 127.0.0.1, so, as in scripts/load.sh, the caps on
// connections not logged on yet are lifted: the stall mode's probes are
// to be served beside the stalled connections.
func serve(t *testing.T) string {
	t.Helper()
	srv, err := server.New(server.Config{
		Shares:                    []server.Share{{Name: "load", Fs: afero.NewMemMapFs(), GuestOK: true}},
		Logger:                    slog.New(slog.DiscardHandler),
		MaxPendingLogons:          -1,
		MaxPendingLogonsPerClient: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l, server.FramingDirect)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return l.Addr().String()
}

// TestSmoke runs each mode briefly against tinysmbd: the quick form of
// scripts/load.sh that `make test` can afford.
func TestSmoke(t *testing.T) {
	addr := serve(t)
	r, err := readWrite(addr, "load", 4, 2, 200_000)
	if err != nil {
		t.Fatalf("rw: %v (%s)", err, r)
	}
	if r.Failed != 0 || r.Bytes != 4*2*200_000 {
		t.Fatalf("rw: %s", r)
	}
	t.Log(r)

	in, stop := io.Pipe()
	var out strings.Builder
	done := make(chan error, 1)
	go func() { done <- idle(addr, "load", 20, 10*time.Millisecond, in, &out) }()
	time.Sleep(100 * time.Millisecond) // let a few checks run; the result does not depend on it
	stop.Close()
	if err := <-done; err != nil {
		t.Fatalf("idle: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ready held=20") || !strings.Contains(out.String(), "done held=20") {
		t.Fatalf("idle printed %q", out.String())
	}

	s, err := stall(addr, "load", 9, 3)
	if err != nil || len(s.Probes) != 3 {
		t.Fatalf("stall: %v (%s)", err, s)
	}
	t.Log(s)
}
