package server_test

// Benchmarks of the steady-state data path: a READ_ANDX and a
// WRITE_ANDX round trip over an in-memory connection to a MemMapFs share, and
// the batching writer answering pipelined ECHOs. The session is set up once,
// outside the timed loop, with the raw client of kit_test.go; the
// loop itself sends prebuilt requests and reads replies into a preallocated
// buffer, so every allocation counted is the server's.
//
// Nothing here asserts a time. TestReadWriteRoundTripAllocs requires a
// steady-state READ_ANDX and WRITE_ANDX round trip to allocate nothing.

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

const (
	// benchFileSize is the size of the file the round trips read and write.
	benchFileSize = 1 << 20
	benchFileName = "bench.dat"
)

// benchPipe is one direction of an in-memory connection. Unlike net.Pipe it
// never blocks a writer (bytes queue in a buffer that grows to the
// benchmark's working size and then stays) and arms no timers: net.Pipe's
// deadlines start a time.AfterFunc each time they are set, and the server
// sets a write deadline per write, which would charge the server with the
// pipe's allocations. A read deadline is checked when Read starts and when
// it wakes; one in the past (how Shutdown unblocks a reader) wakes it at
// once, a future one does not fire by itself.
type benchPipe struct {
	mu       sync.Mutex
	cond     sync.Cond
	buf      []byte
	r        int // buf[r:] is unread
	closed   bool
	deadline time.Time
}

func newBenchPipe() *benchPipe {
	p := &benchPipe{buf: make([]byte, 0, 256<<10)}
	p.cond.L = &p.mu
	return p
}

func (p *benchPipe) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, net.ErrClosed
	}
	if p.r == len(p.buf) {
		p.buf, p.r = p.buf[:0], 0
	} else if p.r > 0 && len(p.buf)+len(b) > cap(p.buf) {
		p.buf = p.buf[:copy(p.buf, p.buf[p.r:])]
		p.r = 0
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
	return len(b), nil
}

func (p *benchPipe) read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.r == len(p.buf) {
		if p.closed {
			return 0, io.EOF
		}
		if !p.deadline.IsZero() && !time.Now().Before(p.deadline) {
			return 0, os.ErrDeadlineExceeded
		}
		p.cond.Wait()
	}
	n := copy(b, p.buf[p.r:])
	p.r += n
	return n, nil
}

func (p *benchPipe) close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *benchPipe) setDeadline(t time.Time) {
	p.mu.Lock()
	p.deadline = t
	p.cond.Broadcast()
	p.mu.Unlock()
}

// benchConn is one end of an in-memory full-duplex connection.
type benchConn struct {
	in, out *benchPipe
}

// benchConnPair returns the two ends of a new in-memory connection.
func benchConnPair() (client, srv *benchConn) {
	a, b := newBenchPipe(), newBenchPipe()
	return &benchConn{in: a, out: b}, &benchConn{in: b, out: a}
}

func (c *benchConn) Read(b []byte) (int, error)  { return c.in.read(b) }
func (c *benchConn) Write(b []byte) (int, error) { return c.out.write(b) }
func (c *benchConn) Close() error {
	c.in.close()
	c.out.close()
	return nil
}
func (c *benchConn) LocalAddr() net.Addr                { return pipeAddr{} }
func (c *benchConn) RemoteAddr() net.Addr               { return pipeAddr{} }
func (c *benchConn) SetReadDeadline(t time.Time) error  { c.in.setDeadline(t); return nil }
func (c *benchConn) SetWriteDeadline(t time.Time) error { return nil }
func (c *benchConn) SetDeadline(t time.Time) error      { return c.SetReadDeadline(t) }

// benchConfig serves a MemMapFs share holding benchFileName to alice,
// logging nowhere: startServer's default debug log and request trace would
// put the logger's allocations on the data path.
func benchConfig(tb testing.TB) server.Config {
	tb.Helper()
	fs := afero.NewMemMapFs()
	if err := afero.WriteFile(fs, "/"+benchFileName, make([]byte, benchFileSize), 0o644); err != nil {
		tb.Fatal(err)
	}
	return server.Config{
		NetBIOSName: netbiosName,
		Users:       []server.User{{Name: testUser, Password: testPassword}},
		Shares:      []server.Share{{Name: "share", Fs: fs}},
		Logger:      slog.New(slog.DiscardHandler),
	}
}

