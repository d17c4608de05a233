package server_test

// Connections that never log on against a server that must go on serving
// those that do: floods from many loopback addresses (Linux routes all of
// 127/8 to lo, so 127.0.0.2 and up are distinct clients to the server),
// and the volume of log lines a flood of refusals writes.

import (
	"context"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
)

// floodAddrs are n loopback addresses from 127.0.0.2.
func floodAddrs(n int) []string {
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = "127.0.0." + strconv.Itoa(2+i)
	}
	return addrs
}

// flood is a crowd of connections that never log on.
type flood struct {
	served   atomic.Int64 // answered: NEGOTIATE or a positive session response
	refused  atomic.Int64 // closed or refused before an answer
	closed   atomic.Int64 // answered, then closed by the server
	mu       sync.Mutex
	held     []net.Conn
	stop     chan struct{}
	finished sync.WaitGroup
}

func newFlood() *flood { return &flood{stop: make(chan struct{})} }

// answered sends req on a new connection from local and reads one frame:
// the connection if the reply is of type want, else nil (closed).
func answered(local, addr string, req []byte, want byte) net.Conn {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(req); err == nil {
		if typ, _, err := readFrame(c); err == nil && typ == want {
			c.SetDeadline(time.Time{})
			return c
		}
	}
	c.Close()
	return nil
}

// stallAfterNegotiate opens perAddr connections from each of addrs, each
// sending NEGOTIATE and then nothing; the answered ones are held.
func (f *flood) stallAfterNegotiate(addr string, addrs []string, perAddr int) {
	for _, local := range addrs {
		f.finished.Add(1)
		go func() {
			defer f.finished.Done()
			for range perAddr {
				c := answered(local, addr, negotiateRequest(1), nbssMessage)
				if c == nil {
					f.refused.Add(1)
					continue
				}
				f.served.Add(1)
				f.mu.Lock()
				f.held = append(f.held, c)
				f.mu.Unlock()
			}
		}()
	}
}

// reconnectAfterSessionRequest runs perAddr clients from each of addrs
// until stop: each sends a NetBT session request and nothing more, waits
// for the server to close the connection and connects again; a refused one
// tries again after a pause.
func (f *flood) reconnectAfterSessionRequest(addr string, addrs []string, perAddr int) {
	for _, local := range addrs {
		for range perAddr {
			f.finished.Add(1)
			go func() {
				defer f.finished.Done()
				for {
					select {
					case <-f.stop:
						return
					default:
					}
					c := answered(local, addr, sessionRequest(netbiosName), nbssPositive)
					if c == nil {
						f.refused.Add(1)
						select {
						case <-f.stop:
							return
						case <-time.After(250 * time.Millisecond):
						}
						continue
					}
					f.served.Add(1)
					done := make(chan struct{})
					go func() {
						select {
						case <-f.stop:
							c.Close()
						case <-done:
						}
					}()
					if _, _, err := readFrame(c); err != nil {
						select {
						case <-f.stop:
						default:
							f.closed.Add(1)
						}
					}
					close(done)
					c.Close()
				}
			}()
		}
	}
}

// freshLogons logs on from local, one connection after another, until
// done is closed (and once more), and returns the slowest logon.
func freshLogons(t *testing.T, hs *hostileServer, local string, netbt bool, done <-chan struct{}) (n int, slowest time.Duration) {
	t.Helper()
	for last := false; !last; {
		select {
		case <-done:
			last = true
		case <-time.After(50 * time.Millisecond):
		}
		start := time.Now()
		c := dialFrom(t, local, hs.addr)
		if netbt {
			hostileWrite(t, c, sessionRequest(netbiosName))
			expectPositiveResponse(t, c)
		}
		s := loginOn(t, c)
		slowest = max(slowest, time.Since(start))
		n++
		s.c.Close()
	}
	return n, slowest
}

