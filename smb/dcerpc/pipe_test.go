package dcerpc

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHeader(t *testing.T) {
	good := "05000b0310000000480000000100000000"
	for _, tc := range []struct {
		name, in string
		err      error
	}{
		{"bind", good, nil},
		{"minor version 1", "05010b0310000000480000000100000000", nil},
		{"short", good[:30], errShort},
		{"version 4", "04000b0310000000480000000100000000", errVersion},
		{"minor version 2", "05020b0310000000480000000100000000", errVersion},
		{"big-endian", "05000b0300000000004800000000000100", errDataRep},
		{"VAX floats", "05000b0310010000480000000100000000", errDataRep},
		{"fragment shorter than the header", "05000b03100000000f0000000100000000", errFragLen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeader(mustHex(t, tc.in))
			if err != tc.err {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if h.Type() != TypeBind || h.Flags() != FlagFirstFrag|FlagLastFrag || h.FragLength() != 0x48 ||
				h.AuthLength() != 0 || h.CallID() != 1 || len(h) != HeaderLen {
				t.Fatalf("fields: type %d flags %#x frag %d auth %d call %d len %d",
					h.Type(), h.Flags(), h.FragLength(), h.AuthLength(), h.CallID(), len(h))
			}
		})
	}
}

func TestParseHeaderAllocs(t *testing.T) {
	b := mustHex(t, "05000b0310000000480000000100000000")
	if n := testing.AllocsPerRun(100, func() {
		h, err := ParseHeader(b)
		if err != nil || h.FragLength() != 0x48 {
			t.Fatal("parse failed")
		}
	}); n != 0 {
		t.Fatalf("ParseHeader allocates %v times", n)
	}
}

func BenchmarkParseHeader(b *testing.B) {
	pdu := mustHex(b, "05000b0310000000480000000100000000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(pdu); err != nil {
			b.Fatal(err)
		}
	}
}

// bindPDU builds a bind (or alter_context) of srvsvc with NDR proposing
// frag as both fragment sizes.
func bindPDU(typ uint8, callID uint32, frag uint16, syntax SyntaxID) []byte {
	b := appendHeader(nil, typ, FlagFirstFrag|FlagLastFrag, callID)
	b = binary.LittleEndian.AppendUint16(b, frag)
	b = binary.LittleEndian.AppendUint16(b, frag)
	b = append(b, 0, 0, 0, 0, 1, 0, 0, 0)
	b = append(b, 0, 0, 1, 0)
	b = append(b, syntax[:]...)
	b = append(b, ndrSyntax[:]...)
	finish(b, 0)
	return b
}

func requestPDU(flags uint8, callID uint32, ctx, opnum uint16, stub []byte) []byte {
	b := appendHeader(nil, TypeRequest, flags, callID)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(stub)))
	b = binary.LittleEndian.AppendUint16(b, ctx)
	b = binary.LittleEndian.AppendUint16(b, opnum)
	b = append(b, stub...)
	finish(b, 0)
	return b
}

// shareEnumStub is NetrShareEnum's request at level with no resume handle.
func shareEnumStub(level uint32) []byte {
	var e encoder
	e.reset()
	e.ptr(false)
	e.u32(level)
	e.u32(level)
	e.ptr(true)
	e.u32(0)
	e.ptr(false)
	e.u32(0xFFFFFFFF)
	e.ptr(false)
	return e.b
}

func boundPipe(t testing.TB, frag uint16, shares []ShareInfo) *Pipe {
	t.Helper()
	p := NewPipe("srvsvc", 1, Srvsvc(shares, sambaServer))
	if err := p.Write(bindPDU(TypeBind, 1, frag, srvsvcSyntax)); err != nil {
		t.Fatal(err)
	}
	if ack := readPDU(t, p); ack[2] != TypeBindAck || ack[44] != resultAcceptance {
		t.Fatalf("bind not accepted:\n%s", hex.Dump(ack))
	}
	return p
}

func manyShares(n int) []ShareInfo {
	s := make([]ShareInfo, n)
	for i := range s {
		s[i] = ShareInfo{Name: fmt.Sprintf("share-with-a-long-name-%03d", i), Comment: strings.Repeat("c", i%17)}
	}
	return s
}

