// Command benchclient is the measuring client of scripts/bench-compare.sh. It
// speaks just enough SMB1 over direct TCP (MS-SMB 2.1) to drive any SMB1
// server the same way — tinysmbd and Samba alike — and it imports nothing but
// the standard library, so it measures the server and shares no code with it.
//
// Two modes:
//
//	benchclient -addr 127.0.0.1:445 -mode pipeline -op echo -depth 32 -rounds 200
//
// sends depth requests in one write, reads every reply, rounds times, and
// reports the server's write syscalls per reply: the delta of syscw in
// /proc/PID/io of the process that owns the server end of the connection
// (found through /proc/net/tcp and /proc/*/fd; for Samba, the smbd child
// serving it). -op read sends 512-byte READ_ANDX requests instead of ECHOs,
// after logging on and opening -file.
//
//	benchclient -addr 127.0.0.1:445 -mode idle -conns 200
//
// opens conns connections, each logged on and tree-connected, prints "ready"
// and holds them until its standard input closes.
//
// Output is key=value pairs on one line, for the script to pick up.
package main

import (
	"bufio"
	"bytes"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// SMB1 command codes (MS-CIFS 2.2.2.1) and flags (MS-CIFS 2.2.3.1).
const (
	cmdReadAndX     = 0x2E
	cmdEcho         = 0x2B
	cmdNegotiate    = 0x72
	cmdSessionSetup = 0x73
	cmdTreeConnect  = 0x75
	cmdNTCreate     = 0xA2

	flags2LongNames = 0x0001
	flags2NTStatus  = 0x4000
	flags2Unicode   = 0x8000
	// clientFlags2 leaves out FLAGS2_EXTENDED_SECURITY, so the NEGOTIATE
	// response carries an 8-byte challenge and the logon is a plain NTLMv2
	// SESSION_SETUP_ANDX, without NTLMSSP or SPNEGO.
	clientFlags2 = flags2Unicode | flags2NTStatus | flags2LongNames

	capUnicode     = 0x00000004
	capLargeFiles  = 0x00000008
	capNTSMBs      = 0x00000010
	capStatus32    = 0x00000040
	capExtendedSec = 0x80000000

	pid    = 0xFEFF
	noTID  = 0xFFFF
	domain = "WORKGROUP"
)

func main() {
	var (
		addr   = flag.String("addr", "127.0.0.1:445", "server `HOST:PORT` (direct-hosted SMB)")
		mode   = flag.String("mode", "pipeline", "`pipeline` or idle")
		op     = flag.String("op", "echo", "pipelined request: `echo` or read (512-byte READ_ANDX of -file)")
		depth  = flag.Int("depth", 32, "requests sent in one write")
		rounds = flag.Int("rounds", 200, "pipelined rounds")
		conns  = flag.Int("conns", 200, "idle connections to hold")
		user   = flag.String("user", "root", "account")
		pass   = flag.String("pass", "secret", "password")
		share  = flag.String("share", "share", "share to connect")
		file   = flag.String("file", "small.dat", "file the read op opens (at least depth*512 bytes)")
	)
	flag.Parse()
	a := account{user: *user, pass: *pass, share: *share}
	var err error
	switch *mode {
	case "pipeline":
		err = pipeline(*addr, a, *op, *file, *depth, *rounds)
	case "idle":
		err = idle(*addr, a, *conns)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchclient:", err)
		os.Exit(1)
	}
}

type account struct{ user, pass, share string }

// client is one SMB1 connection.
type client struct {
	c        *net.TCPConn
	r        *bufio.Reader
	uid, tid uint16
	buf      []byte
}

func dial(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	tc.SetNoDelay(true)
	return &client{c: tc, r: bufio.NewReaderSize(tc, 256<<10), buf: make([]byte, 256<<10)}, nil
}

// request builds one framed SMB1 request (MS-CIFS 2.2.3.1; direct TCP's
// zero byte and 24-bit length, MS-SMB 2.1).
func (cl *client) request(cmd byte, mid uint16, words, data []byte) []byte {
	m := make([]byte, 4, 4+35+len(words)+len(data))
	m = append(m, 0xFF, 'S', 'M', 'B', cmd, 0, 0, 0, 0, 0x18)
	m = binary.LittleEndian.AppendUint16(m, clientFlags2)
	m = append(m, make([]byte, 12)...) // PIDHigh, SecurityFeatures, Reserved
	m = binary.LittleEndian.AppendUint16(m, cl.tid)
	m = binary.LittleEndian.AppendUint16(m, pid)
	m = binary.LittleEndian.AppendUint16(m, cl.uid)
	m = binary.LittleEndian.AppendUint16(m, mid)
	m = append(m, byte(len(words)/2))
	m = append(m, words...)
	m = binary.LittleEndian.AppendUint16(m, uint16(len(data)))
	m = append(m, data...)
	n := len(m) - 4
	m[1], m[2], m[3] = byte(n>>16), byte(n>>8), byte(n)
	return m
}

// anyMID makes reply accept any MID.
const anyMID = -1

// reply reads the next message and checks it answers cmd/mid (or any MID)
// with success.
// The returned message aliases the client's buffer until the next call.
func (cl *client) reply(cmd byte, mid int) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(cl.r, h[:]); err != nil {
		return nil, err
	}
	n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	if h[0] != 0 || n > len(cl.buf) || n < 35 {
		return nil, fmt.Errorf("bad reply frame % x", h)
	}
	m := cl.buf[:n]
	if _, err := io.ReadFull(cl.r, m); err != nil {
		return nil, err
	}
	if !bytes.Equal(m[:4], []byte{0xFF, 'S', 'M', 'B'}) || m[4] != cmd ||
		mid != anyMID && int(binary.LittleEndian.Uint16(m[30:])) != mid {
		return nil, fmt.Errorf("reply cmd 0x%02x mid %d, want cmd 0x%02x mid %d", m[4], binary.LittleEndian.Uint16(m[30:]), cmd, mid)
	}
	if st := binary.LittleEndian.Uint32(m[5:]); st != 0 {
		return nil, fmt.Errorf("command 0x%02x mid %d failed: %w", cmd, mid, statusError(st))
	}
	return m, nil
}

