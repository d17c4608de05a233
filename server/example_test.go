package server_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/smb/ntlm"
	"github.com/tinysmbd/tinysmbd/vfs"
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

// Example_directory exports a directory of the host. vfs.NewRootFs confines
// the share to it with os.Root, so neither ".." nor a symlink inside can
// reach the rest of the file system; afero.NewBasePathFs(afero.NewOsFs(),
// dir) is the plain afero way, which follows symlinks and which New
// confines by resolving each name's host path.
func Example_directory() {
	dir, err := os.MkdirTemp("", "tinysmbd-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	root, err := vfs.NewRootFs(dir)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := server.New(server.Config{
		Users: []server.User{{Name: "alice", Password: "secret"}},
		Shares: []server.Share{
			{Name: "files", Fs: root},
			{Name: "archive", Fs: afero.NewBasePathFs(afero.NewOsFs(), dir), ReadOnly: true},
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("connections:", len(srv.Status().Connections))
	// Output: connections: 0
}

// firmwareAccounts stands for the account store a firmware already has: it
// keeps NT hashes, never passwords, and may change while the server runs.
type firmwareAccounts struct {
	mu     sync.RWMutex
	hashes map[string][16]byte // by lower-case name
}

func (a *firmwareAccounts) NTHash(user string) ([16]byte, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	h, ok := a.hashes[strings.ToLower(user)]
	return h, ok
}

func (a *firmwareAccounts) setPassword(user, password string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hashes[strings.ToLower(user)] = ntlm.NTHash(password)
}

// Example_authenticator plugs the firmware's own account store in instead of
// Config.Users: the server asks it for the NT hash at each logon, so a
// password changed in the web UI applies to the next logon without Reload.
func Example_authenticator() {
	accounts := &firmwareAccounts{hashes: make(map[string][16]byte)}
	accounts.setPassword("admin", "from the web UI")

	srv, err := server.New(server.Config{
		Authenticator: accounts,
		Shares:        []server.Share{{Name: "usb", Fs: afero.NewMemMapFs()}},
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, known := accounts.NTHash("ADMIN")
	fmt.Println(srv != nil, known)
	// Output: true true
}

// ExampleServer_Shutdown stops on SIGTERM the way an init system expects:
// stop accepting, let the requests in progress finish and their replies go
// out, and give up on stragglers after a deadline.
func ExampleServer_Shutdown() {
	srv, err := server.New(server.Config{
		DirectListen: ":445",
		NetBTListen:  ":139",
		Shares:       []server.Share{{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true}},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()

	select {
	case err := <-served: // a listener failed, e.g. the port is taken
		log.Fatal(err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Print("connections still open at the deadline were closed: ", err)
	}
	<-served // ErrServerClosed
}

// ExampleServer_Run is the same graceful stop with the context doing the
// work: Run serves until ctx ends, then shuts down.
func ExampleServer_Run() {
	srv, err := server.New(server.Config{
		DirectListen: ":445",
		Shares:       []server.Share{{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true}},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := srv.Run(ctx, 10*time.Second); err != nil {
		log.Fatal(err)
	}
}

// ExampleServer_Reload applies an edited account list and share list
// without a restart: sessions stay, a tree on a share that is gone is
// disconnected.
func ExampleServer_Reload() {
	media := afero.NewMemMapFs()
	srv, err := server.New(server.Config{
		Users:  []server.User{{Name: "alice", Password: "old"}},
		Shares: []server.Share{{Name: "media", Fs: media}},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The same Fs value keeps the share, and its open files, as it is.
	err = srv.Reload(
		[]server.User{{Name: "alice", Password: "new"}, {Name: "bob", Password: "x"}},
		[]server.Share{{Name: "media", Fs: media}, {Name: "backup", Fs: afero.NewMemMapFs()}},
	)
	fmt.Println(err)
	// Output: <nil>
}

// ExampleServer_Status prints what smbstatus would: who is connected and
// what they have open.
func ExampleServer_Status() {
	srv, err := server.New(server.Config{
		Shares: []server.Share{{Name: "public", Fs: afero.NewMemMapFs(), GuestOK: true}},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range srv.Status().Connections {
		for _, s := range c.Sessions {
			fmt.Printf("%s uid=%d user=%s dialect=%s\n", c.RemoteAddr, s.UID, s.User, c.Dialect)
		}
		for _, f := range c.Files {
			fmt.Printf("  fid=%d %s%s access=%#x locks=%d\n", f.FID, f.Share, f.Path, f.Access, len(f.Locks))
		}
	}
	fmt.Println("connections:", len(srv.Status().Connections))
	// Output: connections: 0
}
