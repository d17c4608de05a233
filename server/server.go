// Package server runs tinysmbd: it accepts NetBIOS session service (TCP 139)
// and direct-hosted (TCP 445) connections and serves SMB1 over them, with
// shares backed by afero file systems. It owns the connections and their
// state; the wire formats live in smb and netbt, the file semantics in vfs,
// and the NetBIOS name service (UDP 137) and browser announcements (UDP 138)
// in server/netbios, which a Server starts when Config.NBNSListen or
// Config.Browse asks for them.
//
// A Server is used like net/http's: New, then ListenAndServe (or Serve on
// listeners you made), and Shutdown to stop.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/smb/ntlm"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Framing says how a listener's connections delimit SMB messages.
type Framing int

const (
	// FramingNetBT is the NetBIOS session service (RFC 1002 4.3): the client
	// may send a session request first; messages carry a 4-byte header with a
	// 17-bit length.
	FramingNetBT Framing = iota
	// FramingDirect is direct-hosted SMB over TCP (MS-CIFS 2.1.1.2): no
	// session request; a zero byte and a 24-bit length.
	FramingDirect
)

// String returns "netbt" or "direct", as the logs name the framings.
func (f Framing) String() string {
	if f == FramingDirect {
		return "direct"
	}
	return "netbt"
}

// Server serves SMB1 to any number of connections.
type Server struct {
	cfg      Config
	log      *slog.Logger
	shares   atomic.Pointer[shareSet]   // replaced by Reload
	auth     atomic.Pointer[authHolder] // replaced by Reload when built in
	guid     [16]byte
	started  time.Time
	bufPool  *bufferPool
	ntlmHint []byte // SPNEGO NegTokenInit for the NEGOTIATE response
	// commands is the dispatch table, the package's own but for tests
	// that serve a table of their own (export_test.go).
	commands *[256]command

	reloadMu sync.Mutex // serialises Reload

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closed    bool
	connWG    sync.WaitGroup
	nextID    uint64
	udp       udpServices // the NetBIOS name service and browsing; see udp.go
	lim       *limits     // connection and logon limits (limits.go)
	refusals  *logLimiter // rate-limited refusal logs (loglimit.go)

	lockTimers atomic.Int64 // armed LOCKING_ANDX Timeout timers (locking.go)
}

// Defaults.
const (
	defaultNetBIOSName    = "TINYSMBD"
	defaultWorkgroup      = "WORKGROUP"
	defaultMaxMessageSize = 0x1FFFF
	// maxBufferSize is advertised in NEGOTIATE: the largest non-READ/WRITE
	// message we accept and send. 64 KiB - 1 like Samba with large
	// transfers; READ_ANDX/WRITE_ANDX go beyond it with CAP_LARGE_READX/
	// CAP_LARGE_WRITEX.
	maxBufferSize = 0xFFFF
)

