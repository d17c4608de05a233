package server

// Limits, timeouts and logon policy: what one client may make the
// server hold, how long it may take, and how often it may guess a password.
// Every bound is checked before the resource is committed, and going over
// one answers that request with a status or closes that connection only.

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/netbt"
)

// Defaults of the Config limits; docs/configuration.md documents them.
const (
	defaultMaxConnections           = 1024
	defaultMaxConnectionsPerClient  = 64
	defaultMaxSessionsPerConnection = 16
	defaultMaxTreesPerConnection    = 64
	defaultMaxOpenFilesPerSession   = 1024
	defaultMaxSearchesPerSession    = 64
	defaultMaxPendingTransactions   = 16
	defaultMaxTransactionSize       = 1 << 20
	// defaultMaxMpxCount is Samba's "max mux" default.
	defaultMaxMpxCount = 50
	// defaultMaxPendingLogonsPerClient lets a few machines behind one NAT
	// address, or one client that opens its connections in parallel
	// (smbtorture's raw.composite needs more than 8), log on at the same
	// moment, and is far below
	// defaultMaxConnectionsPerClient. The total's default is a quarter of
	// MaxConnections (applyLimits), so connections not logged on can never
	// take more than that quarter of the slots.
	defaultMaxPendingLogonsPerClient = 16
	// defaultHandshakeTimeout gives a client on a slow link time for two
	// round trips while a peer that connects and sends nothing (SMBLoris)
	// holds its slot only briefly.
	defaultHandshakeTimeout = 10 * time.Second
	// defaultIdleTimeout is Windows' autodisconnect default.
	defaultIdleTimeout        = 15 * time.Minute
	defaultWriteTimeout       = 30 * time.Second
	defaultLogonFailureDelay  = 2 * time.Second
	defaultLogonFailureLimit  = 10
	defaultLogonFailureWindow = 5 * time.Minute

	// preAuthMaxMessage bounds every message until a session is logged on.
	// What comes before a logon is a NEGOTIATE (a few hundred bytes) and a
	// SESSION_SETUP_ANDX, whose NTLMSSP AUTHENTICATE with its NTLMv2 blob
	// and MIC is about 1 KiB from smbclient, impacket and Windows; 16 KiB
	// leaves room for long names and target info, and no more for a peer
	// that has not proven who it is.
	preAuthMaxMessage = 16 << 10

	// maxLogonRecords bounds the client addresses the logon limiter
	// remembers, so a peer spraying source addresses cannot grow it.
	maxLogonRecords = 4096
	// maxRefusers bounds the goroutines that answer refused NetBT
	// connections with negative response 0x83; beyond it they are closed
	// without a word.
	maxRefusers = 16
	// refuseTimeout is how long a refused NetBT connection has to send its
	// session request.
	refuseTimeout = 2 * time.Second
)

// applyLimits fills in the defaults of the limit fields and checks them.
func applyLimits(cfg *Config) error {
	ints := []struct {
		v   *int
		def int
		neg bool // a negative value means "no limit"
		key string
	}{
		{&cfg.MaxConnections, defaultMaxConnections, true, "MaxConnections"},
		{&cfg.MaxConnectionsPerClient, defaultMaxConnectionsPerClient, true, "MaxConnectionsPerClient"},
		{&cfg.MaxSessionsPerConnection, defaultMaxSessionsPerConnection, false, "MaxSessionsPerConnection"},
		{&cfg.MaxTreesPerConnection, defaultMaxTreesPerConnection, false, "MaxTreesPerConnection"},
		{&cfg.MaxOpenFilesPerSession, defaultMaxOpenFilesPerSession, false, "MaxOpenFilesPerSession"},
		{&cfg.MaxSearchesPerSession, defaultMaxSearchesPerSession, false, "MaxSearchesPerSession"},
		{&cfg.MaxPendingTransactions, defaultMaxPendingTransactions, false, "MaxPendingTransactions"},
		{&cfg.MaxTransactionSize, defaultMaxTransactionSize, false, "MaxTransactionSize"},
		{&cfg.MaxMpxCount, defaultMaxMpxCount, false, "MaxMpxCount"},
		{&cfg.LogonFailureLimit, defaultLogonFailureLimit, true, "LogonFailureLimit"},
	}
	var errs []error
	for _, f := range ints {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0 && !f.neg:
			errs = append(errs, fmt.Errorf("server: %s %d is negative", f.key, *f.v))
		}
	}
	if cfg.MaxPendingLogons == 0 {
		cfg.MaxPendingLogons = defaultMaxConnections / 4
		if cfg.MaxConnections > 0 {
			cfg.MaxPendingLogons = max(1, cfg.MaxConnections/4)
		}
	}
	if cfg.MaxPendingLogonsPerClient == 0 {
		cfg.MaxPendingLogonsPerClient = defaultMaxPendingLogonsPerClient
	}
	if cfg.MaxMpxCount > 0xFFFF {
		errs = append(errs, fmt.Errorf("server: MaxMpxCount %d exceeds 65535", cfg.MaxMpxCount))
	}
	durs := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.HandshakeTimeout, defaultHandshakeTimeout},
		{&cfg.IdleTimeout, defaultIdleTimeout},
		{&cfg.WriteTimeout, defaultWriteTimeout},
		{&cfg.LogonFailureDelay, defaultLogonFailureDelay},
		{&cfg.LogonFailureWindow, defaultLogonFailureWindow},
	}
	for _, d := range durs {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.LogonFailureWindow < 0 {
		errs = append(errs, errors.New("server: LogonFailureWindow is negative"))
	}
	return errors.Join(errs...)
}