// TestResponseFragments checks a reply larger than max_xmit_frag: every
// fragment fits, only the first and last carry their flags, alloc_hint
// counts down the stub left, every stub piece but the last is a multiple
// of 8, and the pieces make up the whole stub.
func TestResponseFragments(t *testing.T) {
	shares := manyShares(150)
	p := boundPipe(t, 1500, shares)
	if p.maxXmit != 1500 {
		t.Fatalf("maxXmit = %d", p.maxXmit)
	}
	if err := p.Write(requestPDU(3, 2, 0, opNetrShareEnum, shareEnumStub(1))); err != nil {
		t.Fatal(err)
	}
	var e encoder
	e.reset()
	s := &srvsvc{shares: shares, srv: sambaServer}
	if st := s.call(opNetrShareEnum, shareEnumStub(1), &e); st != 0 {
		t.Fatalf("fault %#x", st)
	}
	var stub []byte
	for i := 0; p.Buffered() > 0; i++ {
		pdu := readPDU(t, p)
		h, err := ParseHeader(pdu)
		if err != nil || h.Type() != TypeResponse || h.CallID() != 2 || h.FragLength() != len(pdu) {
			t.Fatalf("fragment %d: %v\n%s", i, err, hex.Dump(pdu[:24]))
		}
		if len(pdu) > 1500 {
			t.Fatalf("fragment %d is %d bytes, over max_xmit_frag 1500", i, len(pdu))
		}
		last := p.Buffered() == 0
		if got, want := h.Flags(), map[bool]uint8{true: FlagFirstFrag}[i == 0]|map[bool]uint8{true: FlagLastFrag}[last]; got != want {
			t.Fatalf("fragment %d flags %#x, want %#x", i, got, want)
		}
		if hint := binary.LittleEndian.Uint32(pdu[16:]); int(hint) != len(e.b)-len(stub) {
			t.Fatalf("fragment %d alloc_hint %d, want %d", i, hint, len(e.b)-len(stub))
		}
		if !last && (len(pdu)-24)%8 != 0 {
			t.Fatalf("fragment %d carries %d stub bytes, not a multiple of 8", i, len(pdu)-24)
		}
		stub = append(stub, pdu[24:]...)
	}
	if !bytes.Equal(stub, e.b) || len(stub) < 3*1500 {
		t.Fatalf("reassembled %d stub bytes, want the %d of a direct call", len(stub), len(e.b))
	}
}

// TestReadMessageMode reads a reply through a small buffer: more stays true
// until the PDU is out, and a read never crosses into the next PDU.
func TestReadMessageMode(t *testing.T) {
	p := boundPipe(t, 4280, sambaShares)
	for call := uint32(2); call < 4; call++ {
		if err := p.Write(requestPDU(3, call, 0, opNetrServerGetInfo, []byte{0, 0, 0, 0, 101, 0, 0, 0})); err != nil {
			t.Fatal(err)
		}
	}
	for call := uint32(2); call < 4; call++ {
		buf := make([]byte, 50)
		n, more := p.Read(buf)
		if n != 50 || !more {
			t.Fatalf("first read: %d bytes, more %v", n, more)
		}
		total := int(binary.LittleEndian.Uint16(buf[8:]))
		got := n
		for more {
			n, more = p.Read(buf)
			got += n
		}
		if got != total {
			t.Fatalf("call %d: read %d bytes of a %d-byte PDU", call, got, total)
		}
	}
	if n, more := p.Read(make([]byte, 10)); n != 0 || more {
		t.Fatalf("read after the last PDU: %d, %v", n, more)
	}
}

