package server_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// Example embeds tinysmbd in a program: an in-memory tree exported as share
// "public", readable by guests and writable by alice, served over
// direct-hosted TCP until the program shuts it down.
func Example() {
	tree := afero.NewMemMapFs()
	if err := afero.WriteFile(tree, "/hello.txt", []byte("hello over SMB1\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	srv, err := server.New(server.Config{
		NetBIOSName: "EXAMPLE",
		Users:       []server.User{{Name: "alice", Password: "secret"}},
		Shares:      []server.Share{{Name: "public", Fs: tree, GuestOK: true}},
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}

	// A firmware would listen on ":445" (direct) and ":139" (FramingNetBT);
	// an unprivileged port keeps the example runnable anywhere.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l, server.FramingDirect) }()

	// ... clients use \\127.0.0.1\public until it is time to stop ...

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(errors.Is(<-served, server.ErrServerClosed))
	// Output: true
}
