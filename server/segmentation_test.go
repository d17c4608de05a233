package server_test

// Segmentation tests drive the server with raw SMB1 requests built here, over
// connections whose delivery the test controls, so that message boundaries
// and TCP segment boundaries disagree on purpose: many SMBs in one write, one
// SMB over many 1-byte writes, and replies whose grouping into the server's
// writes is observed exactly.
//
// The client here is deliberately independent of packages smb, smb/ntlm and
// netbt: it checks the server against the specs, not against code it shares.

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
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
	"unicode/utf16"

	"github.com/spf13/afero"
	"golang.org/x/crypto/md4"

	"github.com/tinysmbd/tinysmbd/server"
)

// SMB1 constants (MS-CIFS 2.2.2) and NetBT packet types (RFC 1002 4.3.1).
const (
	cmdNegotiate    = 0x72
	cmdSessionSetup = 0x73
	cmdEcho         = 0x2B
	cmdOpen         = 0x02
	cmdTreeConnect  = 0x75

	statusLogonFailure = 0xC000006D

	flagsReply      = 0x80
	flags2LongNames = 0x0001
	flags2NTStatus  = 0x4000
	flags2Unicode   = 0x8000
	capUnicode      = 0x00000004
	capLargeFiles   = 0x00000008
	capNTSMBs       = 0x00000010
	capStatus32     = 0x00000040
	capExtendedSec  = 0x80000000
	statusSuccess   = 0

	statusInvalidHandle    = 0xC0000008
	statusInvalidParameter = 0xC000000D
	statusNameNotFound     = 0xC0000034

	nbssMessage   = 0x00
	nbssRequest   = 0x81
	nbssPositive  = 0x82
	nbssKeepalive = 0x85

	testPID = 0xFEFF
	noTID   = 0xFFFF
	// clientFlags2 leaves out FLAGS2_EXTENDED_SECURITY on purpose: the
	// NEGOTIATE response then carries an 8-byte challenge, and the logon is a
	// plain NTLMv2 SESSION_SETUP_ANDX without NTLMSSP/SPNEGO.
	clientFlags2       = flags2Unicode | flags2NTStatus | flags2LongNames
	sessionSetupDomain = "WORKGROUP"
)

// frame prefixes an SMB message with its 4-byte transport header. For
// messages under 64 KiB, NetBT (type 0, flags 0, 16-bit length; RFC 1002
// 4.3.1) and direct TCP (zero byte, 24-bit length; MS-SMB 2.1) agree.
func frame(typ byte, payload []byte) []byte {
	b := make([]byte, 4, 4+len(payload))
	b[0] = typ
	b[1] = byte(len(payload) >> 16)
	binary.BigEndian.PutUint16(b[2:], uint16(len(payload)))
	return append(b, payload...)
}

// smbRequest builds one framed SMB1 request (MS-CIFS 2.2.3.1).
func smbRequest(cmd byte, mid, uid, tid uint16, flags2 uint16, words, data []byte) []byte {
	if len(words)%2 != 0 {
		panic("odd parameter block")
	}
	m := make([]byte, 0, 32+1+len(words)+2+len(data))
	m = append(m, 0xFF, 'S', 'M', 'B', cmd)
	m = append(m, 0, 0, 0, 0) // status
	m = append(m, 0x18)       // flags: case-insensitive, canonicalized paths
	m = binary.LittleEndian.AppendUint16(m, flags2)
	m = append(m, 0, 0)               // PIDHigh
	m = append(m, make([]byte, 8)...) // SecurityFeatures
	m = append(m, 0, 0)               // Reserved
	m = binary.LittleEndian.AppendUint16(m, tid)
	m = binary.LittleEndian.AppendUint16(m, testPID)
	m = binary.LittleEndian.AppendUint16(m, uid)
	m = binary.LittleEndian.AppendUint16(m, mid)
	m = append(m, byte(len(words)/2))
	m = append(m, words...)
	m = binary.LittleEndian.AppendUint16(m, uint16(len(data)))
	m = append(m, data...)
	return frame(nbssMessage, m)
}

// le16 is v in little-endian order, as request words are.
func le16(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

// le32 appends v to b in little-endian order.
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

// negotiateRequest offers only "NT LM 0.12", without extended security, so
// that the server sends an 8-byte challenge for a plain NTLMv2 logon.
func negotiateRequest(mid uint16) []byte {
	return smbRequest(cmdNegotiate, mid, 0, 0, clientFlags2, nil, []byte("\x02NT LM 0.12\x00"))
}

// echoRequest asks for one echo of data (MS-CIFS 2.2.4.39.1).
func echoRequest(mid uint16, data []byte) []byte {
	return smbRequest(cmdEcho, mid, 0, noTID, clientFlags2, []byte{1, 0}, data)
}

// echoPayload is distinct per MID, so a reply paired with the wrong request
// shows.
func echoPayload(mid uint16, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(int(mid)*7 + i)
	}
	return b
}

