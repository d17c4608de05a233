package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb/ntlm"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// conn is one client connection. Its reader goroutine (serve) owns every
// field below except the writer; it holds mu while it handles a message, so
// that Status and Reload can read and change the session state between
// messages, and a deferred open replayed from another goroutine
// (locking.go) takes mu too, so the handlers never run concurrently.
type conn struct {
	mu    sync.Mutex
	since time.Time
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
	dialect      string  // the dialect NEGOTIATE chose, for Status
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

	// io is the READ_ANDX and WRITE_ANDX handed off the reader
	// (inflight.go); inReader is set while the reader handles a frame.
	io       inflight
	inReader bool
	fr       *netbt.FrameReader // the reader's, for inflight.go's Swap

	// Limits and timeouts (limits.go).
	client       string        // the peer's IP, for the per-client limits
	slot         *slot         // its place in the connection limits
	pastLogon    bool          // it has logged on (updateLogon)
	accepted     time.Time     // when the handshake deadline started
	lastActive   time.Time     // when the last SMB message arrived
	readDeadline time.Time     // the read deadline set on nc
	stop         chan struct{} // closed by shutdown
	stopOnce     sync.Once

	// pending are the LOCKING_ANDX requests waiting for their locks, for
	// NT_CANCEL (locking.go).
	pending map[pendingKey]*pendingLock
	// notifies are the NT_TRANSACT_NOTIFY_CHANGE requests waiting for a
	// change (notify.go).
	notifies map[pendingKey]*pendingNotify
	// replaying is set while a deferred open runs again (deferOpen), with
	// the signing of its first arrival's reply.
	replaying  bool
	replaySign replySign
	// sign is the connection's message signing (signing.go).
	sign signState
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
	opened   time.Time
	// ioFast counts the FID's reads and writes in a row that took at most
	// fastIO: a FID with fastStreak of them does its I/O on the reader
	// when nothing else is in flight (inflight.go).
	ioFast uint8
}

type session struct {
	uid        uint16
	user       string
	domain     string
	guest      bool
	valid      bool // authentication finished
	anonymous  bool // a null session: IPC$ only (limits.go)
	auth       *ntlm.ServerSession
	sessionKey [16]byte
	since      time.Time // when the logon finished
	acct       string    // see account
	acctOf     string    // the user acct was worked out for
}

type tree struct {
	tid      uint16
	uid      uint16
	share    *shareState // nil for IPC$
	readOnly bool
	since    time.Time
	// sess is the session that connected the tree, user its user then,
	// right what it may do there and fs the share as it sees it
	// (access.go).
	sess  *session
	user  string
	right right
	fs    *vfs.Share
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
		since:        time.Now(),
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
		client:       clientKey(nc.RemoteAddr()),
		accepted:     time.Now(),
		stop:         make(chan struct{}),
	}
	c.lastActive = c.accepted
	// A batch never holds more replies than the client may have requests
	// outstanding (MS-CIFS 2.2.4.52.2 MaxMpxCount): past that the reader
	// writes, and blocks there while the client does not read, so it stops
	// reading — TCP's own back-pressure.
	c.w = newBatchWriter(nc, max(s.cfg.WriteTimeout, 0), s.bufPool, min(maxBatchMessages, s.cfg.MaxMpxCount))
	return c
}

// shutdown makes the reader stop after the current message; the writer then
// flushes and the connection closes.
func (c *conn) shutdown() {
	c.closing.Store(true)
	c.stopOnce.Do(func() { close(c.stop) })
	// Unblock a Read waiting for the next message.
	c.nc.SetReadDeadline(aLongTimeAgo)
}

// errClose ends a connection without an error reply: framing errors, SMB2,
// a NetBT negative response (http2's ConnectionError as opposed to a
// StreamError, which here is an NTSTATUS reply).
type errClose struct{ reason string }

func (e errClose) Error() string { return e.reason }