// TestWriteByteByByte feeds a bind and a request one byte at a time, as a
// client writing in small pieces would.
func TestWriteByteByByte(t *testing.T) {
	p := NewPipe("srvsvc", 1, Srvsvc(sambaShares, sambaServer))
	in := append(bindPDU(TypeBind, 1, 4280, srvsvcSyntax), requestPDU(3, 2, 0, opNetrShareEnum, shareEnumStub(0))...)
	for i := range in {
		if err := p.Write(in[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if readPDU(t, p)[2] != TypeBindAck || readPDU(t, p)[2] != TypeResponse {
		t.Fatal("no bind_ack and response")
	}
}

func faultStatus(t testing.TB, p *Pipe) uint32 {
	t.Helper()
	pdu := readPDU(t, p)
	if pdu[2] != TypeFault || len(pdu) != 32 {
		t.Fatalf("want a fault:\n%s", hex.Dump(pdu))
	}
	return binary.LittleEndian.Uint32(pdu[24:])
}

func TestRequestFaults(t *testing.T) {
	p := NewPipe("srvsvc", 1, Srvsvc(sambaShares, sambaServer))
	p.Write(requestPDU(3, 1, 0, opNetrShareEnum, shareEnumStub(1)))
	if st := faultStatus(t, p); st != FaultProtoError {
		t.Errorf("request before bind: fault %#x", st)
	}
	p = boundPipe(t, 4280, sambaShares)
	for _, tc := range []struct {
		name string
		pdus [][]byte
		want uint32
	}{
		{"middle fragment first", [][]byte{requestPDU(0, 5, 0, 15, make([]byte, 8))}, FaultProtoError},
		{"last fragment of another call", [][]byte{requestPDU(1, 6, 0, 15, make([]byte, 8)),
			requestPDU(2, 7, 0, 15, make([]byte, 8))}, FaultProtoError},
		{"stub over the limit", [][]byte{requestPDU(1, 8, 0, 15, make([]byte, 60000)),
			requestPDU(0, 8, 0, 15, make([]byte, 8000))}, FaultProtoError},
		{"truncated arguments", [][]byte{requestPDU(3, 9, 0, opNetrShareEnum, shareEnumStub(1)[:10])}, FaultBadStubData},
		{"discriminant differs from level", [][]byte{requestPDU(3, 10, 0, opNetrShareEnum,
			append([]byte{0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, shareEnumStub(1)[12:]...))}, FaultBadStubData},
		{"unknown opnum", [][]byte{requestPDU(3, 11, 0, 99, nil)}, FaultOpRangeError},
		{"unknown context", [][]byte{requestPDU(3, 12, 3, opNetrShareEnum, shareEnumStub(1))}, FaultUnknownIf},
		{"short request header", [][]byte{appendHeaderLen(TypeRequest, 20)}, FaultProtoError},
		{"authenticated request", [][]byte{withAuth(requestPDU(3, 13, 0, 15, shareEnumStub(1)))}, FaultProtoError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, pdu := range tc.pdus {
				if err := p.Write(pdu); err != nil {
					t.Fatal(err)
				}
			}
			if st := faultStatus(t, p); st != tc.want {
				t.Fatalf("fault %#x, want %#x", st, tc.want)
			}
			if p.Buffered() != 0 {
				t.Fatalf("%d more bytes", p.Buffered())
			}
		})
	}
	// The pipe still serves calls after the faults.
	p.Write(requestPDU(3, 20, 0, opNetrShareEnum, shareEnumStub(1)))
	if pdu := readPDU(t, p); pdu[2] != TypeResponse {
		t.Fatalf("after the faults:\n%s", hex.Dump(pdu))
	}
}

func appendHeaderLen(typ uint8, n int) []byte {
	b := appendHeader(nil, typ, 3, 1)
	b = append(b, make([]byte, n-HeaderLen)...)
	finish(b, 0)
	return b
}

func withAuth(pdu []byte) []byte {
	binary.LittleEndian.PutUint16(pdu[10:], 8)
	return pdu
}

// TestObjectUUID serves a request that carries an object UUID before its
// stub (C706 12.6.4.9, PFC_OBJECT_UUID).
func TestObjectUUID(t *testing.T) {
	p := boundPipe(t, 4280, sambaShares)
	req := requestPDU(3|FlagObjectUUID, 2, 0, opNetrServerGetInfo, append(make([]byte, 16), 0, 0, 0, 0, 100, 0, 0, 0))
	p.Write(req)
	if pdu := readPDU(t, p); pdu[2] != TypeResponse || binary.LittleEndian.Uint32(pdu[24:]) != 100 {
		t.Fatalf("want a level-100 response:\n%s", hex.Dump(pdu))
	}
}

func TestBindNak(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pdu    []byte
		reason uint16
	}{
		{"alter_context before bind", bindPDU(TypeAlterContext, 1, 4280, srvsvcSyntax), nakNotSpecified},
		{"authenticated bind", withAuth(bindPDU(TypeBind, 1, 4280, srvsvcSyntax)), nakAuthType},
		{"context list truncated", bindPDU(TypeBind, 1, 4280, srvsvcSyntax)[:60], nakNotSpecified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPipe("srvsvc", 1, Srvsvc(sambaShares, sambaServer))
			pdu := bytes.Clone(tc.pdu)
			finish(pdu, 0)
			p.Write(pdu)
			nak := readPDU(t, p)
			if nak[2] != TypeBindNak || binary.LittleEndian.Uint16(nak[16:]) != tc.reason || len(nak) != 24 {
				t.Fatalf("want bind_nak reason %d:\n%s", tc.reason, hex.Dump(nak))
			}
		})
	}
}

// TestBrokenPipe: a PDU that is not DCE/RPC breaks the pipe for good.
func TestBrokenPipe(t *testing.T) {
	p := boundPipe(t, 4280, sambaShares)
	if err := p.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != ErrBroken {
		t.Fatalf("Write = %v, want ErrBroken", err)
	}
	if err := p.Write(requestPDU(3, 2, 0, opNetrShareEnum, shareEnumStub(1))); err != ErrBroken {
		t.Fatalf("Write after = %v, want ErrBroken", err)
	}
	if n, _ := p.Read(make([]byte, 100)); n != 0 {
		t.Fatalf("read %d bytes from a broken pipe", n)
	}
}

// TestWriteFull: a client that writes and never reads is refused once the
// replies waiting exceed maxOut.
func TestWriteFull(t *testing.T) {
	p := boundPipe(t, 4280, manyShares(100))
	req := requestPDU(3, 2, 0, opNetrShareEnum, shareEnumStub(1))
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		err = p.Write(req)
	}
	if err != ErrFull || p.Buffered() > maxOut+20000 {
		t.Fatalf("err %v with %d bytes waiting", err, p.Buffered())
	}
}

