package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb/ntlm"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// conn is one client connection. Its reader goroutine (serve) owns every
// field below except the writer; it holds mu while it handles a message,
// and a deferred open replayed from another goroutine (locking.go) takes
// mu too, so the handlers never run concurrently.
type conn struct {
	mu sync.Mutex
	// ended is set, under mu, once the connection released its state; a
	// late replay then does nothing.
	ended bool

	srv     *Server
	nc      net.Conn
	id      uint64
	framing Framing
	log     *slog.Logger
	w       *batchWriter
	closing atomic.Bool

	sessionRequested bool // a NetBT session request was answered positively

	negotiated   bool
	extSec       bool    // extended security (SPNEGO/NTLMSSP) was negotiated
	challenge    [8]byte // for non-extended-security logons
	clientCaps   uint32  // from SESSION_SETUP_ANDX
	clientMaxBuf int     // the client's MaxBufferSize
	sessions     map[uint16]*session
	trees        map[uint16]*tree
	files        *vfs.OpenTable
	fileOwners   map[uint16]fileOwner
	pipes        pipeTable // named pipes on IPC$, FIDs from firstPipeFID (ipc.go)
	searches     map[uint16]*search
	transactions map[transKey]*pendingTrans
	nextUID      uint16
	nextTID      uint16
	nextSearchID uint16
	transOut     transOut
	// spareRequests are request records ready for reuse (newRequest).
	spareRequests []*request
	pos           positions // file positions (position.go)
	core          coreState // core commands' SEARCH contexts (core.go)
	// pending are the LOCKING_ANDX requests waiting for their locks, for
	// NT_CANCEL (locking.go).
	pending map[pendingKey]*pendingLock
	// replaying is set while a deferred open runs again (deferOpen).
	replaying bool
	// replayMu guards replayQueue, the deferred messages waiting to run.
	replayMu       sync.Mutex
	replayQueue    []*deferred
	replayDeadline time.Time // of the deferred message being replayed
}

// firstPipeFID starts the FIDs reserved for named pipes (ipc.go). addFile
// keeps file FIDs below it, so the open table and the pipes never share a
// FID.
const firstPipeFID = 0xFF00

// fileOwner remembers which tree and session opened a FID: SMB1 FIDs are
// per connection, but a FID used under another TID is invalid
// (MS-CIFS 3.3.5.2: the FID must belong to the TID).
type fileOwner struct {
	tid, uid uint16
	pid      uint32
}

type session struct {
	uid        uint16
	user       string
	domain     string
	guest      bool
	valid      bool // authentication finished
	auth       *ntlm.ServerSession
	sessionKey [16]byte
}

type tree struct {
	tid      uint16
	uid      uint16
	share    *shareState // nil for IPC$
	readOnly bool
}

type transKey struct {
	uid, tid, mid uint16
	pid           uint32
}

func (s *Server) newConn(nc net.Conn, framing Framing) *conn {
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	c := &conn{
		srv:          s,
		nc:           nc,
		id:           id,
		framing:      framing,
		log:          s.log.With("conn", id, "client", nc.RemoteAddr().String()),
		sessions:     make(map[uint16]*session),
		trees:        make(map[uint16]*tree),
		files:        vfs.NewOpenTable(firstPipeFID - 1), // FIDs from firstPipeFID are for pipes
		fileOwners:   make(map[uint16]fileOwner),
		searches:     make(map[uint16]*search),
		transactions: make(map[transKey]*pendingTrans),
	}
	c.w = newBatchWriter(nc, queueDepth, writeTimeout, s.bufPool)
	return c
}

// shutdown makes the reader stop after the current message; the writer then
// flushes and the connection closes.
func (c *conn) shutdown() {
	c.closing.Store(true)
	// Unblock a Read waiting for the next message.
	c.nc.SetReadDeadline(aLongTimeAgo)
}

// errClose ends a connection without an error reply: framing errors, SMB2,
// a NetBT negative response (http2's ConnectionError as opposed to a
// StreamError, which here is an NTSTATUS reply).
type errClose struct{ reason string }

func (e errClose) Error() string { return e.reason }

func (c *conn) serve() {
	c.log.Info("connection opened", "framing", c.framing.String(), "local", c.nc.LocalAddr().String())
	go c.w.run()
	reason := "client closed"
	defer func() {
		if r := recover(); r != nil {
			reason = fmt.Sprintf("panic: %v", r)
			c.log.Error("panic serving connection", "panic", r, "stack", string(debug.Stack()))
		}
		c.w.close()
		<-c.w.done
		c.nc.Close()
		c.mu.Lock()
		c.ended = true
		c.releaseAll()
		c.mu.Unlock()
		if c.w.err != nil && reason == "client closed" {
			reason = "write failed: " + c.w.err.Error()
		}
		c.log.Info("connection closed", "reason", reason)
	}()

	mode := netbt.SessionService
	if c.framing == FramingDirect {
		mode = netbt.DirectTCP
	}
	fr := netbt.NewFrameReader(c.nc, mode, c.srv.cfg.MaxMessageSize)
	for {
		if c.closing.Load() {
			reason = "server shutting down"
			return
		}
		f, err := fr.Next()
		if err != nil {
			switch {
			case c.closing.Load():
				reason = "server shutting down"
			case errors.Is(err, io.EOF):
				reason = "client closed"
			default:
				reason = "read: " + err.Error()
			}
			return
		}
		c.mu.Lock()
		err = c.handleFrame(f)
		c.mu.Unlock()
		if err != nil {
			var ec errClose
			if errors.As(err, &ec) {
				reason = ec.reason
			} else {
				reason = err.Error()
			}
			return
		}
	}
}

// handleFrame acts on one NetBT packet (RFC 1002 4.3).
func (c *conn) handleFrame(f netbt.Frame) error {
	switch f.Type {
	case netbt.TypeSessionMessage:
		return c.handleMessage(f.Payload)
	case netbt.TypeSessionRequest:
		return c.handleSessionRequest(f.Payload)
	case netbt.TypeKeepalive:
		return nil
	default:
		return errClose{fmt.Sprintf("unexpected NetBT packet type 0x%02x", f.Type)}
	}
}

// releaseAll closes every open file, running delete-on-close, when the
// connection ends (MS-CIFS 3.3.7.1: the connection's opens are closed).
func (c *conn) releaseAll() {
	c.files.CloseAll()
}

// send queues one complete frame.
func (c *conn) send(buf *[]byte, alone bool) error {
	return c.w.send(outMsg{buf: buf, alone: alone})
}

// aLongTimeAgo is a read deadline in the past: setting it makes a blocked
// Read return at once.
var aLongTimeAgo = time.Unix(1, 0)

func (c *conn) trace() bool { return c.srv.cfg.Trace }