// benchLink is how the benchmark client exchanges packets with the server:
// send writes requests, next returns the payload of the server's next
// packet (valid until the following call).
type benchLink interface {
	send(tb testing.TB, b []byte)
	next(tb testing.TB) []byte
}

// streamLink reads replies as a byte stream (benchConn).
type streamLink struct {
	c   net.Conn
	hdr [4]byte
	buf []byte
}

func (l *streamLink) send(tb testing.TB, b []byte) {
	if _, err := l.c.Write(b); err != nil {
		tb.Fatalf("client write: %v", err)
	}
}

func (l *streamLink) next(tb testing.TB) []byte {
	if _, err := io.ReadFull(l.c, l.hdr[:]); err != nil {
		tb.Fatalf("reading a reply header: %v", err)
	}
	n := int(l.hdr[1])<<16 | int(binary.BigEndian.Uint16(l.hdr[2:]))
	if n > len(l.buf) {
		tb.Fatalf("reply of %d bytes exceeds the %d-byte client buffer", n, len(l.buf))
	}
	if _, err := io.ReadFull(l.c, l.buf[:n]); err != nil {
		tb.Fatalf("reading a %d-byte reply: %v", n, err)
	}
	return l.buf[:n]
}

// recordLink reads the server's writes one record at a time from a
// SOCK_SEQPACKET socket (recordConn), so it also counts them.
type recordLink struct {
	w       net.Conn
	records *net.UnixConn
	buf     []byte
	rest    []byte // packets of the last record not yet returned
	writes  int    // records read so far: the server's write calls
}

func (l *recordLink) send(tb testing.TB, b []byte) {
	if _, err := l.w.Write(b); err != nil {
		tb.Fatalf("client write: %v", err)
	}
}

func (l *recordLink) next(tb testing.TB) []byte {
	if len(l.rest) == 0 {
		n, err := l.records.Read(l.buf)
		if err != nil {
			tb.Fatalf("reading the server's next write: %v", err)
		}
		l.rest = l.buf[:n]
		l.writes++
	}
	if len(l.rest) < 4 {
		tb.Fatalf("%d stray bytes at the end of a server write", len(l.rest))
	}
	n := 4 + (int(l.rest[1])<<16 | int(binary.BigEndian.Uint16(l.rest[2:])))
	if n > len(l.rest) {
		tb.Fatalf("packet of %d bytes cut by the end of a server write", n)
	}
	p := l.rest[4:n]
	l.rest = l.rest[n:]
	return p
}

// benchReply checks that p is a successful reply to cmd with the given MID
// without allocating (unless it fails).
func benchReply(tb testing.TB, p []byte, cmd byte, mid uint16) []byte {
	if len(p) < 35 || p[4] != cmd || binary.LittleEndian.Uint16(p[30:]) != mid ||
		binary.LittleEndian.Uint32(p[5:]) != statusSuccess {
		r, err := parseResponse(p)
		tb.Fatalf("got %v (%v), want a successful reply to command 0x%02x mid %d", r, err, cmd, mid)
	}
	return p
}

// benchSession is a logged-on, tree-connected client with benchFileName
// open.
type benchSession struct {
	link          benchLink
	uid, tid, fid uint16
}

// benchLogon negotiates, logs on as alice, connects to "share" and opens
// benchFileName for reading and writing.
func benchLogon(tb testing.TB, link benchLink) *benchSession {
	tb.Helper()
	link.send(tb, negotiateRequest(1))
	neg, err := parseResponse(benchReply(tb, link.next(tb), cmdNegotiate, 1))
	if err != nil {
		tb.Fatal(err)
	}
	n := checkNegotiate(tb, neg)
	if n.challenge == nil {
		tb.Fatal("NEGOTIATE without extended security got no 8-byte challenge")
	}
	link.send(tb, sessionSetupRequest(2, n, testUser, testPassword))
	p := benchReply(tb, link.next(tb), cmdSessionSetup, 2)
	s := &benchSession{link: link, uid: binary.LittleEndian.Uint16(p[28:])}

	link.send(tb, treeConnectAndXRequest(3, s.uid, `\\`+netbiosName+`\SHARE`))
	p = benchReply(tb, link.next(tb), cmdTreeConnect, 3)
	s.tid = binary.LittleEndian.Uint16(p[24:])

	link.send(tb, ntCreateAndXRequest(4, s.uid, s.tid, benchFileName))
	r, err := parseResponse(benchReply(tb, link.next(tb), benchCmdNTCreate, 4))
	if err != nil {
		tb.Fatal(err)
	}
	// MS-CIFS 2.2.4.64.2: AndX header (4), OplockLevel (1), FID.
	if len(r.words) < 7 {
		tb.Fatalf("NT_CREATE_ANDX reply: %v", r)
	}
	s.fid = binary.LittleEndian.Uint16(r.words[5:])
	return s
}

