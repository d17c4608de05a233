//go:build !tinysmbd_nocore

package server_test

import (
	"testing"

	"github.com/pion/transport/v3/test"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestHandlerPanicClosesOnlyThatConnection: a panic in a command handler
// (found once for real: afero's in-memory file indexing with int on 32-bit
// MIPS) is recovered at the connection boundary. That connection is closed,
// another client is served, and shutdown leaves no goroutine behind — the
// handler held the connection's mutex when it panicked, and the teardown
// must not wait for it forever.
func TestHandlerPanicClosesOnlyThatConnection(t *testing.T) {
	const unusedCommand = 0xFD // not an SMB1 command (MS-CIFS 2.2.2.1)
	defer test.CheckRoutines(t)()
	srv, err := server.New(segConfig())
	if err != nil {
		t.Fatal(err)
	}
	server.PanicOn(srv, unusedCommand)
	addr, served := serveServer(t, srv)
	shutdown := shutdownFunc(t, srv, served)
	hs := &hostileServer{addr: addr}

	c := hs.dial(t)
	hostileWrite(t, c, negotiateRequest(1))
	expectReply(t, c, cmdNegotiate, 1)
	hostileWrite(t, c, smbRequest(unusedCommand, 2, 0, noTID, clientFlags2, nil, nil))
	expectClosed(t, c)
	c.Close()

	hs.healthy(t)
	shutdown()
}
