//go:build !tinysmbd_nocore

package server_test

// Faults: a client that vanishes, a write-through request, a
// full disk, a read-only file system and a shutdown in the middle of a
// request. The file system is a wrapper that counts open handles and
// Sync calls and injects errors, so each test can say exactly what the
// server did to the files.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/transport/v3/test"
	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

const statusDiskFull = 0xC000007F

// faultFs wraps an afero.Fs: it counts handles open and Sync calls, and
// can fail writes (ENOSPC past a byte budget, or EROFS) or hold a write
// until released.
type faultFs struct {
	afero.Fs
	open  atomic.Int64 // handles opened and not yet closed
	syncs atomic.Int64

	mu       sync.Mutex
	budget   int64 // bytes writes may still add; <0 means unlimited
	readOnly bool  // writes and changes fail with EROFS
	hold     chan struct{}
	entered  chan struct{} // receives when a held write starts
}

func newFaultFs() *faultFs { return &faultFs{Fs: afero.NewMemMapFs(), budget: -1} }

func (f *faultFs) erofs() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		return syscall.EROFS
	}
	return nil
}

func (f *faultFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC) != 0 {
		if err := f.erofs(); err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
	h, err := f.Fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	f.open.Add(1)
	return &faultFile{File: h, fs: f}, nil
}

func (f *faultFs) Open(name string) (afero.File, error) { return f.OpenFile(name, os.O_RDONLY, 0) }

func (f *faultFs) Create(name string) (afero.File, error) {
	return f.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
}

func (f *faultFs) Remove(name string) error {
	if err := f.erofs(); err != nil {
		return &os.PathError{Op: "remove", Path: name, Err: err}
	}
	return f.Fs.Remove(name)
}

func (f *faultFs) Mkdir(name string, perm os.FileMode) error {
	if err := f.erofs(); err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return f.Fs.Mkdir(name, perm)
}

type faultFile struct {
	afero.File
	fs     *faultFs
	closed atomic.Bool
}

func (h *faultFile) Close() error {
	if h.closed.CompareAndSwap(false, true) {
		h.fs.open.Add(-1)
	}
	return h.File.Close()
}

func (h *faultFile) Sync() error {
	h.fs.syncs.Add(1)
	return h.File.Sync()
}

// WriteAt writes what the budget allows, as the kernel does on a nearly
// full disk: a short write, then ENOSPC.
func (h *faultFile) WriteAt(p []byte, off int64) (int, error) {
	f := h.fs
	f.mu.Lock()
	hold, entered := f.hold, f.entered
	f.mu.Unlock()
	if hold != nil {
		entered <- struct{}{}
		<-hold
	}
	if err := f.erofs(); err != nil {
		return 0, &os.PathError{Op: "write", Path: h.Name(), Err: err}
	}
	f.mu.Lock()
	n := len(p)
	full := false
	if f.budget >= 0 && int64(n) > f.budget {
		n, full = int(f.budget), true
	}
	if f.budget >= 0 {
		f.budget -= int64(n)
	}
	f.mu.Unlock()
	w, err := h.File.WriteAt(p[:n], off)
	if err == nil && full {
		err = &os.PathError{Op: "write", Path: h.Name(), Err: syscall.ENOSPC}
	}
	return w, err
}

// serveFault serves fs as "share" until the test ends.
func serveFault(t *testing.T, fs afero.Fs) *hostileServer {
	t.Helper()
	cfg := segConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Shares = []server.Share{{Name: "share", Fs: fs}}
	l, _ := listenDirect(t)
	startServer(t, cfg, served{l, server.FramingNetBT})
	return &hostileServer{addr: l.Addr().String()}
}

// writeAndX is a WRITE_ANDX of data at off; writeThrough sets WriteMode
// bit 0 (MS-CIFS 2.2.4.43.1).
func writeAndX(mid, uid, tid, fid uint16, off uint32, data []byte, writeThrough bool) []byte {
	m := writeAndXRequest(mid, uid, tid, fid, uint64(off), data)
	if writeThrough {
		m[4+33+14] = 1
	}
	return m
}

// write sends one WRITE_ANDX and checks its status and, on success, the
// count written (MS-CIFS 2.2.4.43.2: Count is word 2).
func (s *hostileSession) write(t *testing.T, fid uint16, off uint32, data []byte, writeThrough bool, status uint32) {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, writeAndX(s.mid, s.uid, s.tid, fid, off, data, writeThrough))
	r := expectStatus(t, s.c, hCmdWriteAndX, s.mid, status)
	if status == statusSuccess {
		if n := binary.LittleEndian.Uint16(r.words[4:]); int(n) != len(data) {
			t.Fatalf("WRITE_ANDX wrote %d of %d bytes", n, len(data))
		}
	}
}