// limits is the server-wide state behind the connection and logon limits.
type limits struct {
	mu        sync.Mutex
	total     int
	perClient map[string]int
	// The connections not logged on yet, oldest first, and their counts.
	oldest, newest *slot
	pending        int
	pendingPer     map[string]int
	logons         map[string]*logonRecord
	// refusers holds a token per goroutine answering a refused connection.
	refusers chan struct{}
}

func newLimits() *limits {
	return &limits{
		perClient:  make(map[string]int),
		pendingPer: make(map[string]int),
		logons:     make(map[string]*logonRecord),
		refusers:   make(chan struct{}, maxRefusers),
	}
}

// slot is one admitted connection's place in the limits. Until the
// connection has logged on it is pending: it counts against
// MaxPendingLogons and MaxPendingLogonsPerClient and may be evicted.
type slot struct {
	client     string
	nc         net.Conn
	pending    bool
	released   bool // its counts are given back; set under limits.mu
	evicted    atomic.Bool
	prev, next *slot // the pending list
}

// clientKey is the part of a peer's address the per-client limits count:
// its IP, or the whole address where it has no port (pipes in tests).
func clientKey(a net.Addr) string {
	s := a.String()
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return s
}

// admit counts a new connection from client, or reports which limit it is
// over. When max_connections or max_pending_logons is reached, a
// connection that has not logged on is closed to make room, never one that
// has (evictee): a crowd of peers that connect and stall cannot lock out a
// real client, which gets its turn and logs on within its handshake
// timeout. Over a per-client cap the newcomer is refused instead, so one
// address cannot push out the others' connections.
func (s *Server) admit(client string, nc net.Conn) (sl *slot, over string) {
	var victim *slot
	defer func() {
		if victim != nil {
			victim.evicted.Store(true)
			victim.nc.Close()
		}
	}()
	l := s.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	if max := s.cfg.MaxConnectionsPerClient; max > 0 && l.perClient[client] >= max {
		return nil, "max_connections_per_client (" + strconv.Itoa(max) + ")"
	}
	if max := s.cfg.MaxPendingLogonsPerClient; max > 0 && l.pendingPer[client] >= max {
		return nil, "max_pending_logons_per_client (" + strconv.Itoa(max) + ")"
	}
	atMax := s.cfg.MaxConnections > 0 && l.total >= s.cfg.MaxConnections
	if atMax || s.cfg.MaxPendingLogons > 0 && l.pending >= s.cfg.MaxPendingLogons {
		over = "max_pending_logons (" + strconv.Itoa(s.cfg.MaxPendingLogons) + ")"
		if atMax {
			over = "max_connections (" + strconv.Itoa(s.cfg.MaxConnections) + ")"
		}
		if l.oldest == nil {
			return nil, over
		}
		// An address with connections pending gets another only from
		// one holding at least two more: closing one of a peer no
		// busier would only trade places, and peers reconnecting as
		// soon as they are closed would churn without end.
		v := l.evictee()
		if own := l.pendingPer[client]; own > 0 && l.pendingPer[v.client] < own+2 {
			return nil, over
		}
		victim = v
		l.release(victim)
	}
	sl = &slot{client: client, nc: nc, pending: true, prev: l.newest}
	if l.newest != nil {
		l.newest.next = sl
	} else {
		l.oldest = sl
	}
	l.newest = sl
	l.total++
	l.perClient[client]++
	l.pending++
	l.pendingPer[client]++
	return sl, ""
}

// evictee is the connection to close for room: the oldest not logged on of
// the address with the most of them. Peers that stall and reconnect at
// once cycle through their own connections, while a client with one
// connection logging on is the last to go, however fast the others churn.
// l.mu is held and the pending list is not empty.
func (l *limits) evictee() *slot {
	most := 0
	for _, n := range l.pendingPer {
		most = max(most, n)
	}
	for sl := l.oldest; sl != nil; sl = sl.next {
		if l.pendingPer[sl.client] == most {
			return sl
		}
	}
	return l.oldest
}