func (cl *client) roundTrip(cmd byte, mid uint16, words, data []byte) ([]byte, error) {
	if _, err := cl.c.Write(cl.request(cmd, mid, words, data)); err != nil {
		return nil, err
	}
	return cl.reply(cmd, int(mid))
}

// words returns the parameter words of a reply.
func words(m []byte) []byte {
	wc := int(m[32])
	if 33+2*wc > len(m) {
		return nil
	}
	return m[33 : 33+2*wc]
}

// negotiate offers "NT LM 0.12" without extended security and returns the
// session key and challenge (MS-CIFS 2.2.4.52.2).
func (cl *client) negotiate() (sessionKey uint32, challenge []byte, err error) {
	m, err := cl.roundTrip(cmdNegotiate, 1, nil, []byte("\x02NT LM 0.12\x00"))
	if err != nil {
		return 0, nil, fmt.Errorf("NEGOTIATE: %w", err)
	}
	w := words(m)
	if len(w) != 34 {
		return 0, nil, fmt.Errorf("NEGOTIATE reply has WordCount %d, want 17", len(w)/2)
	}
	caps := binary.LittleEndian.Uint32(w[19:])
	if caps&capExtendedSec != 0 || w[33] != 8 {
		return 0, nil, errors.New("NEGOTIATE reply carries no 8-byte challenge")
	}
	data := m[33+34+2:]
	if len(data) < 8 {
		return 0, nil, errors.New("NEGOTIATE reply data shorter than the challenge")
	}
	return binary.LittleEndian.Uint32(w[15:]), append([]byte(nil), data[:8]...), nil
}

// statusInvalidParameter is what Samba answers a non-extended-security
// NTLMv2 logon with while "raw NTLMv2 auth" is off, its default.
const statusInvalidParameter = 0xC000000D