// waitFor polls cond until it holds or 10 s pass: the server releases a
// vanished client's files when its reader notices, which takes a moment.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// chunk is n bytes of a pattern that differs per chunk index i.
func chunk(i, n int) []byte {
	return bytes.Repeat([]byte{byte('a' + i%26)}, n)
}

// TestFaultClientVanishesMidWrite: a client is acknowledged three writes,
// sends half of a fourth and resets the connection. Its file is closed,
// holds exactly the acknowledged bytes, no goroutine is left, and other
// clients are served throughout.
func TestFaultClientVanishesMidWrite(t *testing.T) {
	defer test.CheckRoutines(t)()
	fs := newFaultFs()
	cfg := segConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Shares = []server.Share{{Name: "share", Fs: fs}}
	addr, shutdown := serveUntilShutdown(t, cfg)
	hs := &hostileServer{addr: addr}

	s := hs.login(t)
	fid := s.ntCreate(t, `vanish.bin`, accessReadWrite, dispOpenIf, statusSuccess)
	other := hs.login(t)
	otherFid := other.ntCreate(t, `other.bin`, accessReadWrite, dispOpenIf, statusSuccess)
	var want []byte
	for i := range 3 {
		data := chunk(i, 4000)
		s.write(t, fid, uint32(len(want)), data, false, statusSuccess)
		want = append(want, data...)
	}
	if got := fs.open.Load(); got != 2 {
		t.Fatalf("%d handles open, want 2", got)
	}
	half := writeAndX(s.mid+1, s.uid, s.tid, fid, uint32(len(want)), chunk(3, 4000), false)
	hostileWrite(t, s.c, half[:len(half)/2])
	tc := s.c.(*net.TCPConn)
	tc.SetLinger(0) // close with RST, as a client that lost power appears after a retransmit timeout
	tc.Close()

	waitFor(t, "the vanished client's file is closed", func() bool { return fs.open.Load() == 1 })
	got, err := afero.ReadFile(fs, "/vanish.bin")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("vanish.bin holds %d bytes (%v), want the %d acknowledged", len(got), err, len(want))
	}
	other.write(t, otherFid, 0, []byte("still served"), false, statusSuccess)
	hs.healthy(t)
	other.c.Close()
	shutdown()
	if n := fs.open.Load(); n != 0 {
		t.Errorf("%d handles still open after shutdown", n)
	}
}

// TestFaultWriteThrough: WRITE_ANDX with WriteMode bit 0 syncs the file
// before it answers; without it, no sync.
func TestFaultWriteThrough(t *testing.T) {
	fs := newFaultFs()
	hs := serveFault(t, fs)
	s := hs.login(t)
	fid := s.ntCreate(t, `wt.bin`, accessReadWrite, dispOpenIf, statusSuccess)
	s.write(t, fid, 0, []byte("lazy"), false, statusSuccess)
	if n := fs.syncs.Load(); n != 0 {
		t.Fatalf("a plain write synced %d times", n)
	}
	s.write(t, fid, 4, []byte("durable"), true, statusSuccess)
	if n := fs.syncs.Load(); n != 1 {
		t.Fatalf("a write-through write answered after %d syncs, want 1", n)
	}
}

// TestFaultDiskFull: a write that finds the disk full is
// STATUS_DISK_FULL, and the file keeps the acknowledged bytes and nothing
// of the failed write; after space frees up, writing works again.
func TestFaultDiskFull(t *testing.T) {
	fs := newFaultFs()
	hs := serveFault(t, fs)
	s := hs.login(t)
	fid := s.ntCreate(t, `full.bin`, accessReadWrite, dispOpenIf, statusSuccess)
	s.write(t, fid, 0, chunk(0, 3000), false, statusSuccess)
	fs.mu.Lock()
	fs.budget = 1000
	fs.mu.Unlock()
	s.write(t, fid, 3000, chunk(1, 3000), false, statusDiskFull)
	got, _ := afero.ReadFile(fs, "/full.bin")
	if !bytes.Equal(got, chunk(0, 3000)) {
		t.Fatalf("after DISK_FULL the file holds %d bytes, want the 3000 acknowledged", len(got))
	}
	fs.mu.Lock()
	fs.budget = -1
	fs.mu.Unlock()
	s.write(t, fid, 3000, chunk(1, 3000), false, statusSuccess)
	if got, _ := afero.ReadFile(fs, "/full.bin"); !bytes.Equal(got, append(chunk(0, 3000), chunk(1, 3000)...)) {
		t.Fatalf("after space freed the file holds %d bytes", len(got))
	}
}