// New checks cfg and returns a Server ready to serve it.
func New(cfg Config) (*Server, error) {
	if cfg.NetBIOSName == "" {
		cfg.NetBIOSName = defaultNetBIOSName
	}
	cfg.NetBIOSName = strings.ToUpper(cfg.NetBIOSName)
	if len(cfg.NetBIOSName) > 15 {
		return nil, fmt.Errorf("server: NetBIOS name %q is longer than 15 bytes", cfg.NetBIOSName)
	}
	if cfg.Workgroup == "" {
		cfg.Workgroup = defaultWorkgroup
	}
	cfg.Workgroup = strings.ToUpper(cfg.Workgroup)
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = defaultMaxMessageSize
	}
	if cfg.MaxMessageSize < 4096 {
		return nil, fmt.Errorf("server: MaxMessageSize %d is below 4096", cfg.MaxMessageSize)
	}
	if cfg.Signing > SigningDisabled {
		return nil, fmt.Errorf("server: unknown SigningMode %d", cfg.Signing)
	}
	if err := checkProfile(&cfg); err != nil {
		return nil, err
	}
	if err := applyLimits(&cfg); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		cfg:       cfg,
		log:       log,
		started:   time.Now(),
		bufPool:   newBufferPool(16<<10, 256<<10),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
		lim:       newLimits(),
		refusals:  newLogLimiter(log),
		commands:  &commands,
	}
	randRead(s.guid[:])
	set, err := newShareSet(cfg.Shares, nil)
	if err != nil {
		return nil, err
	}
	s.shares.Store(set)
	auth := cfg.Authenticator
	if auth == nil {
		t, err := newUserTable(cfg.Users)
		if err != nil {
			return nil, err
		}
		auth = t
	} else if len(cfg.Users) > 0 {
		return nil, errors.New("server: Config.Users and Config.Authenticator are both set")
	}
	s.auth.Store(&authHolder{auth})
	if err := set.setAccess(cfg.Groups, auth); err != nil {
		return nil, err
	}
	// The NEGOTIATE response's security blob offers NTLMSSP alone and
	// leaves out Microsoft's negHints: RFC 4178 defines field [3] of
	// NegTokenInit as mechListMIC, so dissectors (tshark) flag the hint as
	// malformed, and no client needs it without Kerberos.
	s.ntlmHint = ntlm.AppendNegTokenInit(nil, nil, ntlm.OIDNTLMSSP)
	return s, nil
}

// ListenAndServe listens on the configured NetBT and direct addresses and
// serves both until Shutdown. It returns the first listen error, or
// ErrServerClosed.
func (s *Server) ListenAndServe() error {
	type entry struct {
		addr    string
		framing Framing
	}
	var ls []net.Listener
	var fs []Framing
	for _, e := range []entry{{s.cfg.NetBTListen, FramingNetBT}, {s.cfg.DirectListen, FramingDirect}} {
		if e.addr == "" {
			continue
		}
		l, err := net.Listen("tcp", e.addr)
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return fmt.Errorf("listen %s (%s): %w", e.addr, e.framing, err)
		}
		ls = append(ls, l)
		fs = append(fs, e.framing)
	}
	if len(ls) == 0 {
		return errors.New("server: no listen address configured")
	}
	if err := s.startUDPServices(); err != nil {
		for _, l := range ls {
			l.Close()
		}
		return err
	}
	errc := make(chan error, len(ls))
	for i, l := range ls {
		go func() { errc <- s.Serve(l, fs[i]) }()
	}
	err := <-errc
	for range len(ls) - 1 {
		<-errc
	}
	return err
}

// Run is ListenAndServe for programs that stop through a context, as
// firmware supervisors do: it serves until ctx is done, then shuts down
// gracefully — connections finish the request in hand and flush their
// replies — waiting at most grace for them, and returns nil, or Shutdown's
// error when grace ran out. An error that stops serving before ctx is done
// is returned as ListenAndServe returns it.
func (s *Server) Run(ctx context.Context, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := s.Shutdown(sctx)
	if serr := <-errc; err == nil && !errors.Is(serr, ErrServerClosed) {
		err = serr
	}
	return err
}

// Serve accepts connections on l and serves each with the given framing. It
// takes ownership of l and returns ErrServerClosed after Shutdown, or the
// accept error that stopped it.
func (s *Server) Serve(l net.Listener, framing Framing) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	s.log.Info("listening", "addr", l.Addr().String(), "framing", framing.String())
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		client := clientKey(nc.RemoteAddr())
		sl, over := s.admit(client, nc)
		if over != "" {
			s.refuse(nc, framing, over)
			continue
		}
		c := s.newConn(nc, framing)
		c.slot = sl
		if !s.track(c) {
			s.unadmit(sl)
			nc.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.connWG.Done()
			defer s.unadmit(sl)
			defer s.untrack(c)
			c.serve()
		}()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops accepting, closes every connection after flushing the
// responses already queued, and waits for their goroutines to end or ctx to
// expire.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopUDPServices()
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.shutdown()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.connWG.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.refusals.close()
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}
