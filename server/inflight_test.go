//go:build !tinysmbd_nocore

package server_test

// Pipelined reads and writes (inflight.go). The share is an
// in-memory file system whose files can be held: a read or write of a held
// file waits until the test releases it, standing in for a slow disk or a
// network file system. Every wait here is for an event the test causes;
// a server that gets it wrong hangs until the connection's deadline and
// fails, so nothing asserts a time.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"
	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

const (
	ioCmdFlush = 0x05

	// ioWait bounds every wait for the server, so that a server that gets
	// it wrong fails the test instead of hanging it.
	ioWait = 30 * time.Second
)

// gateFs is a MemMapFs whose files' ReadAt and WriteAt can be held. It
// counts each file's open handles and reports every handle closed.
type gateFs struct {
	afero.Fs
	entered chan string // the file of each held ReadAt or WriteAt as it starts
	closed  chan string // the file of each handle as it closes

	mu      sync.Mutex
	gates   map[string]chan struct{}
	handles map[string]int
	broken  string // ReadAt and WriteAt of this file panic
}

func newGateFs(t *testing.T, files map[string][]byte) *gateFs {
	t.Helper()
	g := &gateFs{
		Fs:      afero.NewMemMapFs(),
		entered: make(chan string, 64),
		closed:  make(chan string, 256),
		gates:   make(map[string]chan struct{}),
		handles: make(map[string]int),
	}
	for name, data := range files {
		if err := afero.WriteFile(g.Fs, name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// hold makes every ReadAt and WriteAt of name wait until release is called.
func (g *gateFs) hold(name string) (release func()) {
	ch := make(chan struct{})
	g.mu.Lock()
	g.gates[name] = ch
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			delete(g.gates, name)
			g.mu.Unlock()
			close(ch)
		})
	}
}

func (g *gateFs) handlesOf(name string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.handles[name]
}

// pass is the gate a read or write of name goes through.
func (g *gateFs) pass(name string) {
	g.mu.Lock()
	gate, broken := g.gates[name], g.broken == name
	g.mu.Unlock()
	if broken {
		panic("test: file system bug")
	}
	if gate != nil {
		g.entered <- name
		<-gate
	}
}

// expectEntered waits until held I/O on each of names has started, in any
// order, and fails on I/O of another file.
func (g *gateFs) expectEntered(t *testing.T, names ...string) {
	t.Helper()
	want := make(map[string]int)
	for _, n := range names {
		want[n]++
	}
	for range names {
		select {
		case n := <-g.entered:
			if want[n] == 0 {
				t.Fatalf("held I/O on %s started; want only %v", n, names)
			}
			want[n]--
		case <-time.After(ioWait):
			t.Fatalf("held I/O on %v did not start", names)
		}
	}
}

// expectClosedFile waits until a handle of name closes.
func (g *gateFs) expectClosedFile(t *testing.T, name string) {
	t.Helper()
	for {
		select {
		case n := <-g.closed:
			if n == name {
				return
			}
		case <-time.After(ioWait):
			t.Fatalf("%s was not closed", name)
		}
	}
}

func (g *gateFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	h, err := g.Fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.handles[name]++
	g.mu.Unlock()
	return &gateFile{File: h, fs: g, name: name}, nil
}

func (g *gateFs) Open(name string) (afero.File, error) { return g.OpenFile(name, os.O_RDONLY, 0) }