// awaitConnections waits, up to a generous bound, until the server holds
// at most want connections, and returns how long that took.
func awaitConnections(t *testing.T, srv *server.Server, want int, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		n := len(srv.Status().Connections)
		if n <= want {
			return time.Since(start)
		}
		if time.Since(start) > bound {
			t.Fatalf("the server still holds %d connections %v later, want at most %d", n, bound, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPendingLogonsCannotLockOut: 1,024 connections from 16 addresses that
// stop after NEGOTIATE neither lock out a client from another address,
// which logs on throughout, nor close the one already logged on; they are
// closed at the handshake timeout. With the per-address cap lifted, the
// total cap has the oldest of them closed for each newcomer.
func TestPendingLogonsCannotLockOut(t *testing.T) {
	const timeout = 2 * time.Second
	for _, tc := range []struct {
		name             string
		pendingPerAddr   int
		wantServedAtMost int
	}{
		{"per-address cap of 8", 8, 16 * 8},
		{"no per-address cap", -1, 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHostileServerWith(t, server.FramingDirect, func(c *server.Config) {
				c.HandshakeTimeout = timeout
				c.MaxPendingLogonsPerClient = tc.pendingPerAddr
			})
			resident := loginOn(t, dialFrom(t, "127.0.0.101", hs.addr))
			f := newFlood()
			start := time.Now()
			f.stallAfterNegotiate(hs.addr, floodAddrs(16), 64)
			// Fresh logons go on while the stalled connections are held,
			// until their handshake timeout has passed.
			var flooded time.Duration
			done := make(chan struct{})
			go func() {
				f.finished.Wait()
				flooded = time.Since(start)
				time.Sleep(timeout + 500*time.Millisecond)
				close(done)
			}()
			n, slowest := freshLogons(t, hs, "127.0.0.100", false, done)
			t.Logf("%d connections in %v: %d answered, %d refused; %d fresh logons in the %v until after the handshake timeout, the slowest in %v",
				f.served.Load()+f.refused.Load(), flooded.Round(time.Millisecond), f.served.Load(), f.refused.Load(),
				n, time.Since(start).Round(time.Millisecond), slowest.Round(time.Millisecond))
			if got := f.served.Load() + f.refused.Load(); got != 16*64 {
				t.Fatalf("%d connections made, want %d", got, 16*64)
			}
			if got := f.served.Load(); got == 0 || got > int64(tc.wantServedAtMost) {
				t.Errorf("%d stalled connections answered, want 1..%d", got, tc.wantServedAtMost)
			}
			waited := awaitConnections(t, hs.srv, 1, 10*time.Second)
			t.Logf("stalled connections all closed %v after the fresh logons ended", waited.Round(time.Millisecond))
			for _, c := range f.held {
				expectClosedWithin(t, c, 5*time.Second)
			}
			resident.c.SetDeadline(time.Now().Add(3 * time.Second))
			resident.call(t, cmdEcho, resident.uid, resident.tid, le16(1), []byte("here"), statusSuccess)
		})
	}
}

// TestPendingLogonsReconnectingNetBT: 40 addresses whose clients send a
// NetBT session request, stall, and reconnect as soon as they are closed
// do not keep a client from another address from logging on, and are
// closed at the handshake timeout (or earlier, to make room).
func TestPendingLogonsReconnectingNetBT(t *testing.T) {
	const timeout = time.Second
	hs := newHostileServerWith(t, server.FramingNetBT, func(c *server.Config) { c.HandshakeTimeout = timeout })
	f := newFlood()
	f.reconnectAfterSessionRequest(hs.addr, floodAddrs(40), 26)
	done := make(chan struct{})
	time.AfterFunc(3*time.Second, func() { close(done) })
	n, slowest := freshLogons(t, hs, "127.0.0.100", true, done)
	close(f.stop)
	f.finished.Wait()
	t.Logf("40 addresses × 26 reconnecting clients for 3s: %d connections answered, %d refused, %d closed by the server; %d fresh logons meanwhile, the slowest in %v",
		f.served.Load(), f.refused.Load(), f.closed.Load(), n, slowest.Round(time.Millisecond))
	if f.closed.Load() == 0 {
		t.Error("the server closed none of the stalled connections")
	}
	awaitConnections(t, hs.srv, 0, 10*time.Second)
}

// TestRefusalLogVolume: a flood of refused connections, failed logons,
// logons over the failure limit and connections that never log on writes
// a line or two per kind for the flooding address, the summaries counting
// every event.
func TestRefusalLogVolume(t *testing.T) {
	logs := new(testpeer.SyncBuffer)
	hs := newHostileServerWith(t, server.FramingDirect, func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
		c.MaxPendingLogonsPerClient = 2
		c.LogonFailureDelay = -1
		c.LogonFailureLimit = 5
		c.LogonFailureWindow = time.Hour
	})
	const flooder = "127.0.0.2"
	held := dialFrom(t, flooder, hs.addr)
	neg := negotiateOn(t, held)
	other := dialFrom(t, flooder, hs.addr)
	negotiateOn(t, other)
	const refusals = 500
	for range refusals {
		if c := answered(flooder, hs.addr, negotiateRequest(1), nbssMessage); c != nil {
			c.Close()
			t.Fatal("a connection over max_pending_logons_per_client was served")
		}
	}
	const failures = 20
	for mid := uint16(2); mid < 2+failures; mid++ {
		hostileWrite(t, held, sessionSetupRequest(mid, neg, testUser, "wrong"))
		expectStatus(t, held, cmdSessionSetup, mid, statusLogonFailure)
	}
	held.Close()
	other.Close()
	awaitConnections(t, hs.srv, 0, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.srv.Shutdown(ctx); err != nil { // writes the summaries
		t.Fatal(err)
	}

	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, flooder) {
			lines = append(lines, l)
		}
	}
	t.Logf("%d refused connections, %d failed logons, 2 connections closed before logon: %d log lines for %s:\n%s",
		refusals, failures, len(lines), flooder, strings.Join(lines, "\n"))
	// Four kinds, each logged once at once and once summarised.
	if len(lines) > 8 {
		t.Errorf("%d log lines for %s, want at most 8", len(lines), flooder)
	}
	for _, want := range []string{
		strconv.Itoa(refusals-1) + " connections refused from " + flooder,
		strconv.Itoa(5-1) + " logons failed, from " + flooder,
		strconv.Itoa(failures-5-1) + " logons refused over logon_failure_limit, from " + flooder,
		"1 connections closed before logging on, from " + flooder,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no summary %q", want)
		}
	}
	if n := len(regexp.MustCompile(`msg="connection refused"`).FindAllString(logs.String(), -1)); n != 1 {
		t.Errorf("%d \"connection refused\" lines, want 1", n)
	}
}