// TestFaultReadOnlyFileSystem: EROFS from the file system is
// STATUS_MEDIA_WRITE_PROTECTED (Samba's map_nt_error_from_unix), for a
// write on an open handle, an open for writing, a create and a delete.
func TestFaultReadOnlyFileSystem(t *testing.T) {
	fs := newFaultFs()
	afero.WriteFile(fs.Fs, "/f.txt", []byte("kept"), 0o644)
	afero.WriteFile(fs.Fs, "/g.txt", []byte("kept"), 0o644)
	hs := serveFault(t, fs)
	s := hs.login(t)
	fid := s.ntCreate(t, `f.txt`, accessReadWrite, dispOpen, statusSuccess)
	fs.mu.Lock()
	fs.readOnly = true
	fs.mu.Unlock()
	s.write(t, fid, 0, []byte("EVIL"), false, statusMediaWriteProtected)
	s.ntCreate(t, `f.txt`, accessReadWrite, dispOpen, statusMediaWriteProtected)
	s.ntCreate(t, `new.txt`, accessReadWrite, dispCreate, statusMediaWriteProtected)
	// g.txt, not the open f.txt: deleting an open file that does not
	// share delete access is a sharing violation before the file system
	// is asked.
	s.oem(t, cmdDelete, le16(0x16), path(`g.txt`), statusMediaWriteProtected)
	s.oem(t, bCmdCreateDirectory, nil, path(`d`), statusMediaWriteProtected)
	if got, _ := afero.ReadFile(fs.Fs, "/f.txt"); string(got) != "kept" {
		t.Fatalf("f.txt holds %q", got)
	}
}

