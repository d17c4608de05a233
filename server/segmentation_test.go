package server_test

// Segmentation tests drive the server with the raw SMB1 client of
// kit_test.go over connections whose delivery the test controls, so that
// message boundaries and TCP segment boundaries disagree on purpose: many
// SMBs in one write, one SMB over many 1-byte writes, and replies whose
// grouping into the server's writes is observed exactly.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

// pipeListener hands the server the far ends of connections the test made.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// give passes c to the server as an accepted connection.
func (l *pipeListener) give(t testing.TB, c net.Conn) {
	t.Helper()
	select {
	case l.conns <- c:
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not accept a connection within 5s")
	}
}

// dialTransport connects a client to a server serving cfg with framing over
// "pipe" (net.Pipe: every client Write arrives as exactly that Read on the
// server, no coalescing) or "tcp" (loopback).
func dialTransport(t *testing.T, transport string, cfg server.Config, framing server.Framing) net.Conn {
	t.Helper()
	var c net.Conn
	switch transport {
	case "pipe":
		l := newPipeListener()
		startServer(t, cfg, served{l, framing})
		var s net.Conn
		c, s = net.Pipe()
		l.give(t, s)
	case "tcp":
		l, _ := listenDirect(t)
		startServer(t, cfg, served{l, framing})
		var err error
		if c, err = net.Dial("tcp", l.Addr().String()); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).SetNoDelay(true) // each small write its own segment
	default:
		t.Fatalf("unknown transport %q", transport)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// asyncWrite writes the chunks from another goroutine (net.Pipe's Write
// blocks until the server has read everything, and the server may first
// need its replies read) and returns a func that waits for it.
func asyncWrite(c net.Conn, chunks ...[]byte) func(t testing.TB) {
	done := make(chan error, 1)
	go func() {
		for _, b := range chunks {
			if _, err := c.Write(b); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return func(t testing.TB) {
		t.Helper()
		if err := <-done; err != nil {
			t.Fatalf("client write: %v", err)
		}
	}
}

// TestSegmentationPipelinedInOneWrite is acceptance test 3a: a session
// request (NetBT), a NEGOTIATE and 40 ECHOs in a single write; every reply
// arrives, in order, with the right MID and data.
func TestSegmentationPipelinedInOneWrite(t *testing.T) {
	for _, transport := range []string{"pipe", "tcp"} {
		for _, framing := range []server.Framing{server.FramingNetBT, server.FramingDirect} {
			t.Run(transport+"-"+framing.String(), func(t *testing.T) {
				c := dialTransport(t, transport, segConfig(), framing)
				var all []byte
				if framing == server.FramingNetBT {
					all = append(all, sessionRequest(netbiosName)...)
				}
				all = append(all, negotiateRequest(1)...)
				const n = 40
				for i := range n {
					mid := uint16(100 + i)
					all = append(all, echoRequest(mid, echoPayload(mid, 1+i*37))...)
				}
				wait := asyncWrite(c, all)
				if framing == server.FramingNetBT {
					expectPositiveResponse(t, c)
				}
				checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
				for i := range n {
					mid := uint16(100 + i)
					checkEcho(t, expectReply(t, c, cmdEcho, mid), mid, echoPayload(mid, 1+i*37))
				}
				wait(t)
			})
		}
	}
}

func expectPositiveResponse(t testing.TB, r io.Reader) {
	t.Helper()
	typ, p, err := readFrame(r)
	if err != nil {
		t.Fatalf("waiting for the NetBT session response: %v", err)
	}
	if typ != nbssPositive || len(p) != 0 {
		t.Fatalf("NetBT session response: type 0x%02x with %d bytes, want positive response 0x82 with none", typ, len(p))
	}
}

// dribble writes b in pieces of the given sizes (cycling), pausing between
// them, so the server sees partial headers and partial messages.
func dribble(c net.Conn, b []byte, sizes []int, pause time.Duration) error {
	for i := 0; len(b) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(b))
		if _, err := c.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if pause > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// TestSegmentationSplitWrites is acceptance test 3b: messages cut into 1-byte
// and odd-sized writes with pauses, including cuts inside the 4-byte
// transport header and writes that end one message and start the next.
func TestSegmentationSplitWrites(t *testing.T) {
	for _, transport := range []string{"pipe", "tcp"} {
		for _, framing := range []server.Framing{server.FramingNetBT, server.FramingDirect} {
			t.Run(transport+"-"+framing.String(), func(t *testing.T) {
				c := dialTransport(t, transport, segConfig(), framing)
				echo := func(mid uint16) []byte { return echoRequest(mid, echoPayload(mid, int(mid)*301)) }
				e3, e4, e5, e6 := echo(3), echo(4), echo(5), echo(6)
				both := append(append([]byte{}, e5...), e6...)
				cut := len(e5) + 4 + 9 // inside e6's SMB header
				ms := time.Millisecond

				// net.Pipe's Write returns only once the server has read the
				// bytes, so the writes run beside the reads.
				written := make(chan error, 1)
				go func() {
					written <- func() error {
						if framing == server.FramingNetBT {
							if err := dribble(c, sessionRequest(netbiosName), []int{1}, ms); err != nil {
								return err
							}
							// RFC 1002 4.3.7: a keepalive may come at any time; split it too.
							if err := dribble(c, frame(nbssKeepalive, nil), []int{1, 3}, ms); err != nil {
								return err
							}
						}
						for _, w := range []struct {
							b     []byte
							sizes []int
							pause time.Duration
						}{
							{negotiateRequest(1), []int{1}, ms},
							{echo(2), []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89}, ms},
							{e3[:len(e3)-10], []int{len(e3)}, 2 * ms},
							// One write ends e3 and begins e4 inside its transport header.
							{append(append([]byte{}, e3[len(e3)-10:]...), e4[:3]...), []int{13}, 2 * ms},
							// e4's header completes, then its SMB header comes in halves.
							{e4[3:], []int{1, 15, 16, 600}, 2 * ms},
							// e5 and e6 glued, cut inside e6's SMB header.
							{both[:cut], []int{cut}, 2 * ms},
							{both[cut:], []int{len(both)}, 0},
						} {
							if err := dribble(c, w.b, w.sizes, w.pause); err != nil {
								return err
							}
						}
						return nil
					}()
				}()

				if framing == server.FramingNetBT {
					expectPositiveResponse(t, c)
				}
				checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
				for _, mid := range []uint16{2, 3, 4, 5, 6} {
					checkEcho(t, expectReply(t, c, cmdEcho, mid), mid, echoPayload(mid, int(mid)*301))
				}
				if err := <-written; err != nil {
					t.Fatalf("client write: %v", err)
				}
			})
		}
	}
}

// recordConn is a server-side connection that reads requests from a stream
// but writes replies to a SOCK_SEQPACKET socket, where each write (or writev)
// the server makes arrives as exactly one record at the test's end: the test
// sees the server's write calls, not the kernel's segmentation.
//
// Wrapping a TCP conn to count Write calls would not do: net.Buffers.WriteTo
// uses writev only on the net package's own conns and calls Write once per
// buffer on anything else, so a wrapper would see one Write per message even
// when the server batches. recordConn embeds *net.UnixConn, whose writev path
// is promoted, and only redirects the read side.
type recordConn struct {
	*net.UnixConn // write side: seqpacket
	in            net.Conn
}

func (c *recordConn) Read(p []byte) (int, error)        { return c.in.Read(p) }
func (c *recordConn) SetReadDeadline(t time.Time) error { return c.in.SetReadDeadline(t) }
func (c *recordConn) LocalAddr() net.Addr               { return c.in.LocalAddr() }
func (c *recordConn) RemoteAddr() net.Addr              { return c.in.RemoteAddr() }

func (c *recordConn) SetDeadline(t time.Time) error {
	return errors.Join(c.in.SetDeadline(t), c.UnixConn.SetDeadline(t))
}

func (c *recordConn) Close() error { return errors.Join(c.in.Close(), c.UnixConn.Close()) }

// seqpacketPair returns two connected SOCK_SEQPACKET Unix sockets.
func seqpacketPair(t *testing.T) (a, b *net.UnixConn) {
	t.Helper()
	dir, err := os.MkdirTemp("", "smbseg") // short: sun_path is ~108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := &net.UnixAddr{Name: filepath.Join(dir, "s"), Net: "unixpacket"}
	l, err := net.ListenUnix("unixpacket", addr)
	if err != nil {
		t.Skipf("SOCK_SEQPACKET Unix sockets unavailable (%v): cannot observe the server's writes", err)
	}
	defer l.Close()
	accepted := make(chan *net.UnixConn, 1)
	go func() {
		c, _ := l.AcceptUnix()
		accepted <- c
	}()
	a, err = net.DialUnix("unixpacket", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	b = <-accepted
	if b == nil {
		t.Fatal("seqpacket accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// recordingClient is the test's end of a recordConn: it writes requests to
// the stream and reads the server's writes one record at a time.
type recordingClient struct {
	w       net.Conn
	records *net.UnixConn
	buf     []byte
	pending [][]byte // packets of the last record not yet consumed
}

// dialRecording starts a server serving cfg over a recordConn and returns
// the client end. It first proves on a throwaway pair that a two-buffer
// net.Buffers write through a recordConn arrives as one record.
func dialRecording(t *testing.T, cfg server.Config) *recordingClient {
	t.Helper()
	{
		a, b := seqpacketPair(t)
		p1, p2 := net.Pipe()
		defer p1.Close()
		defer p2.Close()
		rc := &recordConn{UnixConn: a, in: p1}
		bufs := net.Buffers{[]byte("first"), []byte("second")}
		if _, err := bufs.WriteTo(rc); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 64)
		b.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := b.Read(got)
		if err != nil || string(got[:n]) != "firstsecond" {
			t.Fatalf("harness: net.Buffers through recordConn arrived as %q (%v), not one record: writes cannot be counted on this platform", got[:n], err)
		}
	}
	srvEnd, cliEnd := seqpacketPair(t)
	tl, _ := listenDirect(t)
	defer tl.Close()
	pl := newPipeListener()
	startServer(t, cfg, served{pl, server.FramingDirect})
	w, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	in, err := tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	pl.give(t, &recordConn{UnixConn: srvEnd, in: in})
	w.SetDeadline(time.Now().Add(20 * time.Second))
	cliEnd.SetDeadline(time.Now().Add(20 * time.Second))
	return &recordingClient{w: w, records: cliEnd, buf: make([]byte, 1<<20)}
}

// record reads one server write and splits it into packets.
func (c *recordingClient) record(t testing.TB) [][]byte {
	t.Helper()
	n, err := c.records.Read(c.buf)
	if err != nil {
		t.Fatalf("reading the server's next write: %v", err)
	}
	pkts, err := splitRecord(append([]byte(nil), c.buf[:n]...))
	if err != nil {
		t.Fatalf("server write of %d bytes: %v", n, err)
	}
	return pkts
}

// collect reads server writes until n SMB replies arrived, and returns them
// grouped by write.
func (c *recordingClient) collect(t testing.TB, n int) [][]smbResponse {
	t.Helper()
	var writes [][]smbResponse
	for got := 0; got < n; {
		var w []smbResponse
		for _, p := range c.record(t) {
			if p[0] != nbssMessage {
				t.Fatalf("unexpected NetBT packet type 0x%02x", p[0])
			}
			r, err := parseResponse(p[4:])
			if err != nil {
				t.Fatal(err)
			}
			w = append(w, r)
		}
		got += len(w)
		writes = append(writes, w)
	}
	return writes
}

func (c *recordingClient) send(t testing.TB, msgs ...[]byte) {
	t.Helper()
	if _, err := c.w.Write(bytes.Join(msgs, nil)); err != nil {
		t.Fatalf("client write: %v", err)
	}
}

func describeWrites(writes [][]smbResponse) string {
	var b strings.Builder
	for i, w := range writes {
		fmt.Fprintf(&b, "write %d:", i+1)
		for _, r := range w {
			fmt.Fprintf(&b, " [%02x mid %d]", r.cmd, r.mid)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// negotiateRecording does the NEGOTIATE exchange and checks it was answered
// with a challenge for a non-extended-security logon.
func negotiateRecording(t *testing.T, c *recordingClient) negotiated {
	t.Helper()
	c.send(t, negotiateRequest(1))
	writes := c.collect(t, 1)
	if len(writes) != 1 || len(writes[0]) != 1 {
		t.Fatalf("NEGOTIATE: got\n%s", describeWrites(writes))
	}
	r := writes[0][0]
	if r.cmd != cmdNegotiate || r.mid != 1 || r.status != statusSuccess {
		t.Fatalf("NEGOTIATE reply: %v", r)
	}
	neg := checkNegotiate(t, r)
	if neg.challenge == nil {
		t.Fatalf("NEGOTIATE without FLAGS2_EXTENDED_SECURITY was answered without an 8-byte challenge "+
			"(capabilities 0x%08x, ChallengeLength %d): MS-CIFS 2.2.4.52.2 non-extended logons unsupported", neg.caps, r.words[33])
	}
	return neg
}

// TestSegmentationSessionSetupAlone is acceptance test 3c: with
// CoalesceSessionSetup off (the default), the SESSION_SETUP_ANDX reply gets
// a write of its own even when ECHO replies are ready before and after it
// (KB Q161968: NT 3.51/4.0 clients expected it alone in its segment).
func TestSegmentationSessionSetupAlone(t *testing.T) {
	for _, coalesce := range []bool{false, true} {
		t.Run(fmt.Sprintf("coalesce=%v", coalesce), func(t *testing.T) {
			cfg := segConfig()
			cfg.CoalesceSessionSetup = coalesce
			c := dialRecording(t, cfg)
			neg := negotiateRecording(t, c)
			c.send(t,
				echoRequest(10, echoPayload(10, 10)),
				echoRequest(11, echoPayload(11, 11)),
				sessionSetupRequest(12, neg, testUser, testPassword),
				echoRequest(13, echoPayload(13, 13)),
				echoRequest(14, echoPayload(14, 14)),
			)
			writes := c.collect(t, 5)
			t.Logf("server writes:\n%s", describeWrites(writes))
			var order []uint16
			for _, w := range writes {
				for _, r := range w {
					order = append(order, r.mid)
					if r.status != statusSuccess {
						t.Errorf("%v: want STATUS_SUCCESS", r)
					}
					if r.cmd == cmdSessionSetup {
						if r.uid == 0 {
							t.Errorf("SESSION_SETUP reply carries UID 0")
						}
						if len(r.words) >= 6 && binary.LittleEndian.Uint16(r.words[4:])&1 != 0 {
							t.Errorf("SESSION_SETUP as %s/%s was logged on as guest", testUser, testPassword)
						}
						if !coalesce && len(w) != 1 {
							t.Errorf("SESSION_SETUP_ANDX reply shares a write with %d other replies (CoalesceSessionSetup=false)", len(w)-1)
						}
					}
				}
			}
			if fmt.Sprint(order) != fmt.Sprint([]uint16{10, 11, 12, 13, 14}) {
				t.Errorf("replies in MID order %v, want [10 11 12 13 14]", order)
			}
		})
	}
}

// TestSegmentationEchoBatching is acceptance test 3d: 32 ECHOs in one
// segment are answered with fewer server writes than replies (Samba uses 32
// write syscalls; the batching writer coalesces whatever is ready).
func TestSegmentationEchoBatching(t *testing.T) {
	c := dialRecording(t, segConfig())
	negotiateRecording(t, c)
	const n = 32
	var msgs [][]byte
	for i := range n {
		mid := uint16(200 + i)
		msgs = append(msgs, echoRequest(mid, echoPayload(mid, 16)))
	}
	c.send(t, msgs...)
	writes := c.collect(t, n)
	i := 0
	for _, w := range writes {
		for _, r := range w {
			mid := uint16(200 + i)
			if r.cmd != cmdEcho || r.mid != mid || r.status != statusSuccess {
				t.Fatalf("reply %d: %v, want ECHO mid %d STATUS_SUCCESS", i, r, mid)
			}
			checkEcho(t, r, mid, echoPayload(mid, 16))
			i++
		}
	}
	t.Logf("%d ECHO replies in %d server writes:\n%s", n, len(writes), describeWrites(writes))
	if len(writes) >= n {
		t.Errorf("%d replies took %d writes: the writer did not batch", n, len(writes))
	}
}
