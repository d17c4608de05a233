// Command loadclient is the load generator of scripts/load.sh (the load
// acceptance test): it speaks just enough SMB1 over direct TCP (MS-SMB 2.1),
// logging on as guest, to put one kind of load on a server and report what
// it saw. It imports only the standard library, so it shares no code with
// the server it loads.
//
//	loadclient -addr 127.0.0.1:1445 -mode rw -clients 50 -files 4 -size 1048576
//
// runs clients concurrent connections, each writing files of size random
// bytes in 60 KiB WRITE_ANDX requests, closing them, reading them back and
// comparing SHA-256: nothing may be lost or corrupted.
//
//	loadclient -addr 127.0.0.1:1445 -mode idle -conns 1000
//
// opens conns connections, each logged on and tree-connected, prints
// "ready", checks every -check interval that a few still answer ECHO, and
// holds them until standard input closes.
//
//	loadclient -addr 127.0.0.1:1445 -mode stall -conns 300 -probes 20
//
// opens conns half-open connections (TCP only, or a first fragment of a
// NEGOTIATE) and, while they stall, measures how long a new client takes
// from connect to its first tree-connected ECHO, probes times.
//
// Each mode prints one line of key=value pairs and exits non-zero when a
// check fails.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
)

// SMB1 commands (MS-CIFS 2.2.2.1) and the header values the client sends.
const (
	cmdClose        = 0x04
	cmdEcho         = 0x2B
	cmdReadAndX     = 0x2E
	cmdWriteAndX    = 0x2F
	cmdNegotiate    = 0x72
	cmdSessionSetup = 0x73
	cmdTreeConnect  = 0x75
	cmdNTCreate     = 0xA2

	// FLAGS2: long names, NT status, Unicode; no extended security, so the
	// guest logon is a plain SESSION_SETUP_ANDX.
	flags2 = 0x0001 | 0x4000 | 0x8000
	// CAP_UNICODE|CAP_LARGE_FILES|CAP_NT_SMBS|CAP_STATUS32|
	// CAP_LARGE_READX|CAP_LARGE_WRITEX (MS-CIFS 2.2.4.52.2).
	capabilities = 0x4 | 0x8 | 0x10 | 0x40 | 0x4000 | 0x8000

	chunkSize = 60 << 10
)