// unadmit forgets a connection admit counted.
func (s *Server) unadmit(sl *slot) {
	l := s.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	l.release(sl)
}

// release gives back sl's counts once; l.mu is held.
func (l *limits) release(sl *slot) {
	if sl.released {
		return
	}
	sl.released = true
	l.total--
	decrement(l.perClient, sl.client)
	l.unpend(sl)
}

// unpend takes sl off the pending list; l.mu is held.
func (l *limits) unpend(sl *slot) {
	if !sl.pending {
		return
	}
	sl.pending = false
	if sl.prev != nil {
		sl.prev.next = sl.next
	} else {
		l.oldest = sl.next
	}
	if sl.next != nil {
		sl.next.prev = sl.prev
	} else {
		l.newest = sl.prev
	}
	sl.prev, sl.next = nil, nil
	l.pending--
	decrement(l.pendingPer, sl.client)
}

func decrement(m map[string]int, k string) {
	if n := m[k] - 1; n > 0 {
		m[k] = n
	} else {
		delete(m, k)
	}
}

// loggedOn takes a connection off the pending list for good.
func (s *Server) loggedOn(sl *slot) {
	l := s.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unpend(sl)
}

// refuse ends a connection over a limit. A NetBT client gets the chance to
// send its session request and hear negative response 0x83, "called name
// present, but insufficient resources" (RFC 1002 4.3.4), which smbclient
// reports as such; anything else, or more refusals at once than
// maxRefusers, is closed without a word. Samba closes at once.
func (s *Server) refuse(nc net.Conn, framing Framing, over string) {
	if s.refusals.allow(logRefused, clientKey(nc.RemoteAddr())) {
		s.log.Warn("connection refused", "client", nc.RemoteAddr().String(), "limit", over)
	}
	if framing != FramingNetBT {
		nc.Close()
		return
	}
	select {
	case s.lim.refusers <- struct{}{}:
	default:
		nc.Close()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.lim.refusers
		nc.Close()
		return
	}
	s.connWG.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.connWG.Done()
		defer func() { <-s.lim.refusers }()
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(refuseTimeout))
		// A session request is 72 bytes (RFC 1002 4.3.2); nothing
		// longer is read.
		fr := netbt.NewFrameReader(nc, netbt.SessionService, 128)
		f, err := fr.Next()
		if err != nil || f.Type != netbt.TypeSessionRequest {
			return
		}
		nc.Write(netbt.AppendNegativeResponse(nil, netbt.CodeInsufficientResources))
	}()
}

// logonRecord counts one client address's failed logons in the current
// window.
type logonRecord struct {
	start    time.Time
	failures int
}

// logonBlocked reports whether client has used up its failed logons for
// the current window.
func (s *Server) logonBlocked(client string, now time.Time) bool {
	if s.cfg.LogonFailureLimit < 0 {
		return false
	}
	l := s.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.logons[client]
	if r == nil {
		return false
	}
	if now.Sub(r.start) >= s.cfg.LogonFailureWindow {
		delete(l.logons, client)
		return false
	}
	return r.failures >= s.cfg.LogonFailureLimit
}

// logonFailed counts a failed logon from client. A success does not reset
// the count: one good account must not buy unlimited guesses at others.
func (s *Server) logonFailed(client string, now time.Time) {
	if s.cfg.LogonFailureLimit < 0 {
		return
	}
	l := s.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.logons[client]
	if r != nil && now.Sub(r.start) >= s.cfg.LogonFailureWindow {
		r.start, r.failures = now, 0
	}
	if r == nil {
		if len(l.logons) >= maxLogonRecords {
			l.pruneLogons(now, s.cfg.LogonFailureWindow)
		}
		r = &logonRecord{start: now}
		l.logons[client] = r
	}
	r.failures++
}

// pruneLogons drops expired records, and if none had expired, one record
// (map order: an arbitrary one), so the table stays bounded.
func (l *limits) pruneLogons(now time.Time, window time.Duration) {
	for k, r := range l.logons {
		if now.Sub(r.start) >= window {
			delete(l.logons, k)
		}
	}
	for k := range l.logons {
		if len(l.logons) < maxLogonRecords {
			break
		}
		delete(l.logons, k)
	}
}

// delayLogonFailure holds the reply to a failed logon back for
// LogonFailureDelay, as Samba does: this connection's reader waits, so a
// client cannot pipeline guesses on it, while every other connection goes
// on. Shutdown cuts the wait short.
func (c *conn) delayLogonFailure() {
	d := c.srv.cfg.LogonFailureDelay
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.stop:
	}
}

// loggedOn reports whether the connection has a session that finished
// authenticating; until it has, messages are held to preAuthMaxMessage.
func (c *conn) loggedOn() bool {
	for _, s := range c.sessions {
		if s.valid {
			return true
		}
	}
	return false
}