// dialBench starts a server for cfg and returns a client over an in-memory
// connection.
func dialBench(tb testing.TB, cfg server.Config) *streamLink {
	tb.Helper()
	l := newPipeListener()
	startServer(tb, cfg, served{l, server.FramingDirect})
	cli, srv := benchConnPair()
	tb.Cleanup(func() { cli.Close() })
	l.give(tb, srv)
	return &streamLink{c: cli, buf: make([]byte, 256<<10)}
}

// roundTrips holds the prebuilt requests of one session, so that a round
// trip only writes and reads.
type roundTrips struct {
	s     *benchSession
	size  int
	read  []byte
	write []byte
}

func newRoundTrips(tb testing.TB, size int, signed bool) *roundTrips {
	tb.Helper()
	var link benchLink = dialBench(tb, benchConfig(tb))
	if signed {
		sl := newSigningLink(link)
		defer sl.mustSign(tb)
		link = sl
	}
	s := benchLogon(tb, link)
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return &roundTrips{
		s:    s,
		size: size,
		read: readAndXRequest(10, s.uid, s.tid, s.fid, 0, size),
		// The write ends at the end of the file: afero's MemMapFs copies
		// every byte after a write's end onto itself, which would charge
		// the server with a memmove of up to benchFileSize per round trip.
		write: writeAndXRequest(11, s.uid, s.tid, s.fid, benchFileSize-uint64(size), data),
	}
}

func (rt *roundTrips) readOnce(tb testing.TB) {
	rt.s.link.send(tb, rt.read)
	p := benchReply(tb, rt.s.link.next(tb), hCmdReadAndX, 10)
	// MS-SMB 2.2.4.2.2: DataLength is word 5, DataLengthHigh word 7.
	if len(p) < 33+24 || p[32] != 12 ||
		int(binary.LittleEndian.Uint16(p[43:]))|int(binary.LittleEndian.Uint16(p[47:]))<<16 != rt.size {
		r, _ := parseResponse(p)
		tb.Fatalf("READ_ANDX reply %v does not carry %d bytes", r, rt.size)
	}
}

func (rt *roundTrips) writeOnce(tb testing.TB) {
	rt.s.link.send(tb, rt.write)
	p := benchReply(tb, rt.s.link.next(tb), hCmdWriteAndX, 11)
	// MS-SMB 2.2.4.3.2: Count is word 2, CountHigh word 4.
	if len(p) < 33+12 || p[32] != 6 ||
		int(binary.LittleEndian.Uint16(p[37:]))|int(binary.LittleEndian.Uint16(p[41:]))<<16 != rt.size {
		r, _ := parseResponse(p)
		tb.Fatalf("WRITE_ANDX reply %v does not count %d bytes", r, rt.size)
	}
}

// benchSizes are the payloads the round trips move: a small read, and the
// 60 KiB that fits under a 64 KiB MaxBufferSize, which is what clients
// without CAP_LARGE_READX/WRITEX use.
var benchSizes = []int{4 << 10, 60 << 10}

func BenchmarkReadAndXRoundTrip(b *testing.B) { benchRoundTrips(b, (*roundTrips).readOnce) }

func BenchmarkWriteAndXRoundTrip(b *testing.B) { benchRoundTrips(b, (*roundTrips).writeOnce) }

// benchRoundTrips times once for every size, unsigned and signed.
func benchRoundTrips(b *testing.B, once func(*roundTrips, testing.TB)) {
	for _, size := range benchSizes {
		for _, signed := range []bool{false, true} {
			name := fmt.Sprintf("%dKiB", size>>10)
			if signed {
				name += "/signed"
			}
			b.Run(name, func(b *testing.B) {
				rt := newRoundTrips(b, size, signed)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					once(rt, b)
				}
			})
		}
	}
}

func TestReadWriteRoundTripAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; make test also runs this without it")
	}
	for _, size := range benchSizes {
		for _, signed := range []bool{false, true} {
			rt := newRoundTrips(t, size, signed)
			for _, op := range []struct {
				name string
				fn   func(testing.TB)
			}{{"READ_ANDX", rt.readOnce}, {"WRITE_ANDX", rt.writeOnce}} {
				// Warm the pools and buffers past their first growth.
				for range 20 {
					op.fn(t)
				}
				allocs := testing.AllocsPerRun(200, func() { op.fn(t) })
				t.Logf("%s round trip of %d KiB (signed %v): %.0f allocs/op", op.name, size>>10, signed, allocs)
				if allocs > 0 {
					t.Errorf("%s round trip of %d KiB (signed %v) allocates %.0f times, want 0", op.name, size>>10, signed, allocs)
				}
			}
		}
	}
}

// benchSeqpacketPair returns two connected SOCK_SEQPACKET Unix sockets, or
// skips.
func benchSeqpacketPair(tb testing.TB) (a, b *net.UnixConn) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "smbbench") // short: sun_path is ~108 bytes
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	addr := &net.UnixAddr{Name: dir + "/s", Net: "unixpacket"}
	l, err := net.ListenUnix("unixpacket", addr)
	if err != nil {
		tb.Skipf("SOCK_SEQPACKET Unix sockets unavailable (%v): cannot count the server's writes", err)
	}
	defer l.Close()
	accepted := make(chan *net.UnixConn, 1)
	go func() {
		c, _ := l.AcceptUnix()
		accepted <- c
	}()
	if a, err = net.DialUnix("unixpacket", nil, addr); err != nil {
		tb.Fatal(err)
	}
	if b = <-accepted; b == nil {
		tb.Fatal("seqpacket accept failed")
	}
	tb.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// dialBenchRecording serves cfg over a recordConn whose read side is an
// in-memory pipe: one client write is one server read, and each server
// write (or writev) is one record at the client.
func dialBenchRecording(tb testing.TB, cfg server.Config) *recordLink {
	tb.Helper()
	srvOut, cliIn := benchSeqpacketPair(tb)
	cli, srvIn := benchConnPair()
	tb.Cleanup(func() { cli.Close() })
	l := newPipeListener()
	startServer(tb, cfg, served{l, server.FramingDirect})
	l.give(tb, &recordConn{UnixConn: srvOut, in: srvIn})
	return &recordLink{w: cli, records: cliIn, buf: make([]byte, 1<<20)}
}

// BenchmarkBatchingWriter sends depth requests in one write and reads every
// reply: ECHOs (no file system work) and 512-byte READ_ANDX. writes/resp is
// the server's write calls per reply (Samba: 1; the target at depth 32:
// at most 0.1); ns/resp is the time per reply.
func BenchmarkBatchingWriter(b *testing.B) {
	for _, op := range []string{"echo", "read512"} {
		for _, depth := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/depth=%d", op, depth), func(b *testing.B) {
				link := dialBenchRecording(b, benchConfig(b))
				var burst []byte
				var cmd byte
				mid0 := uint16(100)
				switch op {
				case "echo":
					link.send(b, negotiateRequest(1))
					benchReply(b, link.next(b), cmdNegotiate, 1)
					cmd = cmdEcho
					for i := range depth {
						mid := mid0 + uint16(i)
						burst = append(burst, echoRequest(mid, echoPayload(mid, 16))...)
					}
				case "read512":
					s := benchLogon(b, link)
					cmd = hCmdReadAndX
					for i := range depth {
						burst = append(burst, readAndXRequest(mid0+uint16(i), s.uid, s.tid, s.fid, uint64(i)*512, 512)...)
					}
				}
				b.ReportAllocs()
				start := link.writes
				for b.Loop() {
					link.send(b, burst)
					for i := range depth {
						benchReply(b, link.next(b), cmd, mid0+uint16(i))
					}
				}
				replies := float64(b.N * depth)
				b.ReportMetric(float64(link.writes-start)/replies, "writes/resp")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/replies, "ns/resp")
			})
		}
	}
}