// smbResponse is a parsed SMB1 response.
type smbResponse struct {
	cmd    byte
	status uint32
	flags  byte
	flags2 uint16
	tid    uint16
	uid    uint16
	mid    uint16
	words  []byte
	data   []byte
}

func (r smbResponse) String() string {
	return fmt.Sprintf("cmd 0x%02x mid %d status 0x%08x wc %d bc %d", r.cmd, r.mid, r.status, len(r.words)/2, len(r.data))
}

// parseResponse checks one SMB1 message (without transport header).
func parseResponse(m []byte) (smbResponse, error) {
	if len(m) < 35 {
		return smbResponse{}, fmt.Errorf("SMB message of %d bytes is shorter than a header", len(m))
	}
	if !bytes.Equal(m[:4], []byte{0xFF, 'S', 'M', 'B'}) {
		return smbResponse{}, fmt.Errorf("no SMB1 protocol id: % x", m[:4])
	}
	r := smbResponse{
		cmd:    m[4],
		status: binary.LittleEndian.Uint32(m[5:]),
		flags:  m[9],
		flags2: binary.LittleEndian.Uint16(m[10:]),
		tid:    binary.LittleEndian.Uint16(m[24:]),
		uid:    binary.LittleEndian.Uint16(m[28:]),
		mid:    binary.LittleEndian.Uint16(m[30:]),
	}
	wc := int(m[32])
	if len(m) < 33+2*wc+2 {
		return r, fmt.Errorf("%v: WordCount %d overruns the %d-byte message", r, wc, len(m))
	}
	r.words = m[33 : 33+2*wc]
	bc := int(binary.LittleEndian.Uint16(m[33+2*wc:]))
	if len(m) < 35+2*wc+bc {
		return r, fmt.Errorf("%v: ByteCount %d overruns the %d-byte message", r, bc, len(m))
	}
	r.data = m[35+2*wc : 35+2*wc+bc]
	if r.flags&flagsReply == 0 {
		return r, fmt.Errorf("%v: reply flag not set", r)
	}
	return r, nil
}

// readFrame reads one transport packet: its type and payload.
func readFrame(r io.Reader) (byte, []byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1])<<16 | int(binary.BigEndian.Uint16(h[2:]))
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return h[0], nil, fmt.Errorf("reading a %d-byte payload: %w", n, err)
	}
	return h[0], p, nil
}

// splitRecord cuts a record (one server write) into transport packets; the
// record must hold whole packets only.
func splitRecord(rec []byte) ([][]byte, error) {
	var out [][]byte
	for len(rec) > 0 {
		if len(rec) < 4 {
			return out, fmt.Errorf("%d stray bytes at the end of a write", len(rec))
		}
		n := 4 + (int(rec[1])<<16 | int(binary.BigEndian.Uint16(rec[2:])))
		if n > len(rec) {
			return out, fmt.Errorf("packet of %d bytes cut by the end of the write (%d left)", n, len(rec))
		}
		out = append(out, rec[:n])
		rec = rec[n:]
	}
	return out, nil
}

// expectReply reads the next packet and checks it is a successful reply to
// cmd with the given MID.
func expectReply(t testing.TB, r io.Reader, cmd byte, mid uint16) smbResponse {
	t.Helper()
	typ, p, err := readFrame(r)
	if err != nil {
		t.Fatalf("waiting for the reply to 0x%02x mid %d: %v", cmd, mid, err)
	}
	if typ != nbssMessage {
		t.Fatalf("waiting for the reply to 0x%02x mid %d: got NetBT packet type 0x%02x", cmd, mid, typ)
	}
	resp, err := parseResponse(p)
	if err != nil {
		t.Fatalf("reply to 0x%02x mid %d: %v", cmd, mid, err)
	}
	if resp.cmd != cmd || resp.mid != mid {
		t.Fatalf("got %v, want the reply to command 0x%02x mid %d", resp, cmd, mid)
	}
	if resp.status != statusSuccess {
		t.Fatalf("%v: want STATUS_SUCCESS", resp)
	}
	return resp
}

func checkEcho(t testing.TB, resp smbResponse, mid uint16, want []byte) {
	t.Helper()
	if len(resp.words) != 2 || binary.LittleEndian.Uint16(resp.words) != 1 {
		t.Fatalf("echo reply mid %d: parameter words % x, want SequenceNumber 1", mid, resp.words)
	}
	if !bytes.Equal(resp.data, want) {
		t.Fatalf("echo reply mid %d: data of %d bytes does not match the %d sent", mid, len(resp.data), len(want))
	}
}

// negotiated is what a client keeps from the NEGOTIATE response.
type negotiated struct {
	sessionKey uint32
	caps       uint32
	challenge  []byte
}