func main() {
	var (
		addr    = flag.String("addr", "127.0.0.1:445", "server `HOST:PORT` (direct-hosted SMB)")
		share   = flag.String("share", "load", "share to connect to (guest access)")
		mode    = flag.String("mode", "rw", "`rw`, idle or stall")
		clients = flag.Int("clients", 50, "rw: concurrent clients")
		files   = flag.Int("files", 4, "rw: files per client")
		size    = flag.Int("size", 1<<20, "rw: bytes per file")
		conns   = flag.Int("conns", 1000, "idle, stall: connections to hold")
		probes  = flag.Int("probes", 20, "stall: new clients to time")
		check   = flag.Duration("check", 10*time.Second, "idle: how often to check that held connections answer")
	)
	flag.Parse()
	var out string
	var err error
	switch *mode {
	case "rw":
		var r rwResult
		r, err = readWrite(*addr, *share, *clients, *files, *size)
		out = r.String()
	case "idle":
		err = idle(*addr, *share, *conns, *check, os.Stdin, os.Stdout)
	case "stall":
		var r stallResult
		r, err = stall(*addr, *share, *conns, *probes)
		out = r.String()
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if out != "" {
		fmt.Println(out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadclient:", err)
		os.Exit(1)
	}
}

// client is one logged-on connection with a tree connected.
type client struct {
	c        net.Conn
	r        *bufio.Reader
	uid, tid uint16
	mid      uint16
	buf      []byte
}

type statusError uint32

func (e statusError) Error() string { return fmt.Sprintf("status 0x%08x", uint32(e)) }

// connect dials addr and logs on as guest to share.
func connect(addr, share string) (*client, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	cl := &client{c: c, r: bufio.NewReaderSize(c, 64<<10)}
	if err := cl.logon(share); err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

func (cl *client) Close() error { return cl.c.Close() }

// send frames one request: a direct-TCP header (MS-SMB 2.1: zero byte,
// 24-bit length) and the 32-byte header of MS-CIFS 2.2.3.1.
func (cl *client) send(cmd byte, words, data []byte) (uint16, error) {
	cl.mid++
	n := 32 + 1 + len(words) + 2 + len(data)
	b := cl.buf[:0]
	b = append(b, 0, byte(n>>16), byte(n>>8), byte(n), 0xFF, 'S', 'M', 'B', cmd)
	b = append(b, 0, 0, 0, 0, 0x18) // Status, Flags: canonical paths, case-insensitive
	b = binary.LittleEndian.AppendUint16(b, flags2)
	b = append(b, make([]byte, 12)...) // PIDHigh, SecurityFeatures, Reserved
	b = binary.LittleEndian.AppendUint16(b, cl.tid)
	b = binary.LittleEndian.AppendUint16(b, 0xFEFF) // PIDLow
	b = binary.LittleEndian.AppendUint16(b, cl.uid)
	b = binary.LittleEndian.AppendUint16(b, cl.mid)
	b = append(b, byte(len(words)/2))
	b = append(b, words...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	b = append(b, data...)
	cl.buf = b
	_, err := cl.c.Write(b)
	return cl.mid, err
}

// reply reads the next message and checks it answers cmd/mid with
// success. It returns the SMB message without its transport header.
func (cl *client) reply(cmd byte, mid uint16) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(cl.r, h[:]); err != nil {
		return nil, err
	}
	m := make([]byte, int(h[1])<<16|int(h[2])<<8|int(h[3]))
	if _, err := io.ReadFull(cl.r, m); err != nil {
		return nil, err
	}
	if len(m) < 35 || !bytes.Equal(m[:4], []byte{0xFF, 'S', 'M', 'B'}) {
		return nil, errors.New("malformed reply")
	}
	if m[4] != cmd || binary.LittleEndian.Uint16(m[30:]) != mid {
		return nil, fmt.Errorf("reply to 0x%02x mid %d, want 0x%02x mid %d", m[4], binary.LittleEndian.Uint16(m[30:]), cmd, mid)
	}
	if st := binary.LittleEndian.Uint32(m[5:]); st != 0 {
		return m, statusError(st)
	}
	return m, nil
}

func (cl *client) call(cmd byte, words, data []byte) ([]byte, error) {
	mid, err := cl.send(cmd, words, data)
	if err != nil {
		return nil, err
	}
	return cl.reply(cmd, mid)
}

// wordsOf returns the parameter words of a reply.
func wordsOf(m []byte) []byte {
	wc := int(m[32])
	if 33+2*wc > len(m) {
		return nil
	}
	return m[33 : 33+2*wc]
}

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// logon negotiates NT LM 0.12, logs on as an unknown user with no
// password (which a server with a guest share maps to guest) and connects
// to share.
func (cl *client) logon(share string) error {
	m, err := cl.call(cmdNegotiate, nil, []byte("\x02NT LM 0.12\x00"))
	if err != nil {
		return fmt.Errorf("negotiate: %w", err)
	}
	w := wordsOf(m)
	if len(w) < 34 {
		return errors.New("negotiate: short response")
	}
	sessionKey := binary.LittleEndian.Uint32(w[15:]) // MS-CIFS 2.2.4.52.2
	var p []byte
	p = append(p, 0xFF, 0, 0, 0)
	p = binary.LittleEndian.AppendUint16(p, 0xFFFF) // MaxBufferSize
	p = binary.LittleEndian.AppendUint16(p, 50)     // MaxMpxCount
	p = binary.LittleEndian.AppendUint16(p, 0)      // VcNumber
	p = binary.LittleEndian.AppendUint32(p, sessionKey)
	p = append(p, 0, 0, 0, 0, 0, 0, 0, 0) // no passwords, Reserved
	p = binary.LittleEndian.AppendUint32(p, capabilities)
	d := []byte{0} // pad: the strings start at an even offset
	d = append(d, utf16z("loadclient")...)
	d = append(d, utf16z("WORKGROUP")...)
	d = append(d, utf16z("Go")...)
	d = append(d, utf16z("loadclient")...)
	m, err = cl.call(cmdSessionSetup, p, d)
	if err != nil {
		return fmt.Errorf("session setup: %w", err)
	}
	cl.uid = binary.LittleEndian.Uint16(m[28:])
	d = append([]byte{0}, utf16z(`\\SERVER\`+share)...) // empty password, pad
	d = append(d, "?????\x00"...)
	m, err = cl.call(cmdTreeConnect, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, d)
	if err != nil {
		return fmt.Errorf("tree connect %s: %w", share, err)
	}
	cl.tid = binary.LittleEndian.Uint16(m[24:])
	return nil
}

func (cl *client) echo() error {
	_, err := cl.call(cmdEcho, []byte{1, 0}, []byte("ping"))
	return err
}

// create opens name with NT_CREATE_ANDX (MS-CIFS 2.2.4.64.1) for reading
// and writing, disposition disp (1 open, 5 overwrite-if).
func (cl *client) create(name string, disp uint32) (uint16, error) {
	n := utf16z(name)
	w := []byte{0xFF, 0, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, uint16(len(n)))
	w = binary.LittleEndian.AppendUint32(w, 0)          // Flags
	w = binary.LittleEndian.AppendUint32(w, 0)          // RootDirectoryFID
	w = binary.LittleEndian.AppendUint32(w, 0x0012019F) // FILE_GENERIC_READ|WRITE
	w = binary.LittleEndian.AppendUint64(w, 0)          // AllocationSize
	w = binary.LittleEndian.AppendUint32(w, 0x80)       // ATTR_NORMAL
	w = binary.LittleEndian.AppendUint32(w, 7)          // share everything
	w = binary.LittleEndian.AppendUint32(w, disp)
	w = binary.LittleEndian.AppendUint32(w, 0x40) // FILE_NON_DIRECTORY_FILE
	w = binary.LittleEndian.AppendUint32(w, 2)    // SECURITY_IMPERSONATION
	w = append(w, 0)
	m, err := cl.call(cmdNTCreate, w, append([]byte{0}, n...))
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", name, err)
	}
	return binary.LittleEndian.Uint16(wordsOf(m)[5:]), nil
}

// close closes fid (MS-CIFS 2.2.4.5.1), leaving the write time alone.
func (cl *client) close(fid uint16) error {
	_, err := cl.call(cmdClose, append(binary.LittleEndian.AppendUint16(nil, fid), 0, 0, 0, 0), nil)
	return err
}

// write sends one WRITE_ANDX (MS-CIFS 2.2.4.43.1, 14 words) and checks
// the count acknowledged.
func (cl *client) write(fid uint16, off int64, data []byte) error {
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, fid)
	w = binary.LittleEndian.AppendUint32(w, uint32(off))
	w = binary.LittleEndian.AppendUint32(w, 0) // Timeout
	w = binary.LittleEndian.AppendUint16(w, 0) // WriteMode
	w = binary.LittleEndian.AppendUint16(w, 0) // Remaining
	w = binary.LittleEndian.AppendUint16(w, uint16(len(data)>>16))
	w = binary.LittleEndian.AppendUint16(w, uint16(len(data)))
	w = binary.LittleEndian.AppendUint16(w, 32+1+28+2+1) // DataOffset, after a pad byte
	w = binary.LittleEndian.AppendUint32(w, uint32(off>>32))
	m, err := cl.call(cmdWriteAndX, w, append([]byte{0}, data...))
	if err != nil {
		return fmt.Errorf("write at %d: %w", off, err)
	}
	ww := wordsOf(m)
	if n := int(binary.LittleEndian.Uint16(ww[4:])) | int(binary.LittleEndian.Uint16(ww[8:]))<<16; n != len(data) {
		return fmt.Errorf("write at %d: %d of %d bytes acknowledged", off, n, len(data))
	}
	return nil
}

// read reads up to n bytes at off with READ_ANDX (MS-CIFS 2.2.4.42.1).
func (cl *client) read(fid uint16, off int64, n int) ([]byte, error) {
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, fid)
	w = binary.LittleEndian.AppendUint32(w, uint32(off))
	w = binary.LittleEndian.AppendUint16(w, uint16(n)) // MaxCountOfBytesToReturn
	w = binary.LittleEndian.AppendUint16(w, 0)         // MinCount
	w = binary.LittleEndian.AppendUint32(w, uint32(n>>16))
	w = binary.LittleEndian.AppendUint16(w, 0) // Remaining
	w = binary.LittleEndian.AppendUint32(w, uint32(off>>32))
	m, err := cl.call(cmdReadAndX, w, nil)
	if err != nil {
		return nil, fmt.Errorf("read at %d: %w", off, err)
	}
	ww := wordsOf(m)
	// MS-SMB 2.2.4.2.2: DataLength (word 5) and DataLengthHigh (word 7),
	// DataOffset (word 6) from the header.
	cnt := int(binary.LittleEndian.Uint16(ww[10:])) | int(binary.LittleEndian.Uint16(ww[14:]))<<16
	do := int(binary.LittleEndian.Uint16(ww[12:]))
	if do+cnt > len(m) {
		return nil, fmt.Errorf("read at %d: data beyond the reply", off)
	}
	return m[do : do+cnt], nil
}

// rwResult is what the rw mode measured.
type rwResult struct {
	Clients, Failed int
	Bytes           int64
	Elapsed         time.Duration
	FirstErr        error
}

func (r rwResult) String() string {
	mbs := float64(r.Bytes) / r.Elapsed.Seconds() / 1e6
	return fmt.Sprintf("mode=rw clients=%d failed=%d bytes_verified=%d seconds=%.2f mb_per_s=%.1f",
		r.Clients, r.Failed, r.Bytes, r.Elapsed.Seconds(), mbs)
}

// readWrite runs n clients at once, each writing files random files of
// size bytes and reading them back.
func readWrite(addr, share string, n, files, size int) (rwResult, error) {
	res := rwResult{Clients: n}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := oneClient(addr, share, i, files, size)
			mu.Lock()
			defer mu.Unlock()
			res.Bytes += b
			if err != nil {
				res.Failed++
				if res.FirstErr == nil {
					res.FirstErr = fmt.Errorf("client %d: %w", i, err)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, res.FirstErr
}

// oneClient writes and verifies its files; it returns the bytes verified.
func oneClient(addr, share string, id, files, size int) (int64, error) {
	cl, err := connect(addr, share)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	rng := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	data := make([]byte, size)
	var verified int64
	for f := range files {
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		want := sha256.Sum256(data)
		name := fmt.Sprintf("load-%03d-%02d.bin", id, f)
		fid, err := cl.create(name, 5)
		if err != nil {
			return verified, err
		}
		for off := 0; off < size; off += chunkSize {
			if err := cl.write(fid, int64(off), data[off:min(off+chunkSize, size)]); err != nil {
				return verified, err
			}
		}
		if err := cl.close(fid); err != nil {
			return verified, err
		}
		if fid, err = cl.create(name, 1); err != nil {
			return verified, err
		}
		h := sha256.New()
		got := 0
		for got < size {
			b, err := cl.read(fid, int64(got), chunkSize)
			if err != nil {
				return verified, err
			}
			if len(b) == 0 {
				break
			}
			h.Write(b)
			got += len(b)
		}
		if err := cl.close(fid); err != nil {
			return verified, err
		}
		if got != size || !bytes.Equal(h.Sum(nil), want[:]) {
			return verified, fmt.Errorf("%s: read back %d bytes that differ from the %d written", name, got, size)
		}
		verified += int64(size)
	}
	return verified, nil
}

// idle holds n logged-on connections, printing "ready held=N" once they
// are all up, and checks every interval that a sample still answers,
// until in closes.
func idle(addr, share string, n int, interval time.Duration, in io.Reader, out io.Writer) error {
	held := make([]*client, 0, n)
	defer func() {
		for _, cl := range held {
			cl.Close()
		}
	}()
	start := time.Now()
	for range n {
		cl, err := connect(addr, share)
		if err != nil {
			return fmt.Errorf("connection %d of %d: %w", len(held)+1, n, err)
		}
		held = append(held, cl)
	}
	fmt.Fprintf(out, "mode=idle ready held=%d seconds=%.2f\n", len(held), time.Since(start).Seconds())
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, in)
		close(done)
	}()
	var dead atomic.Int64
	for {
		select {
		case <-done:
			if d := dead.Load(); d > 0 {
				return fmt.Errorf("%d held connections stopped answering", d)
			}
			fmt.Fprintf(out, "mode=idle done held=%d\n", len(held))
			return nil
		case <-time.After(interval):
		}
		// A sample of ten, spread over the whole set.
		for i := 0; i < len(held); i += max(1, len(held)/10) {
			held[i].c.SetDeadline(time.Now().Add(10 * time.Second))
			if err := held[i].echo(); err != nil {
				dead.Add(1)
				fmt.Fprintf(out, "mode=idle connection %d: %v\n", i, err)
			}
			held[i].c.SetDeadline(time.Time{})
		}
	}
}

// stallResult is what the stall mode measured: the time from dial to the
// first ECHO answered on a tree-connected new client while the stalled
// connections were held.
type stallResult struct {
	Stalled       int
	Probes        []time.Duration
	OverOneSecond int
}

func (r stallResult) String() string {
	if len(r.Probes) == 0 {
		return fmt.Sprintf("mode=stall stalled=%d probes=0", r.Stalled)
	}
	s := slices.Clone(r.Probes)
	slices.Sort(s)
	return fmt.Sprintf("mode=stall stalled=%d probes=%d median_ms=%.2f max_ms=%.2f over_1s=%d",
		r.Stalled, len(s), ms(s[len(s)/2]), ms(s[len(s)-1]), r.OverOneSecond)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// stall opens n half-open connections, in three kinds: TCP only, the
// first two bytes of a transport header, and a header and half a
// NEGOTIATE. With them held, it times probes new clients.
func stall(addr, share string, n, probes int) (stallResult, error) {
	res := stallResult{}
	var stalled []net.Conn
	defer func() {
		for _, c := range stalled {
			c.Close()
		}
	}()
	neg := []byte{0, 0, 0, 47, 0xFF, 'S', 'M', 'B', cmdNegotiate}
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return res, fmt.Errorf("stalled connection %d: %w", i, err)
		}
		switch i % 3 {
		case 1:
			c.Write(neg[:2])
		case 2:
			c.Write(neg)
		}
		stalled = append(stalled, c)
	}
	res.Stalled = len(stalled)
	for range probes {
		t0 := time.Now()
		cl, err := connect(addr, share)
		if err == nil {
			err = cl.echo()
			cl.Close()
		}
		if err != nil {
			return res, fmt.Errorf("new client while %d connections stall: %w", n, err)
		}
		d := time.Since(t0)
		res.Probes = append(res.Probes, d)
		if d > time.Second {
			res.OverOneSecond++
		}
	}
	if res.OverOneSecond > 0 {
		return res, fmt.Errorf("%d of %d new clients waited more than a second", res.OverOneSecond, probes)
	}
	return res, nil
}