// logon negotiates, logs on and connects to the share. It tries NTLMv2
// (MS-NLMP 3.3.2) and, if the server refuses it as a parameter error,
// NTLMv1 (MS-NLMP 3.3.1), which the Samba baseline allows ("ntlm auth =
// yes") and tinysmbd allows when configured to.
func (cl *client) logon(a account) error {
	key, challenge, err := cl.negotiate()
	if err != nil {
		return err
	}
	ntHash := md4(utf16le(a.pass))
	ntowf := hmacMD5(ntHash, utf16le(strings.ToUpper(a.user)+domain))
	var cc1, cc2 [8]byte
	rand.Read(cc1[:])
	rand.Read(cc2[:])
	lm := append(hmacMD5(ntowf, challenge, cc2[:]), cc2[:]...)
	blob := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	blob = binary.LittleEndian.AppendUint64(blob, uint64(time.Now().UnixNano()/100)+116444736000000000)
	blob = append(blob, cc1[:]...)
	blob = append(blob, make([]byte, 12)...) // Reserved3, MsvAvEOL, padding
	nt := append(hmacMD5(ntowf, challenge, blob), blob...)
	m, err := cl.sessionSetup(a, key, lm, nt)
	var st statusError
	if errors.As(err, &st) && st == statusInvalidParameter {
		// NTLMv1: the LM field repeats the NT response, as clients
		// configured without LM do.
		nt = desl(ntHash, challenge)
		m, err = cl.sessionSetup(a, key, nt, nt)
	}
	if err != nil {
		return err
	}
	cl.uid = binary.LittleEndian.Uint16(m[28:])

	// MS-CIFS 2.2.4.55.1: user-level security sends a one-byte password;
	// the path starts at 44, already 2-aligned; Service is OEM.
	host, _, _ := net.SplitHostPort(cl.c.RemoteAddr().String())
	d := append([]byte{0}, utf16z(`\\`+host+`\`+strings.ToUpper(a.share))...)
	d = append(d, "?????\x00"...)
	cl.tid = noTID
	m, err = cl.roundTrip(cmdTreeConnect, 3, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, d)
	if err != nil {
		return fmt.Errorf("TREE_CONNECT_ANDX %s: %w", a.share, err)
	}
	cl.tid = binary.LittleEndian.Uint16(m[24:])
	return nil
}

// sessionSetup sends a non-extended-security SESSION_SETUP_ANDX
// (MS-CIFS 2.2.4.53.1) with the given challenge responses.
func (cl *client) sessionSetup(a account, key uint32, lm, nt []byte) ([]byte, error) {
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, 0xFFFF) // MaxBufferSize
	w = binary.LittleEndian.AppendUint16(w, 50)     // MaxMpxCount
	w = binary.LittleEndian.AppendUint16(w, 1)      // VcNumber
	w = binary.LittleEndian.AppendUint32(w, key)
	w = binary.LittleEndian.AppendUint16(w, uint16(len(lm)))
	w = binary.LittleEndian.AppendUint16(w, uint16(len(nt)))
	w = binary.LittleEndian.AppendUint32(w, 0)
	w = binary.LittleEndian.AppendUint32(w, capUnicode|capLargeFiles|capNTSMBs|capStatus32)
	d := append(append([]byte(nil), lm...), nt...)
	if (32+1+len(w)+2+len(d))%2 != 0 {
		d = append(d, 0) // MS-CIFS 2.2.4.53.1: align the Unicode strings
	}
	for _, s := range []string{a.user, domain, "Go", "benchclient"} {
		d = append(d, utf16z(s)...)
	}
	m, err := cl.roundTrip(cmdSessionSetup, 2, w, d)
	if err != nil {
		return nil, fmt.Errorf("SESSION_SETUP_ANDX as %s: %w", a.user, err)
	}
	if ww := words(m); len(ww) >= 6 && binary.LittleEndian.Uint16(ww[4:])&1 != 0 {
		return nil, fmt.Errorf("SESSION_SETUP_ANDX as %s: logged on as guest (wrong password?)", a.user)
	}
	return m, nil
}

// open opens an existing file for reading (MS-CIFS 2.2.4.64.1) and returns
// its FID.
func (cl *client) open(name string) (uint16, error) {
	n := utf16z(name)
	w := []byte{0xFF, 0, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, uint16(len(n)))
	w = binary.LittleEndian.AppendUint32(w, 0)          // Flags
	w = binary.LittleEndian.AppendUint32(w, 0)          // RootDirectoryFID
	w = binary.LittleEndian.AppendUint32(w, 0x00120089) // FILE_GENERIC_READ
	w = binary.LittleEndian.AppendUint64(w, 0)          // AllocationSize
	w = binary.LittleEndian.AppendUint32(w, 0x80)       // ATTR_NORMAL
	w = binary.LittleEndian.AppendUint32(w, 7)          // share everything
	w = binary.LittleEndian.AppendUint32(w, 1)          // FILE_OPEN
	w = binary.LittleEndian.AppendUint32(w, 0x40)       // FILE_NON_DIRECTORY_FILE
	w = binary.LittleEndian.AppendUint32(w, 2)          // SECURITY_IMPERSONATION
	w = append(w, 0)                                    // SecurityFlags
	// The data block starts at 83: a pad byte aligns the name.
	m, err := cl.roundTrip(cmdNTCreate, 4, w, append([]byte{0}, n...))
	if err != nil {
		return 0, fmt.Errorf("NT_CREATE_ANDX %s: %w", name, err)
	}
	ww := words(m)
	if len(ww) < 7 {
		return 0, errors.New("NT_CREATE_ANDX reply too short")
	}
	return binary.LittleEndian.Uint16(ww[5:]), nil
}

func (cl *client) readRequest(mid, fid uint16, off uint32, n uint16) []byte {
	w := []byte{0xFF, 0, 0, 0}
	w = binary.LittleEndian.AppendUint16(w, fid)
	w = binary.LittleEndian.AppendUint32(w, off)
	w = binary.LittleEndian.AppendUint16(w, n) // MaxCountOfBytesToReturn
	w = binary.LittleEndian.AppendUint16(w, n) // MinCountOfBytesToReturn
	w = binary.LittleEndian.AppendUint32(w, 0) // MaxCountHigh
	w = binary.LittleEndian.AppendUint16(w, 0) // Remaining
	w = binary.LittleEndian.AppendUint32(w, 0) // OffsetHigh
	return cl.request(cmdReadAndX, mid, w, nil)
}

// pipeline measures the server's write syscalls per reply with depth
// requests arriving in one TCP segment.
func pipeline(addr string, a account, op, file string, depth, rounds int) error {
	if depth < 1 || depth > 1000 || rounds < 1 {
		return errors.New("-depth must be 1..1000 and -rounds positive")
	}
	cl, err := dial(addr)
	if err != nil {
		return err
	}
	defer cl.c.Close()
	var burst []byte
	var cmd byte
	switch op {
	case "echo":
		if _, _, err := cl.negotiate(); err != nil {
			return err
		}
		cmd = cmdEcho
		for i := range depth {
			burst = append(burst, cl.request(cmdEcho, uint16(100+i), []byte{1, 0}, make([]byte, 16))...)
		}
	case "read":
		if err := cl.logon(a); err != nil {
			return err
		}
		fid, err := cl.open(file)
		if err != nil {
			return err
		}
		cmd = cmdReadAndX
		for i := range depth {
			burst = append(burst, cl.readRequest(uint16(100+i), fid, uint32(i)*512, 512)...)
		}
	default:
		return fmt.Errorf("unknown -op %q", op)
	}
	srvPID, err := serverPID(cl.c)
	if err != nil {
		return err
	}
	// One warm-up round, so that lazy setup on the server is not counted.
	seen := make([]bool, depth)
	oneRound := func() error {
		if _, err := cl.c.Write(burst); err != nil {
			return err
		}
		// A server may answer pipelined requests as they complete, out of
		// order (Samba's asynchronous reads do): accept each MID once.
		clear(seen)
		for range depth {
			m, err := cl.reply(cmd, anyMID)
			if err != nil {
				return err
			}
			i := int(binary.LittleEndian.Uint16(m[30:])) - 100
			if i < 0 || i >= depth || seen[i] {
				return fmt.Errorf("unexpected or repeated reply MID %d", i+100)
			}
			seen[i] = true
		}
		return nil
	}
	if err := oneRound(); err != nil {
		return err
	}
	before, err := syscw(srvPID)
	if err != nil {
		return err
	}
	// Each round is timed too: the median round trip shrugs off the
	// millisecond stalls a shared machine puts into a few rounds, which
	// dominate the mean of a short depth-1 sample.
	perRound := make([]time.Duration, rounds)
	start := time.Now()
	for i := range rounds {
		t0 := time.Now()
		if err := oneRound(); err != nil {
			return err
		}
		perRound[i] = time.Since(t0)
	}
	elapsed := time.Since(start)
	slices.Sort(perRound)
	median := perRound[rounds/2]
	after, err := syscw(srvPID)
	if err != nil {
		return err
	}
	replies := float64(rounds * depth)
	fmt.Printf("op=%s depth=%d rounds=%d pid=%d syscw=%d writes_per_resp=%.4f us_per_round=%.2f us_per_resp=%.3f us_median_resp=%.3f\n",
		op, depth, rounds, srvPID, after-before, float64(after-before)/replies,
		float64(elapsed.Microseconds())/float64(rounds), float64(elapsed.Nanoseconds())/1000/replies,
		float64(median.Nanoseconds())/1000/float64(depth))
	return nil
}

// idle holds n logged-on, tree-connected connections until stdin closes.
func idle(addr string, a account, n int) error {
	var held []*client
	defer func() {
		for _, cl := range held {
			cl.c.Close()
		}
	}()
	for i := range n {
		cl, err := dial(addr)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		held = append(held, cl)
		if err := cl.logon(a); err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		// The client's own buffers are not what is measured; drop them.
		cl.r, cl.buf = nil, nil
	}
	fmt.Printf("ready conns=%d\n", n)
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// serverPID finds the process owning the server end of c: the socket whose
// local address is c's remote address and whose remote address is c's local
// address, looked up in /proc/net/tcp{,6} and then in every process's fds.
// Samba hands an accepted socket to a forked child and its parent then
// closes its copy, so this retries until one process holds it.
func serverPID(c *net.TCPConn) (int, error) {
	local := c.LocalAddr().(*net.TCPAddr)
	remote := c.RemoteAddr().(*net.TCPAddr)
	inode, err := socketInode(remote, local)
	if err != nil {
		return 0, err
	}
	target := "socket:[" + inode + "]"
	var pids []int
	for try := 0; try < 40; try++ {
		pids = pids[:0]
		procs, _ := filepath.Glob("/proc/[0-9]*/fd")
		for _, dir := range procs {
			fds, _ := os.ReadDir(dir)
			for _, fd := range fds {
				if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && l == target {
					p, _ := strconv.Atoi(strings.Split(dir, "/")[2])
					pids = append(pids, p)
					break
				}
			}
		}
		if len(pids) == 1 {
			return pids[0], nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("socket %s is held by processes %v, want exactly one", inode, pids)
}

// socketInode returns the inode of the TCP socket local->remote.
func socketInode(local, remote *net.TCPAddr) (string, error) {
	want := func(a *net.TCPAddr, v6 bool) string {
		ip := a.IP.To4()
		if v6 {
			ip = a.IP.To16()
		}
		var b strings.Builder
		// /proc/net/tcp prints each 32-bit word of the address in host
		// byte order.
		for i := 0; i+4 <= len(ip); i += 4 {
			fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(ip[i:]))
		}
		fmt.Fprintf(&b, ":%04X", a.Port)
		return b.String()
	}
	for _, f := range []struct {
		path string
		v6   bool
	}{{"/proc/net/tcp", false}, {"/proc/net/tcp6", true}} {
		if !f.v6 && local.IP.To4() == nil {
			continue
		}
		data, err := os.ReadFile(f.path)
		if err != nil {
			continue
		}
		l, r := want(local, f.v6), want(remote, f.v6)
		for _, line := range strings.Split(string(data), "\n") {
			fs := strings.Fields(line)
			if len(fs) > 9 && fs[1] == l && fs[2] == r {
				return fs[9], nil
			}
		}
	}
	return "", fmt.Errorf("no socket %v -> %v in /proc/net/tcp", local, remote)
}

// syscw reads the count of write syscalls from /proc/PID/io.
func syscw(p int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("no syscw in /proc/%d/io", p)
}

// statusError is an NTSTATUS a reply carried.
type statusError uint32

func (e statusError) Error() string { return fmt.Sprintf("status 0x%08x", uint32(e)) }

// desl is MS-NLMP 6's DESL: the 16-byte key, zero-padded to 21 bytes and
// cut into three 7-byte DES keys, each encrypting the challenge.
func desl(key, challenge []byte) []byte {
	k := append(append([]byte(nil), key...), make([]byte, 21-len(key))...)
	var out []byte
	for i := 0; i < 21; i += 7 {
		b := k[i : i+7]
		// Spread 56 key bits over 8 bytes; DES ignores each low (parity) bit.
		dk := []byte{b[0], b[0]<<7 | b[1]>>1, b[1]<<6 | b[2]>>2, b[2]<<5 | b[3]>>3,
			b[3]<<4 | b[4]>>4, b[4]<<3 | b[5]>>5, b[5]<<2 | b[6]>>6, b[6] << 1}
		c, err := des.NewCipher(dk)
		if err != nil {
			panic(err)
		}
		block := make([]byte, 8)
		c.Encrypt(block, challenge)
		out = append(out, block...)
	}
	return out
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func utf16z(s string) []byte { return append(utf16le(s), 0, 0) }

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// md4 is RFC 1320's MD4, which NTLM's NT hash needs and the standard library
// does not have.
func md4(msg []byte) []byte {
	a, b, c, d := uint32(0x67452301), uint32(0xefcdab89), uint32(0x98badcfe), uint32(0x10325476)
	n := len(msg)
	msg = append(msg[:n:n], 0x80)
	for len(msg)%64 != 56 {
		msg = append(msg, 0)
	}
	msg = binary.LittleEndian.AppendUint64(msg, uint64(n)*8)
	rotl := func(x uint32, s uint) uint32 { return x<<s | x>>(32-s) }
	for ; len(msg) >= 64; msg = msg[64:] {
		var x [16]uint32
		for i := range x {
			x[i] = binary.LittleEndian.Uint32(msg[4*i:])
		}
		aa, bb, cc, dd := a, b, c, d
		for _, i := range [16]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} {
			s := [4]uint{3, 7, 11, 19}[i%4]
			f := b&c | ^b&d
			a, b, c, d = d, rotl(a+f+x[i], s), b, c
		}
		for j, i := range [16]int{0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15} {
			s := [4]uint{3, 5, 9, 13}[j%4]
			g := b&c | b&d | c&d
			a, b, c, d = d, rotl(a+g+x[i]+0x5A827999, s), b, c
		}
		for j, i := range [16]int{0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15} {
			s := [4]uint{3, 9, 11, 15}[j%4]
			h := b ^ c ^ d
			a, b, c, d = d, rotl(a+h+x[i]+0x6ED9EBA1, s), b, c
		}
		a, b, c, d = a+aa, b+bb, c+cc, d+dd
	}
	out := make([]byte, 0, 16)
	for _, v := range []uint32{a, b, c, d} {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	return out
}