func checkNegotiate(t testing.TB, resp smbResponse) negotiated {
	t.Helper()
	// MS-CIFS 2.2.4.52.2: the NT LM 0.12 response has WordCount 17.
	if len(resp.words) != 34 {
		t.Fatalf("NEGOTIATE reply has WordCount %d, want 17", len(resp.words)/2)
	}
	if idx := binary.LittleEndian.Uint16(resp.words); idx != 0 {
		t.Fatalf("NEGOTIATE reply chose dialect index %d; only index 0 was offered", idx)
	}
	n := negotiated{
		sessionKey: binary.LittleEndian.Uint32(resp.words[15:]),
		caps:       binary.LittleEndian.Uint32(resp.words[19:]),
	}
	chLen := int(resp.words[33])
	if n.caps&capExtendedSec == 0 && chLen == 8 && len(resp.data) >= 8 {
		n.challenge = resp.data[:8:8]
	}
	return n
}

func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// ntowfv2 is MS-NLMP 3.3.2's NTOWFv2: HMAC_MD5(MD4(UNICODE(password)),
// UNICODE(Uppercase(user) || domain)).
func ntowfv2(password, user, domain string) []byte {
	h := md4.New()
	pw := utf16z(password)
	h.Write(pw[:len(pw)-2])
	ud := utf16z(strings.ToUpper(user) + domain)
	return hmacMD5(h.Sum(nil), ud[:len(ud)-2])
}

// sessionSetupRequest builds a non-extended-security SESSION_SETUP_ANDX
// (MS-CIFS 2.2.4.53.1) carrying LMv2 and NTLMv2 responses (MS-NLMP 3.3.2)
// to the 8-byte challenge from NEGOTIATE.
func sessionSetupRequest(mid uint16, neg negotiated, user, password string) []byte {
	key := ntowfv2(password, user, sessionSetupDomain)
	var cc1, cc2 [8]byte
	rand.Read(cc1[:])
	rand.Read(cc2[:])
	lm := append(hmacMD5(key, neg.challenge, cc2[:]), cc2[:]...)
	ft := uint64(time.Now().UnixNano()/100) + 116444736000000000
	blob := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	blob = binary.LittleEndian.AppendUint64(blob, ft)
	blob = append(blob, cc1[:]...)
	blob = append(blob, 0, 0, 0, 0) // Reserved3
	blob = append(blob, 0, 0, 0, 0) // AV pairs: MsvAvEOL only
	blob = append(blob, 0, 0, 0, 0)
	nt := append(hmacMD5(key, neg.challenge, blob), blob...)
	return sessionSetupResponses(mid, neg, user, lm, nt)
}

// sessionSetupResponses builds a non-extended-security SESSION_SETUP_ANDX
// carrying the given LM (OEM) and NT (Unicode) password responses.
func sessionSetupResponses(mid uint16, neg negotiated, user string, lm, nt []byte) []byte {
	var w []byte
	w = append(w, 0xFF, 0, 0, 0)                    // no AndX follower
	w = binary.LittleEndian.AppendUint16(w, 0xFFFF) // MaxBufferSize
	w = binary.LittleEndian.AppendUint16(w, 2)      // MaxMpxCount
	w = binary.LittleEndian.AppendUint16(w, 1)      // VcNumber
	w = binary.LittleEndian.AppendUint32(w, neg.sessionKey)
	w = binary.LittleEndian.AppendUint16(w, uint16(len(lm)))
	w = binary.LittleEndian.AppendUint16(w, uint16(len(nt)))
	w = binary.LittleEndian.AppendUint32(w, 0)
	w = binary.LittleEndian.AppendUint32(w, capUnicode|capLargeFiles|capNTSMBs|capStatus32)

	d := append(append([]byte{}, lm...), nt...)
	// MS-CIFS 2.2.4.53.1: Pad aligns the Unicode strings to 2 bytes from the
	// start of the SMB header.
	if (32+1+len(w)+2+len(d))%2 != 0 {
		d = append(d, 0)
	}
	d = append(d, utf16z(user)...)
	d = append(d, utf16z(sessionSetupDomain)...)
	d = append(d, utf16z("Go")...)
	d = append(d, utf16z("tinysmbd segmentation test")...)
	return smbRequest(cmdSessionSetup, mid, 0, 0, clientFlags2, w, d)
}

// sessionRequest builds a NetBT session request (RFC 1002 4.3.2) calling
// name with suffix 0x20 from "SEGTEST".
func sessionRequest(name string) []byte {
	enc := func(name string, suffix byte) []byte {
		var raw [16]byte
		copy(raw[:], strings.ToUpper(name)+strings.Repeat(" ", 15))
		raw[15] = suffix
		b := []byte{32}
		for _, c := range raw {
			b = append(b, 'A'+c>>4, 'A'+c&0x0F)
		}
		return append(b, 0)
	}
	return frame(nbssRequest, append(enc(name, 0x20), enc("SEGTEST", 0)...))
}

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

// segConfig is a server with one in-memory share and user alice.
func segConfig() server.Config {
	return server.Config{
		NetBIOSName: netbiosName,
		Users:       []server.User{{Name: testUser, Password: testPassword}},
		Shares:      []server.Share{{Name: "share", Fs: afero.NewMemMapFs()}},
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