func (c *conn) serve() {
	// Debug: a flood of connections that never log on must not write a
	// line each (logClosed).
	c.log.Debug("connection opened", "framing", c.framing.String(), "local", c.nc.LocalAddr().String())
	reason := "client closed"
	defer func() {
		if r := recover(); r != nil {
			reason = fmt.Sprintf("panic: %v", r)
			c.log.Error("panic serving connection", "panic", r, "stack", string(debug.Stack()))
		}
		// Nothing may close a file under a read or write, nor outlive
		// the connection; in-flight replies go out with the last flush.
		c.drainIO()
		c.w.close()
		c.nc.Close()
		c.mu.Lock()
		c.ended = true
		c.mu.Unlock()
		c.releaseAll() // takes mu itself
		if err := c.w.err(); err != nil && reason == "client closed" {
			reason = "write failed: " + err.Error()
		}
		c.logClosed(reason)
	}()

	mode := netbt.SessionService
	if c.framing == FramingDirect {
		mode = netbt.DirectTCP
	}
	fr := netbt.NewFrameReader(c.nc, mode, c.srv.cfg.MaxMessageSize)
	c.fr = fr
	for {
		if c.closing.Load() {
			reason = "server shutting down"
			return
		}
		// Reload and Status may change or read the state these look at
		// from other goroutines (mu).
		c.mu.Lock()
		fr.SetMaxLength(c.maxMessage())
		c.armReadDeadline()
		c.mu.Unlock()
		if c.closing.Load() {
			// shutdown may have set its deadline in the past just
			// before armReadDeadline replaced it.
			reason = "server shutting down"
			return
		}
		f, err := fr.Next()
		c.readerAwake()
		if err != nil {
			switch {
			case c.closing.Load():
				reason = "server shutting down"
			case c.ioFailure() != "":
				reason = c.ioFailure()
			case errors.Is(err, io.EOF):
				reason = "client closed"
			case errors.Is(err, os.ErrDeadlineExceeded):
				reason = c.timeoutReason()
			default:
				reason = "read: " + err.Error()
			}
			return
		}
		err = c.handleFrameLocked(f)
		if err != nil {
			var ec errClose
			if errors.As(err, &ec) {
				reason = ec.reason
			} else {
				reason = err.Error()
			}
			return
		}
		// Replies wait while more requests are already buffered, and go
		// out together before the reader blocks (batchWriter); with
		// MaxMpxCount requests in flight the reader stops reading until
		// one completes (inflight.go).
		if !fr.Ready() || c.ioFull(c.srv.cfg.MaxMpxCount) {
			if err := c.readerBlock(c.srv.cfg.MaxMpxCount); err != nil {
				reason = "write failed: " + err.Error()
				return
			}
		}
	}
}

// handleFrameLocked is handleFrame under mu, which Status, Reload and
// deferred opens wait for. The unlock is deferred so that a panic in a
// handler releases mu on its way to serve's recover, which then tears the
// connection down (taking mu again) instead of deadlocking on it.
func (c *conn) handleFrameLocked(f netbt.Frame) error {
	c.mu.Lock()
	defer func() {
		c.inReader = false
		c.mu.Unlock()
	}()
	c.reapIO()
	c.inReader = true
	return c.handleFrame(f)
}

// handleFrame acts on one NetBT packet (RFC 1002 4.3).
func (c *conn) handleFrame(f netbt.Frame) error {
	switch f.Type {
	case netbt.TypeSessionMessage:
		c.lastActive = time.Now()
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
// connection ends for any reason: the client closed or vanished, a framing
// error, a panic, Shutdown (MS-CIFS 3.3.7.1: the connection's opens are
// closed). It is the one teardown path, so whatever an open holds (FID
// owners, positions, pipes, and any per-open state added later) is
// released here through closeFilesWhere. When the server is shutting down
// it first flushes each file to stable storage, since the machine may be
// about to power off.
func (c *conn) releaseAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		c.files.Range(func(_ uint16, f *vfs.File) bool {
			if !f.IsDir() {
				f.Sync()
			}
			return true
		})
	}
	c.closeFilesWhere(func(fileOwner) bool { return true })
	c.files.CloseAll() // a file without an owner record, which addFile never leaves
}

// send queues one complete frame.
func (c *conn) send(buf *[]byte, alone bool) error {
	return c.w.send(outMsg{buf: buf, alone: alone})
}

// aLongTimeAgo is a read deadline in the past: setting it makes a blocked
// Read return at once.
var aLongTimeAgo = time.Unix(1, 0)

func (c *conn) trace() bool { return c.srv.cfg.Trace }