// maxMessage is the longest message the connection accepts next.
func (c *conn) maxMessage() int {
	if c.loggedOn() {
		return c.srv.cfg.MaxMessageSize
	}
	return min(preAuthMaxMessage, c.srv.cfg.MaxMessageSize)
}

// updateLogon notes when the connection has logged on, which ends its
// handshake deadline and its place among the pending logons: once a
// session has authenticated as a user, or a guest or anonymous session has
// connected a tree. A guest logon alone proves nothing (any name and
// password make one), while its tree connect is what a real client does
// next; an anonymous share listing is past its IPC$ tree connect, so it is
// not cut off half way, and from then on it is an ordinary idle connection.
func (c *conn) updateLogon() bool {
	if c.pastLogon {
		return true
	}
	if len(c.trees) == 0 && !c.userLoggedOn() {
		return false
	}
	c.pastLogon = true
	if c.slot != nil {
		c.srv.loggedOn(c.slot)
	}
	return true
}

// userLoggedOn reports whether a session authenticated as a user (not as
// a guest nor anonymously).
func (c *conn) userLoggedOn() bool {
	for _, s := range c.sessions {
		if s.valid && !s.guest {
			return true
		}
	}
	return false
}

// armReadDeadline sets the read deadline the connection's state calls for:
// the handshake deadline until it has logged on (updateLogon), then the
// idle deadline while no file is open, and none while one is. It calls
// into the socket only when the deadline changes (an idle deadline: moves
// by a second, or a sixteenth of the timeout, or more), so steady traffic
// costs no system call.
func (c *conn) armReadDeadline() {
	var want time.Time
	switch {
	case !c.updateLogon() && c.srv.cfg.HandshakeTimeout > 0:
		want = c.accepted.Add(c.srv.cfg.HandshakeTimeout)
	case len(c.fileOwners) == 0:
		if d := c.srv.cfg.IdleTimeout; d > 0 {
			want = c.lastActive.Add(d)
			// A deadline a little early is no harm: the client
			// was that close to idle.
			moved := want.Sub(c.readDeadline)
			if !c.readDeadline.IsZero() && moved >= 0 && moved < min(time.Second, d/16) {
				return
			}
		}
	}
	if want.Equal(c.readDeadline) {
		return
	}
	c.readDeadline = want
	c.nc.SetReadDeadline(want)
}

// timeoutReason names the deadline that ended a read.
func (c *conn) timeoutReason() string {
	if !c.pastLogon && c.srv.cfg.HandshakeTimeout > 0 {
		return "handshake timeout: not logged on within handshake_timeout"
	}
	return "idle timeout"
}

// logClosed logs the end of the connection. One that never logged on is
// logged rate-limited per address (loglimit.go), as a flood of them would
// otherwise write two lines each.
func (c *conn) logClosed(reason string) {
	if c.pastLogon {
		c.log.Info("connection closed", "reason", reason)
		return
	}
	kind := logNotLoggedOn
	if c.slot != nil && c.slot.evicted.Load() {
		kind = logEvicted
		reason = "not logged on, closed to make room (max_connections or max_pending_logons)"
	}
	if c.srv.refusals.allow(kind, c.client) {
		c.log.Info("connection closed before logon", "reason", reason)
	} else {
		c.log.Debug("connection closed before logon", "reason", reason)
	}
}

// logLimited logs msg at warning level unless this kind of event from the
// connection's address is being counted for a summary (loglimit.go).
func (c *conn) logLimited(kind logKind, msg string, args ...any) {
	if c.srv.refusals.allow(kind, c.client) {
		c.log.Warn(msg, args...)
	}
}

// sessionOpenFilesAtLimit reports whether uid holds its limit of open
// files.
func (c *conn) sessionOpenFilesAtLimit(uid uint16) bool {
	return ownedAtLimit(c.fileOwners, c.srv.cfg.MaxOpenFilesPerSession, func(o fileOwner) bool { return o.uid == uid })
}

// sessionSearchesAtLimit reports whether uid holds its limit of search
// handles.
func (c *conn) sessionSearchesAtLimit(uid uint16) bool {
	return ownedAtLimit(c.searches, c.srv.cfg.MaxSearchesPerSession, func(s *search) bool { return s.uid == uid })
}

// ownedAtLimit reports whether max or more entries of m are owned. It walks
// m only once m as a whole holds max, so the common case costs nothing.
func ownedAtLimit[V any](m map[uint16]V, max int, owned func(V) bool) bool {
	if len(m) < max {
		return false
	}
	n := 0
	for _, v := range m {
		if owned(v) {
			n++
		}
	}
	return n >= max
}

// pendingTransBytes is what the connection's pending transactions declared.
func (c *conn) pendingTransBytes() int {
	n := 0
	for _, pt := range c.transactions {
		n += pt.declared
	}
	return n
}