// TestFaultShutdownFinishesInFlight: Shutdown while a WRITE_ANDX is inside
// the file system waits for it, sends its reply, syncs and closes the
// files still open, and only then returns.
func TestFaultShutdownFinishesInFlight(t *testing.T) {
	defer test.CheckRoutines(t)()
	fs := newFaultFs()
	cfg := segConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Shares = []server.Share{{Name: "share", Fs: fs}}
	srv, addr, served := serveLoopback(t, cfg)
	hs := &hostileServer{addr: addr}
	s := hs.login(t)
	fid := s.ntCreate(t, `slow.bin`, accessReadWrite, dispOpenIf, statusSuccess)

	hold, entered := make(chan struct{}), make(chan struct{}, 1)
	fs.mu.Lock()
	fs.hold, fs.entered = hold, entered
	fs.mu.Unlock()
	s.mid++
	hostileWrite(t, s.c, writeAndX(s.mid, s.uid, s.tid, fid, 0, []byte("in flight"), false))
	<-entered

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	// Shutdown cannot finish while the write is held: the request is
	// in flight, and the connection waits for it.
	waitFor(t, "the listener is closed", func() bool {
		c, err := net.Dial("tcp", hs.addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	if fs.syncs.Load() != 0 || fs.open.Load() != 1 {
		t.Fatalf("files touched before the request finished: %d syncs, %d open", fs.syncs.Load(), fs.open.Load())
	}
	close(hold)

	r := expectStatus(t, s.c, hCmdWriteAndX, s.mid, statusSuccess)
	if n := binary.LittleEndian.Uint16(r.words[4:]); n != uint16(len("in flight")) {
		t.Fatalf("the in-flight write's reply counts %d bytes", n)
	}
	expectClosed(t, s.c)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	if fs.syncs.Load() != 1 || fs.open.Load() != 0 {
		t.Fatalf("after Shutdown: %d syncs, %d handles open; want 1 and 0", fs.syncs.Load(), fs.open.Load())
	}
	if got, _ := afero.ReadFile(fs.Fs, "/slow.bin"); string(got) != "in flight" {
		t.Fatalf("slow.bin holds %q", got)
	}
}

// envFaultTmpfs names the directory holding the tmpfs mounts when the test
// binary runs inside its private mount namespace.
const envFaultTmpfs = "TINYSMBD_TEST_FAULT_TMPFS"

// TestFaultRealTmpfs runs the disk-full and read-only cases on real
// kernels' file systems: a 1 MiB tmpfs and a tmpfs remounted read-only, in
// a private mount namespace (unshare -m as root, -rm otherwise) so nothing
// is mounted on the host.
func TestFaultRealTmpfs(t *testing.T) {
	dir := os.Getenv(envFaultTmpfs)
	if dir == "" {
		runInMountNamespace(t)
		return
	}
	full, err := vfs.NewRootFs(filepath.Join(dir, "full"))
	if err != nil {
		t.Fatal(err)
	}
	ro, err := vfs.NewRootFs(filepath.Join(dir, "ro"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := segConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Shares = []server.Share{{Name: "share", Fs: full}, {Name: "rofs", Fs: ro}}
	l, _ := listenDirect(t)
	startServer(t, cfg, served{l, server.FramingNetBT})
	hs := &hostileServer{addr: l.Addr().String()}

	s := hs.login(t) // to "share", the 1 MiB tmpfs
	fid := s.ntCreate(t, `big.bin`, accessReadWrite, dispOpenIf, statusSuccess)
	var acked []byte
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatal("2 MiB written to a 1 MiB tmpfs without DISK_FULL")
		}
		data := chunk(i, 20000)
		s.mid++
		hostileWrite(t, s.c, writeAndX(s.mid, s.uid, s.tid, fid, uint32(len(acked)), data, false))
		typ, p, err := readFrame(s.c)
		if err != nil || typ != nbssMessage {
			t.Fatalf("WRITE_ANDX reply: %#x %v", typ, err)
		}
		r, err := parseResponse(p)
		if err != nil {
			t.Fatal(err)
		}
		if r.status == statusDiskFull {
			break
		}
		if r.status != statusSuccess {
			t.Fatalf("WRITE_ANDX: %v, want success or DISK_FULL", r)
		}
		acked = append(acked, data...)
	}
	got, err := os.ReadFile(filepath.Join(dir, "full", "big.bin"))
	if err != nil || !bytes.Equal(got, acked) {
		t.Fatalf("after DISK_FULL big.bin holds %d bytes (%v), want the %d acknowledged", len(got), err, len(acked))
	}
	t.Logf("DISK_FULL after %d acknowledged bytes", len(acked))

	s.connect(t, "rofs")
	s.ntCreate(t, `f.txt`, accessReadWrite, dispOpen, statusMediaWriteProtected)
	s.ntCreate(t, `new.txt`, accessReadWrite, dispCreate, statusMediaWriteProtected)
	s.oem(t, cmdDelete, le16(0x16), path(`f.txt`), statusMediaWriteProtected)
	s.oem(t, bCmdCreateDirectory, nil, path(`d`), statusMediaWriteProtected)
	fid = s.ntCreate(t, `f.txt`, accessRead, dispOpen, statusSuccess)
	if got := s.readClose(t, fid); string(got) != "kept\n" {
		t.Fatalf("read %q from the read-only tmpfs", got)
	}
}

// runInMountNamespace re-executes the test binary, running only t, in a
// private mount namespace with a 1 MiB tmpfs at DIR/full and a read-only
// tmpfs holding f.txt at DIR/ro, and makes that run's result t's result.
func runInMountNamespace(t *testing.T) {
	t.Helper()
	unshare := requirePeer(t, "unshare")
	flags := "-rm"
	if os.Geteuid() == 0 {
		flags = "-m"
	}
	dir := t.TempDir()
	script := `set -e; d=$1; shift
mkdir -p "$d/full" "$d/ro"
mount -t tmpfs -o size=1M tinysmbd-full "$d/full"
mount -t tmpfs -o size=1M tinysmbd-ro "$d/ro"
echo kept > "$d/ro/f.txt"
mount -o remount,ro "$d/ro"
exec "$@"`
	args := append([]string{flags, "--propagation", "private", "sh", "-c", script, "sh", dir}, testpeer.SelfCommand()...)
	args = append(args, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	text, err := testpeer.RunSelf(t, 2*peerTimeout, envFaultTmpfs+"="+dir, unshare, args...)
	switch {
	case strings.Contains(text, "--- PASS: "+t.Name()) && err == nil:
		t.Logf("inside the mount namespace:\n%s", testpeer.Tail(text, 2000))
	case !strings.Contains(text, "=== RUN"):
		testpeer.SkipOrFatal(t, "cannot mount a tmpfs in a private mount namespace (unshare %s: %v): %s", flags, err, strings.TrimSpace(text))
	default:
		t.Fatalf("failed inside the mount namespace (%v):\n%s", err, testpeer.Tail(text, 4000))
	}
}