func (g *gateFs) Create(name string) (afero.File, error) {
	return g.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

type gateFile struct {
	afero.File
	fs     *gateFs
	name   string
	closed bool // guarded by fs.mu
}

func (h *gateFile) ReadAt(p []byte, off int64) (int, error) {
	h.fs.pass(h.name)
	return h.File.ReadAt(p, off)
}

func (h *gateFile) WriteAt(p []byte, off int64) (int, error) {
	h.fs.pass(h.name)
	return h.File.WriteAt(p, off)
}

func (h *gateFile) Close() error {
	h.fs.mu.Lock()
	first := !h.closed
	if first {
		h.closed = true
		h.fs.handles[h.name]--
	}
	h.fs.mu.Unlock()
	err := h.File.Close()
	if first {
		select {
		case h.fs.closed <- h.name:
		default:
		}
	}
	return err
}

// ioConfig serves g as "share" to alice with the given MaxMpxCount (0 for
// the default), logging to log if it is not nil.
func ioConfig(g *gateFs, mpx int, log slog.Handler) server.Config {
	cfg := segConfig()
	cfg.Shares = []server.Share{{Name: "share", Fs: g}}
	cfg.MaxMpxCount = mpx
	if log != nil {
		cfg.Logger = slog.New(log)
	} else {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// ioServe serves files over a gateFs with MaxMpxCount mpx (0 for the
// default) and opens names in a new session. The caller defers shutdown,
// inside its test.CheckRoutines.
func ioServe(t *testing.T, files map[string][]byte, mpx int, names ...string) (g *gateFs, s *hostileSession, fids []uint16, shutdown func()) {
	t.Helper()
	g = newGateFs(t, files)
	addr, shutdown := serveUntilShutdown(t, ioConfig(g, mpx, nil))
	s, fids = ioSession(t, addr, names...)
	return g, s, fids, shutdown
}

// ioSession logs on to the server at addr, connects "share" and opens each
// of names for reading and writing, returning their FIDs.
func ioSession(t *testing.T, addr string, names ...string) (*hostileSession, []uint16) {
	t.Helper()
	s := (&hostileServer{addr: addr}).login(t)
	s.c.SetDeadline(time.Now().Add(2 * ioWait))
	var fids []uint16
	for _, n := range names {
		s.mid++
		hostileWrite(t, s.c, ntCreateAndXRequest(s.mid, s.uid, s.tid, n))
		r := expectReply(t, s.c, benchCmdNTCreate, s.mid)
		fids = append(fids, binary.LittleEndian.Uint16(r.words[5:]))
	}
	return s, fids
}

// send writes the messages in one write, so that they arrive together.
func (s *hostileSession) send(t *testing.T, msgs ...[]byte) {
	t.Helper()
	hostileWrite(t, s.c, bytes.Join(msgs, nil))
}

// replies reads n replies and returns them by MID, failing on a MID
// answered twice or a reply that is not a success.
func (s *hostileSession) replies(t *testing.T, n int) map[uint16]smbResponse {
	t.Helper()
	got := make(map[uint16]smbResponse)
	for range n {
		r := s.reply(t)
		if _, dup := got[r.mid]; dup {
			t.Fatalf("mid %d answered twice", r.mid)
		}
		got[r.mid] = r
	}
	return got
}

// reply reads the next reply and checks that it is a success.
func (s *hostileSession) reply(t *testing.T) smbResponse {
	t.Helper()
	_, p, err := readFrame(s.c)
	if err != nil {
		t.Fatalf("waiting for a reply: %v", err)
	}
	r, err := parseResponse(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.status != statusSuccess {
		t.Fatalf("%v: want STATUS_SUCCESS", r)
	}
	return r
}

// expectQuiet checks that no reply is left over: an ECHO sent now is the
// next thing answered.
func (s *hostileSession) expectQuiet(t *testing.T) {
	t.Helper()
	s.mid++
	payload := echoPayload(s.mid, 8)
	hostileWrite(t, s.c, echoRequest(s.mid, payload))
	checkEcho(t, expectReply(t, s.c, cmdEcho, s.mid), s.mid, payload)
}

// readData is the data of a READ_ANDX reply (MS-SMB 2.2.4.2.2: DataLength
// is word 5, DataOffset word 6, counted from the header).
func readData(t *testing.T, r smbResponse) []byte {
	t.Helper()
	if r.cmd != hCmdReadAndX || len(r.words) < 24 {
		t.Fatalf("%v is not a READ_ANDX reply", r)
	}
	n := int(binary.LittleEndian.Uint16(r.words[10:]))
	off := int(binary.LittleEndian.Uint16(r.words[12:])) - (35 + len(r.words))
	if off < 0 || off+n > len(r.data) {
		t.Fatalf("%v: data at %d+%d outside the data block", r, off, n)
	}
	return r.data[off : off+n]
}

// writeCount is the Count of a WRITE_ANDX reply (MS-SMB 2.2.4.3.2: word 2,
// CountHigh word 4).
func writeCount(t *testing.T, r smbResponse) int {
	t.Helper()
	if r.cmd != hCmdWriteAndX || len(r.words) < 12 {
		t.Fatalf("%v is not a WRITE_ANDX reply", r)
	}
	return int(binary.LittleEndian.Uint16(r.words[4:])) | int(binary.LittleEndian.Uint16(r.words[8:]))<<16
}

// fileOf is n bytes that differ from file to file.
func fileOf(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

// TestPipelinedIOSlowFileBlocksNothingElse: a READ_ANDX of a file whose
// I/O hangs, then a READ_ANDX and a WRITE_ANDX of another file and an
// ECHO. The second file's replies and the ECHO's arrive while the first
// read still hangs; once it is released its reply follows, with the right
// bytes, and every MID is answered once. The later requests come in the
// same segment as the hanging read, or in a later one while the reader
// would be inside it if it ran the read itself.
func TestPipelinedIOSlowFileBlocksNothingElse(t *testing.T) {
	for _, together := range []bool{true, false} {
		name := "later write"
		if together {
			name = "one write"
		}
		t.Run(name, func(t *testing.T) {
			defer test.CheckRoutines(t)()
			a, b := fileOf(3000, 1), fileOf(2000, 2)
			g := newGateFs(t, map[string][]byte{"/a.dat": a, "/b.dat": b})
			addr, shutdown := serveUntilShutdown(t, ioConfig(g, 0, nil))
			defer shutdown()
			s, fids := ioSession(t, addr, "a.dat", "b.dat")
			release := g.hold("/a.dat")
			defer release()

			readA := readAndXRequest(100, s.uid, s.tid, fids[0], 1000, 1500)
			newB := []byte("fresh bytes of b")
			rest := [][]byte{
				readAndXRequest(101, s.uid, s.tid, fids[1], 0, 100),
				writeAndXRequest(102, s.uid, s.tid, fids[1], 500, newB),
				echoRequest(103, echoPayload(103, 40)),
			}
			if together {
				s.send(t, append([][]byte{readA}, rest...)...)
				g.expectEntered(t, "/a.dat")
			} else {
				s.send(t, readA)
				g.expectEntered(t, "/a.dat")
				s.send(t, rest...)
			}
			got := s.replies(t, 3)
			if d := readData(t, got[101]); !bytes.Equal(d, b[:100]) {
				t.Errorf("read of b.dat returned % x..., want % x...", d[:min(8, len(d))], b[:8])
			}
			if n := writeCount(t, got[102]); n != len(newB) {
				t.Errorf("write of b.dat counted %d bytes, want %d", n, len(newB))
			}
			checkEcho(t, got[103], 103, echoPayload(103, 40))

			release()
			r := s.reply(t)
			if r.mid != 100 {
				t.Fatalf("got %v, want the reply to mid 100", r)
			}
			if d := readData(t, r); !bytes.Equal(d, a[1000:2500]) {
				t.Errorf("read of a.dat returned %d bytes that differ from the file's", len(d))
			}
			s.expectQuiet(t)
			if data, _ := afero.ReadFile(g, "/b.dat"); !bytes.Equal(data[500:500+len(newB)], newB) {
				t.Errorf("b.dat does not hold the write")
			}
			s.c.Close()
		})
	}
}

// TestPipelinedIOSameFIDInOrder: writes to one FID pipelined behind a held
// write, a write to another FID, a FLUSH of the first and a read of
// everything: the write to the other FID is answered while the first
// hangs; then the replies come in arrival order, the FLUSH after the
// writes it commits, and the read sees every write.
func TestPipelinedIOSameFIDInOrder(t *testing.T) {
	defer test.CheckRoutines(t)()
	g, s, fids, shutdown := ioServe(t, map[string][]byte{"/a.dat": nil, "/b.dat": nil}, 0, "a.dat", "b.dat")
	defer shutdown()
	release := g.hold("/a.dat")
	defer release()

	const chunk, writes = 700, 6
	want := fileOf(chunk*writes, 3)
	var msgs [][]byte
	for i := range writes {
		msgs = append(msgs, writeAndXRequest(uint16(200+i), s.uid, s.tid, fids[0], uint64(i*chunk), want[i*chunk:(i+1)*chunk]))
	}
	msgs = append(msgs,
		writeAndXRequest(300, s.uid, s.tid, fids[1], 0, []byte("b")),
		smbRequest(ioCmdFlush, 210, s.uid, s.tid, clientFlags2, le16(fids[0]), nil),
		readAndXRequest(211, s.uid, s.tid, fids[0], 0, len(want)))
	s.send(t, msgs...)
	g.expectEntered(t, "/a.dat")
	// The write to b.dat goes through while a.dat's first write hangs
	// (and the reader waits for a.dat's writes to finish at the FLUSH).
	if r := s.reply(t); r.mid != 300 || writeCount(t, r) != 1 {
		t.Fatalf("got %v, want the one-byte write to b.dat (mid 300)", r)
	}
	release()
	for i := range writes {
		if r := s.reply(t); r.mid != uint16(200+i) || writeCount(t, r) != chunk {
			t.Fatalf("reply %d: got %v, want write mid %d of %d bytes", i, r, 200+i, chunk)
		}
	}
	if r := s.reply(t); r.mid != 210 || r.cmd != ioCmdFlush {
		t.Fatalf("got %v, want the FLUSH (mid 210)", r)
	}
	r := s.reply(t)
	if r.mid != 211 {
		t.Fatalf("got %v, want the read (mid 211)", r)
	}
	if d := readData(t, r); !bytes.Equal(d, want) {
		t.Errorf("the read after %d pipelined writes returned %d bytes that differ from them", writes, len(d))
	}
	s.expectQuiet(t)
	s.c.Close()
}

// TestPipelinedIOPositionFollows: a core SEEK from the current position
// pipelined behind a held WRITE_ANDX sees the position the write moved
// the FID to (Samba's write_file; position.go).
func TestPipelinedIOPositionFollows(t *testing.T) {
	defer test.CheckRoutines(t)()
	g, s, fids, shutdown := ioServe(t, map[string][]byte{"/a.dat": fileOf(100, 4)}, 0, "a.dat")
	defer shutdown()
	release := g.hold("/a.dat")
	defer release()

	s.send(t,
		writeAndXRequest(400, s.uid, s.tid, fids[0], 1000, fileOf(50, 5)),
		smbRequest(cmdSeek, 401, s.uid, s.tid, clientFlags2, le32(le16(fids[0], 1), 0), nil)) // from the current position
	g.expectEntered(t, "/a.dat")
	release()
	if r := s.reply(t); r.mid != 400 {
		t.Fatalf("got %v, want the write (mid 400)", r)
	}
	r := s.reply(t)
	if r.mid != 401 || len(r.words) != 4 {
		t.Fatalf("got %v, want the SEEK (mid 401)", r)
	}
	if pos := binary.LittleEndian.Uint32(r.words); pos != 1050 {
		t.Errorf("SEEK after a 50-byte write at 1000 reports position %d, want 1050", pos)
	}
	s.c.Close()
}

// TestPipelinedIOCloseWaitsForIO: a CLOSE pipelined behind a held READ of
// the same FID is answered after the read, which returns the file's
// bytes, and the file is really closed when the CLOSE is answered.
func TestPipelinedIOCloseWaitsForIO(t *testing.T) {
	defer test.CheckRoutines(t)()
	a := fileOf(4000, 6)
	g, s, fids, shutdown := ioServe(t, map[string][]byte{"/a.dat": a}, 0, "a.dat")
	defer shutdown()
	release := g.hold("/a.dat")
	defer release()

	s.send(t,
		readAndXRequest(500, s.uid, s.tid, fids[0], 0, 4000),
		smbRequest(hCmdClose, 501, s.uid, s.tid, clientFlags2, le32(le16(fids[0]), 0), nil))
	g.expectEntered(t, "/a.dat")
	if n := g.handlesOf("/a.dat"); n != 1 {
		t.Fatalf("a.dat has %d handles open while a read of it runs, want 1", n)
	}
	release()
	r := s.reply(t)
	if r.mid != 500 {
		t.Fatalf("got %v, want the read (mid 500) before the CLOSE", r)
	}
	if d := readData(t, r); !bytes.Equal(d, a) {
		t.Errorf("the read returned %d bytes that differ from the file's", len(d))
	}
	if r := s.reply(t); r.mid != 501 || r.cmd != hCmdClose {
		t.Fatalf("got %v, want the CLOSE (mid 501)", r)
	}
	if n := g.handlesOf("/a.dat"); n != 0 {
		t.Errorf("a.dat has %d handles open after its CLOSE was answered, want 0", n)
	}
	s.expectQuiet(t)
	s.c.Close()
}

// logWatch is a slog handler that reports each message containing match.
type logWatch struct {
	match string
	seen  chan string
}

func (h *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (h *logWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.match) {
		select {
		case h.seen <- r.Message:
		default:
		}
	}
	return nil
}
func (h *logWatch) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logWatch) WithGroup(string) slog.Handler      { return h }

// TestPipelinedIOClientVanishes: the client goes away while a read hangs.
// The connection's end waits for the read: the file stays open until the
// read returns and is closed after, and no goroutine is left.
func TestPipelinedIOClientVanishes(t *testing.T) {
	defer test.CheckRoutines(t)()
	g := newGateFs(t, map[string][]byte{"/a.dat": fileOf(4000, 7)})
	watch := &logWatch{match: "waiting for reads and writes in flight", seen: make(chan string, 1)}
	addr, shutdown := serveUntilShutdown(t, ioConfig(g, 0, watch))
	defer shutdown()
	s, fids := ioSession(t, addr, "a.dat")
	release := g.hold("/a.dat")
	defer release()

	s.send(t, readAndXRequest(600, s.uid, s.tid, fids[0], 0, 4000))
	g.expectEntered(t, "/a.dat")
	s.c.Close()
	select {
	case <-watch.seen:
	case <-time.After(ioWait):
		t.Fatal("the connection's end did not wait for the read in flight")
	}
	if n := g.handlesOf("/a.dat"); n != 1 {
		t.Fatalf("a.dat has %d handles open while a read of it runs, want 1", n)
	}
	release()
	g.expectClosedFile(t, "/a.dat")
	if n := g.handlesOf("/a.dat"); n != 0 {
		t.Errorf("a.dat has %d handles open after the connection ended, want 0", n)
	}
}

// TestPipelinedIOBackPressure: with MaxMpxCount 2, three held reads of
// three files in one segment: two start, the reader stops there, and the
// third starts only once one of the first two completes.
func TestPipelinedIOBackPressure(t *testing.T) {
	defer test.CheckRoutines(t)()
	waiting := make(chan struct{}, 8)
	defer server.SetSlotWaitHook(func() { waiting <- struct{}{} })()
	g, s, fids, shutdown := ioServe(t, map[string][]byte{"/a.dat": fileOf(10, 1), "/b.dat": fileOf(10, 2), "/c.dat": fileOf(10, 3)}, 2, "a.dat", "b.dat", "c.dat")
	defer shutdown()
	releases := map[string]func(){}
	for _, n := range []string{"/a.dat", "/b.dat", "/c.dat"} {
		releases[n] = g.hold(n)
		defer releases[n]()
	}

	s.send(t,
		readAndXRequest(700, s.uid, s.tid, fids[0], 0, 10),
		readAndXRequest(701, s.uid, s.tid, fids[1], 0, 10),
		readAndXRequest(702, s.uid, s.tid, fids[2], 0, 10))
	g.expectEntered(t, "/a.dat", "/b.dat")
	select {
	case <-waiting:
	case <-time.After(ioWait):
		t.Fatal("the reader did not stop at MaxMpxCount reads in flight")
	}
	// The reader is the one that starts a request, and it is waiting.
	select {
	case n := <-g.entered:
		t.Fatalf("I/O on %s started beyond MaxMpxCount", n)
	default:
	}
	releases["/a.dat"]()
	if r := s.reply(t); r.mid != 700 {
		t.Fatalf("got %v, want the read of a.dat (mid 700)", r)
	}
	g.expectEntered(t, "/c.dat")
	releases["/b.dat"]()
	releases["/c.dat"]()
	got := s.replies(t, 2)
	for mid, seed := range map[uint16]byte{701: 2, 702: 3} {
		if d := readData(t, got[mid]); !bytes.Equal(d, fileOf(10, seed)) {
			t.Errorf("mid %d read % x, want % x", mid, d, fileOf(10, seed))
		}
	}
	s.expectQuiet(t)
	s.c.Close()
}

// TestPipelinedIOPanicClosesOnlyThatConnection: a panic in the file
// system under a handed-off read is recovered like one in a handler
// (TestHandlerPanicClosesOnlyThatConnection): that connection closes,
// another is served, and no goroutine is left.
func TestPipelinedIOPanicClosesOnlyThatConnection(t *testing.T) {
	defer test.CheckRoutines(t)()
	g := newGateFs(t, map[string][]byte{"/bad.dat": fileOf(10, 1), "/good.dat": fileOf(10, 2)})
	g.broken = "/bad.dat"
	addr, shutdown := serveUntilShutdown(t, ioConfig(g, 0, nil))
	defer shutdown()
	s, fids := ioSession(t, addr, "bad.dat")
	other, otherFIDs := ioSession(t, addr, "good.dat")

	s.send(t, readAndXRequest(800, s.uid, s.tid, fids[0], 0, 10))
	expectClosed(t, s.c)
	s.c.Close()
	g.expectClosedFile(t, "/bad.dat")

	other.send(t, readAndXRequest(801, other.uid, other.tid, otherFIDs[0], 0, 10))
	if d := readData(t, other.reply(t)); !bytes.Equal(d, fileOf(10, 2)) {
		t.Errorf("the other connection read % x", d)
	}
	other.c.Close()
}

// TestPipelinedIOShutdownWaits: Shutdown while a read hangs waits for it;
// its reply is sent before the connection closes.
func TestPipelinedIOShutdownWaits(t *testing.T) {
	defer test.CheckRoutines(t)()
	g := newGateFs(t, map[string][]byte{"/a.dat": fileOf(300, 8)})
	watch := &logWatch{match: "waiting for reads and writes in flight", seen: make(chan string, 1)}
	srv, addr, served := serveLoopback(t, ioConfig(g, 0, watch))
	s, fids := ioSession(t, addr, "a.dat")
	release := g.hold("/a.dat")
	defer release()

	s.send(t, readAndXRequest(900, s.uid, s.tid, fids[0], 0, 300))
	g.expectEntered(t, "/a.dat")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), ioWait)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	select {
	case <-watch.seen:
	case <-time.After(ioWait):
		t.Fatal("Shutdown did not wait for the read in flight")
	}
	release()
	if d := readData(t, s.reply(t)); !bytes.Equal(d, fileOf(300, 8)) {
		t.Errorf("the read answered during Shutdown returned %d bytes that differ", len(d))
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	<-served
	expectClosed(t, s.c)
	s.c.Close()
	if n := g.handlesOf("/a.dat"); n != 0 {
		t.Errorf("a.dat has %d handles open after Shutdown", n)
	}
}

// readTrace is a slog handler that reports, for each READ_ANDX trace
// line, whether a runner served it (the "async" attribute).
type readTrace struct{ async chan bool }

func (h *readTrace) Enabled(context.Context, slog.Level) bool { return true }
func (h *readTrace) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "smb READ_ANDX" {
		async := false
		r.Attrs(func(a slog.Attr) bool {
			async = async || a.Key == "async"
			return true
		})
		h.async <- async
	}
	return nil
}
func (h *readTrace) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *readTrace) WithGroup(string) slog.Handler      { return h }

// TestPipelinedIOFastFileStaysOnReader: lone reads of a FID go to a
// runner until fastStreak of them in a row were fast; then they run on
// the reader, saving the hand-off (a thread wake-up, which on a small
// multi-core machine costs more than the read); one slow read sends the
// next to a runner again.
func TestPipelinedIOFastFileStaysOnReader(t *testing.T) {
	defer test.CheckRoutines(t)()
	g := newGateFs(t, map[string][]byte{"/a.dat": fileOf(100, 1)})
	trace := &readTrace{async: make(chan bool, 64)}
	cfg := ioConfig(g, 0, trace)
	cfg.Trace = true
	addr, shutdown := serveUntilShutdown(t, cfg)
	defer shutdown()
	s, fids := ioSession(t, addr, "a.dat")
	read := func(t *testing.T) (async bool) {
		t.Helper()
		s.mid++
		s.send(t, readAndXRequest(s.mid, s.uid, s.tid, fids[0], 0, 100))
		if d := readData(t, s.reply(t)); !bytes.Equal(d, fileOf(100, 1)) {
			t.Fatalf("read % x", d)
		}
		return <-trace.async
	}
	const streak = 4 // server.fastStreak
	for i := range streak {
		if !read(t) {
			t.Fatalf("lone read %d of a FID without %d fast ones ran on the reader", i+1, streak)
		}
	}
	// A loaded machine may make one of them slower than fastIO, starting
	// the count again, but not fifty times.
	for i := 0; read(t); i++ {
		if i == 50 {
			t.Fatalf("lone reads of a fast file never ran on the reader")
		}
	}
	// A slow read, on the reader: it takes at least 2 ms.
	release := g.hold("/a.dat")
	s.mid++
	s.send(t, readAndXRequest(s.mid, s.uid, s.tid, fids[0], 0, 100))
	g.expectEntered(t, "/a.dat")
	time.Sleep(2 * time.Millisecond)
	release()
	s.reply(t)
	if <-trace.async {
		t.Fatal("the slow read went to a runner")
	}
	if !read(t) {
		t.Fatal("a lone read after a slow one ran on the reader")
	}
	s.c.Close()
}

// TestPipelinedIOIdleKeepsNoRunner: once a connection's reads and writes
// are answered and it is idle, no runner goroutine is left for it (an idle
// connection costs no more than one without runners).
func TestPipelinedIOIdleKeepsNoRunner(t *testing.T) {
	defer test.CheckRoutines(t)()
	_, s, fids, shutdown := ioServe(t, map[string][]byte{"/a.dat": fileOf(100, 1), "/b.dat": fileOf(100, 2)}, 0, "a.dat", "b.dat")
	defer shutdown()
	s.send(t,
		readAndXRequest(1000, s.uid, s.tid, fids[0], 0, 100),
		writeAndXRequest(1001, s.uid, s.tid, fids[1], 0, []byte("x")),
		readAndXRequest(1002, s.uid, s.tid, fids[1], 0, 100))
	s.replies(t, 3)
	deadline := time.Now().Add(ioWait)
	for runners := countRunners(); runners > 0; runners = countRunners() {
		if time.Now().After(deadline) {
			t.Fatalf("%d runner goroutines left on an idle connection", runners)
		}
		time.Sleep(time.Millisecond)
	}
	s.expectQuiet(t)
	s.c.Close()
}

// countRunners counts the goroutines running a connection's handed-off
// I/O (inflight.go's runIO).
func countRunners() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("server.(*conn).runIO("))
}