func TestNDRString(t *testing.T) {
	var e encoder
	e.reset()
	e.u32(7)
	e.ptr(true)
	e.str("aé")
	e.ptr(false)
	e.str("")
	want := mustHex(t, `07000000 04000200
		03000000 00000000 03000000 6100 e900 0000 0000
		00000000
		01000000 00000000 01000000 0000`)
	if !bytes.Equal(e.b, want) {
		t.Fatalf("got\n%s\nwant\n%s", hex.Dump(e.b), hex.Dump(want))
	}
	d := decoder{b: e.b}
	if d.u32() != 7 || string(d.uniqueStr()) != "a\x00\xe9\x00" || d.uniqueStr() != nil || len(d.str()) != 0 || d.bad {
		t.Fatalf("decoding back failed (bad %v)", d.bad)
	}
	if d.u32(); !d.bad {
		t.Fatal("reading past the end is not bad")
	}
}

func TestNDRStringRejects(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"offset not 0", "02000000 01000000 01000000 6100 0000"},
		{"actual over max", "01000000 00000000 02000000 6100 0000"},
		{"units past the end", "05000000 00000000 05000000 6100 0000"},
		{"counts cut", "05000000 00000000"},
	} {
		d := decoder{b: mustHex(t, tc.in)}
		if d.str(); !d.bad {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// TestWkssvcInvalidLevel: level 102 is not served.
func TestWkssvcInvalidLevel(t *testing.T) {
	var e encoder
	e.reset()
	if st := Wkssvc(sambaServer).call(opNetrWkstaGetInfo, []byte{0, 0, 0, 0, 102, 0, 0, 0}, &e); st != 0 {
		t.Fatalf("fault %#x", st)
	}
	if want := mustHex(t, "66000000 7c000000"); !bytes.Equal(e.b, want) {
		t.Fatalf("got %x, want %x", e.b, want)
	}
	if st := Wkssvc(sambaServer).call(1, nil, &e); st != FaultOpRangeError {
		t.Fatalf("opnum 1: fault %#x", st)
	}
}

// TestShareEnumResume: a resume handle skips that many entries.
func TestShareEnumResume(t *testing.T) {
	var e encoder
	e.reset()
	s := &srvsvc{shares: sambaShares, srv: sambaServer}
	stub := shareEnumStub(0)
	stub = append(stub[:len(stub)-4], 4, 0, 2, 0, 1, 0, 0, 0) // resume handle 1
	if st := s.call(opNetrShareEnum, stub, &e); st != 0 {
		t.Fatalf("fault %#x", st)
	}
	if !bytes.Contains(e.b, []byte("I\x00P\x00C\x00$\x00")) || bytes.Contains(e.b, []byte("s\x00h\x00")) {
		t.Fatalf("resume 1 should list IPC$ only:\n%s", hex.Dump(e.b))
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(mustHex(f, "05000b0310000000480000000100000000"))
	f.Add([]byte{5, 0, 0, 3, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		if len(h) != HeaderLen || h.FragLength() < HeaderLen {
			t.Fatalf("accepted header of %d bytes, fragment length %d", len(h), h.FragLength())
		}
	})
}

// FuzzPipe writes arbitrary bytes into a bound pipe and checks that every
// reply is a well-formed PDU no larger than the negotiated fragment size.
func FuzzPipe(f *testing.F) {
	for _, g := range goldenPipes {
		for _, name := range g.files {
			ex := readGolden(f, filepath.Join("testdata", "samba", name+".txt"))
			f.Add(bytes.Join(ex.requests, nil))
		}
	}
	f.Add(requestPDU(1, 2, 0, 15, shareEnumStub(1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := NewPipe("srvsvc", 1, Srvsvc(sambaShares, sambaServer))
		p.Write(bindPDU(TypeBind, 1, 2000, srvsvcSyntax))
		for len(b) > 0 {
			n := min(len(b), 1+int(b[0])%97)
			if p.Write(b[:n]) != nil {
				break
			}
			b = b[n:]
		}
		buf := make([]byte, 5000)
		for p.Buffered() > 0 {
			n, more := p.Read(buf)
			if more || n == 0 {
				t.Fatalf("reply PDU larger than 5000 bytes or empty read (%d)", n)
			}
			h, err := ParseHeader(buf[:n])
			if err != nil || h.FragLength() != n || n > p.maxXmit {
				t.Fatalf("bad reply PDU (%v, %d bytes, frag %d):\n%s", err, n, h.FragLength(), hex.Dump(buf[:n]))
			}
		}
	})
}