// TestPendingLogonsEvictBusiestAddress: at max_pending_logons the
// connection closed for room is the oldest of the address holding the most
// connections not logged on, not a lone client's, even an older one; a
// logged-on one is never closed. An address that already has one pending
// is refused rather than trade places with a peer no busier; a new address
// takes the place of the oldest among equals.
func TestPendingLogonsEvictBusiestAddress(t *testing.T) {
	hs := newHostileServerWith(t, server.FramingDirect, func(c *server.Config) {
		c.MaxPendingLogons = 3
		c.MaxPendingLogonsPerClient = -1
	})
	resident := loginOn(t, dialFrom(t, "127.0.0.9", hs.addr))
	lone := dialFrom(t, "127.0.0.3", hs.addr)
	negotiateOn(t, lone)
	busy := []net.Conn{dialFrom(t, "127.0.0.2", hs.addr), dialFrom(t, "127.0.0.2", hs.addr)}
	for _, c := range busy {
		negotiateOn(t, c)
	}
	newcomer := dialFrom(t, "127.0.0.4", hs.addr)
	negotiateOn(t, newcomer)
	expectClosed(t, busy[0])
	for _, c := range []net.Conn{lone, busy[1], newcomer} {
		hostileWrite(t, c, echoRequest(2, []byte("here")))
		expectReply(t, c, cmdEcho, 2)
	}
	again := dialFrom(t, "127.0.0.2", hs.addr)
	hostileWrite(t, again, negotiateRequest(1))
	expectClosed(t, again)
	another := dialFrom(t, "127.0.0.5", hs.addr)
	negotiateOn(t, another)
	expectClosed(t, lone)
	resident.call(t, cmdEcho, resident.uid, resident.tid, le16(1), []byte("here"), statusSuccess)
}