// TestPipelinedIOAllocs: a READ_ANDX and a WRITE_ANDX round trip served
// by a runner (no file counts as fast) allocate nothing in steady state,
// as TestReadWriteRoundTripAllocs requires of the reader's own path.
func TestPipelinedIOAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race; make test also runs this without it")
	}
	defer server.SetFastIO(0)()
	for _, size := range benchSizes {
		for _, signed := range []bool{false, true} {
			rt := newRoundTrips(t, size, signed)
			for name, op := range map[string]func(testing.TB){"READ_ANDX": rt.readOnce, "WRITE_ANDX": rt.writeOnce} {
				for range 20 {
					op(t)
				}
				if allocs := testing.AllocsPerRun(200, func() { op(t) }); allocs > 0 {
					t.Errorf("%s round trip of %d KiB (signed %v) on a runner allocates %.0f times, want 0", name, size>>10, signed, allocs)
				}
			}
		}
	}
}

// BenchmarkPipelinedWriteAndX sends depth 60 KiB WRITE_ANDX requests of one
// FID in one client write and reads their replies, every one handed to a
// runner (no file counts as fast): the handed-off write path with its frame
// buffers swapped out of the reader (inflight.go).
func BenchmarkPipelinedWriteAndX(b *testing.B) {
	defer server.SetFastIO(0)()
	const size = 60 << 10
	for _, depth := range []int{1, 8} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			link := dialBench(b, benchConfig(b))
			s := benchLogon(b, link)
			var burst []byte
			for i := range depth {
				// Each ends at the end of the file, as in
				// BenchmarkWriteAndXRoundTrip.
				burst = append(burst, writeAndXRequest(uint16(100+i), s.uid, s.tid, s.fid, benchFileSize-size, fileOf(size, byte(i)))...)
			}
			b.SetBytes(int64(depth * size))
			b.ReportAllocs()
			for b.Loop() {
				link.send(b, burst)
				for i := range depth {
					benchReply(b, link.next(b), hCmdWriteAndX, uint16(100+i))
				}
			}
		})
	}
}
