package netbt

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
)

// The captures under testdata/nbns-* were taken on a veth pair between two
// network namespaces: Samba 4.17's nmbd (netbios name SAMBANB, alias
// SAMBAALIAS, workgroup WORKGROUP) on 10.99.0.1, and nmblookup and nbtscan
// 1.7.2 on 10.99.0.2. Each .bin is one UDP payload.

var (
	sambaAddr = netip.MustParseAddr("10.99.0.1")
	// sambaNames is the name table nmbd reported, in its order.
	sambaNames = []NodeName{
		{"SAMBANB", 0x00, NameActive},
		{"SAMBANB", 0x03, NameActive},
		{"SAMBANB", 0x20, NameActive},
		{"SAMBAALIAS", 0x00, NameActive},
		{"SAMBAALIAS", 0x03, NameActive},
		{"SAMBAALIAS", 0x20, NameActive},
		{"WORKGROUP", 0x00, NameGroup | NameActive},
		{"WORKGROUP", 0x1E, NameGroup | NameActive},
	}
	starName = EncodeName(nil, WildcardName, 0, "")
)

func mustParseNS(t testing.TB, b []byte) NameServicePacket {
	t.Helper()
	p, err := ParseNameServicePacket(b)
	if err != nil {
		t.Fatalf("ParseNameServicePacket(%x): %v", b, err)
	}
	return p
}

// decoded returns the name, suffix and scope of an encoded name, or fails.
func decoded(t testing.TB, enc []byte) (string, byte, string) {
	t.Helper()
	name, suffix, scope, n, err := DecodeName(nil, enc)
	if err != nil || n != len(enc) {
		t.Fatalf("DecodeName(%q) = n %d, %v", enc, n, err)
	}
	return string(name), suffix, string(scope)
}

type wantHeader struct {
	id       uint16
	response bool
	op       Opcode
	flags    uint16
	rcode    uint8
}

func checkHeader(t testing.TB, p NameServicePacket, w wantHeader) {
	t.Helper()
	if p.TransactionID() != w.id || p.IsResponse() != w.response || p.Opcode() != w.op || p.Flags() != w.flags || p.RCode() != w.rcode {
		t.Errorf("header = id %#04x response %v %v flags %#04x rcode %d; want id %#04x response %v %v flags %#04x rcode %d",
			p.TransactionID(), p.IsResponse(), p.Opcode(), p.Flags(), p.RCode(), w.id, w.response, w.op, w.flags, w.rcode)
	}
	if p.Broadcast() != (w.flags&FlagB != 0) {
		t.Errorf("Broadcast() = %v", p.Broadcast())
	}
}

func checkQuestion(t testing.TB, p NameServicePacket, name string, suffix byte, typ uint16) {
	t.Helper()
	q, ok := p.Question()
	if !ok {
		t.Fatalf("no question")
	}
	if n, s, scope := decoded(t, q.Name()); n != name || s != suffix || scope != "" || q.Type() != typ || q.Class() != ClassIN {
		t.Errorf("question = %q<%02x> scope %q type %#x class %#x; want %q<%02x> type %#x", n, s, scope, q.Type(), q.Class(), name, suffix, typ)
	}
}

func checkRR(t testing.TB, rr ResourceRecord, ok bool, name string, suffix byte, typ uint16, ttl uint32) {
	t.Helper()
	if !ok {
		t.Fatalf("record missing")
	}
	if n, s, _ := decoded(t, rr.Name()); n != name || s != suffix || rr.Type() != typ || rr.Class() != ClassIN || rr.TTL() != ttl {
		t.Errorf("record = %q<%02x> type %#x class %#x ttl %d; want %q<%02x> type %#x ttl %d", n, s, rr.Type(), rr.Class(), rr.TTL(), name, suffix, typ, ttl)
	}
}

func checkEntries(t testing.TB, rr ResourceRecord, want ...AddrEntry) {
	t.Helper()
	es, err := rr.AddrEntries()
	if err != nil {
		t.Fatalf("AddrEntries: %v", err)
	}
	if es.Len() != len(want) {
		t.Fatalf("%d entries; want %d", es.Len(), len(want))
	}
	for i, w := range want {
		if got := es.Entry(i); got != w {
			t.Errorf("entry %d = %#04x %v; want %#04x %v", i, got.Flags, got.Addr, w.Flags, w.Addr)
		}
	}
}

func noSection(t testing.TB, p NameServicePacket, sections ...string) {
	t.Helper()
	for _, s := range sections {
		var ok bool
		switch s {
		case "question":
			_, ok = p.Question()
		case "answer":
			_, ok = p.Answer()
		case "authority":
			_, ok = p.Authority()
		case "additional":
			_, ok = p.Additional()
		}
		if ok {
			t.Errorf("unexpected %s section", s)
		}
	}
}

// TestNameServiceCaptures parses what nmbd, nmblookup and nbtscan sent, and
// checks that the builders reproduce every packet of a kind tinysmbd sends
// byte for byte.
func TestNameServiceCaptures(t *testing.T) {
	t.Run("nmbd-registration", func(t *testing.T) {
		b := readCapture(t, "nbns-nmbd-registration")
		p := mustParseNS(t, b)
		checkHeader(t, p, wantHeader{id: 0x6829, op: OpcodeRegistration, flags: FlagRD | FlagB})
		checkQuestion(t, p, "SAMBANB", 0x20, RRTypeNB)
		ar, ok := p.Additional()
		checkRR(t, ar, ok, "SAMBANB", 0x20, RRTypeNB, 0)
		checkEntries(t, ar, AddrEntry{NBOntB, sambaAddr})
		noSection(t, p, "answer", "authority")
		// RFC 1002 4.2.2: the RR_NAME is a pointer to the question's name.
		if q, _ := p.Question(); &ar.Name()[0] != &q.Name()[0] {
			t.Errorf("additional record name was not resolved to the question's")
		}
		got := AppendNameRegistrationRequest(nil, 0x6829, EncodeName(nil, "SAMBANB", 0x20, ""), 0, AddrEntry{NBOntB, sambaAddr}, true)
		if !bytes.Equal(got, b) {
			t.Errorf("AppendNameRegistrationRequest =\n%x\nwant\n%x", got, b)
		}
	})
	t.Run("nmbd-query-broadcast", func(t *testing.T) {
		b := readCapture(t, "nbns-nmbd-query-broadcast")
		p := mustParseNS(t, b)
		checkHeader(t, p, wantHeader{id: 0x6833, op: OpcodeQuery, flags: FlagRD | FlagB})
		checkQuestion(t, p, "WORKGROUP", 0x1D, RRTypeNB)
		noSection(t, p, "answer", "authority", "additional")
		if got := AppendNameQueryRequest(nil, 0x6833, EncodeName(nil, "WORKGROUP", 0x1D, ""), true); !bytes.Equal(got, b) {
			t.Errorf("AppendNameQueryRequest =\n%x\nwant\n%x", got, b)
		}
	})
	t.Run("nmblookup-query", func(t *testing.T) {
		// nmblookup -U sends a unicast query without RD.
		p := mustParseNS(t, readCapture(t, "nbns-nmblookup-query"))
		checkHeader(t, p, wantHeader{id: 0x4122, op: OpcodeQuery})
		checkQuestion(t, p, "SAMBANB", 0x00, RRTypeNB)
	})
	t.Run("nmblookup-query-broadcast", func(t *testing.T) {
		b := readCapture(t, "nbns-nmblookup-query-broadcast")
		p := mustParseNS(t, b)
		checkHeader(t, p, wantHeader{id: 0x7fcb, op: OpcodeQuery, flags: FlagRD | FlagB})
		checkQuestion(t, p, "SAMBANB", 0x00, RRTypeNB)
		if got := AppendNameQueryRequest(nil, 0x7fcb, EncodeName(nil, "SAMBANB", 0, ""), true); !bytes.Equal(got, b) {
			t.Errorf("AppendNameQueryRequest =\n%x\nwant\n%x", got, b)
		}
	})
	t.Run("nmbd-query-response", func(t *testing.T) {
		b := readCapture(t, "nbns-nmbd-query-response")
		p := mustParseNS(t, b)
		checkHeader(t, p, wantHeader{id: 0x4122, response: true, op: OpcodeQuery, flags: FlagAA | FlagRD | FlagRA})
		an, ok := p.Answer()
		checkRR(t, an, ok, "SAMBANB", 0x00, RRTypeNB, 259200)
		checkEntries(t, an, AddrEntry{NBOntB, sambaAddr})
		noSection(t, p, "question", "authority", "additional")
		got := AppendPositiveNameQueryResponse(nil, 0x4122, EncodeName(nil, "SAMBANB", 0, ""), 259200, AddrEntry{NBOntB, sambaAddr})
		if !bytes.Equal(got, b) {
			t.Errorf("AppendPositiveNameQueryResponse =\n%x\nwant\n%x", got, b)
		}
	})
	t.Run("nmbd-query-negative", func(t *testing.T) {
		b := readCapture(t, "nbns-nmbd-query-negative")
		p := mustParseNS(t, b)
		checkHeader(t, p, wantHeader{id: 0x05b5, response: true, op: OpcodeQuery, flags: FlagAA | FlagRD | FlagRA, rcode: RcodeNamErr})
		an, ok := p.Answer()
		checkRR(t, an, ok, "NOSUCH", 0x00, RRTypeNull, 0)
		if len(an.RData()) != 0 {
			t.Errorf("RDATA = %x", an.RData())
		}
		if got := AppendNegativeNameQueryResponse(nil, 0x05b5, EncodeName(nil, "NOSUCH", 0, ""), RcodeNamErr); !bytes.Equal(got, b) {
			t.Errorf("AppendNegativeNameQueryResponse =\n%x\nwant\n%x", got, b)
		}
	})
	for _, tc := range []struct {
		file  string
		id    uint16
		flags uint16
	}{
		{"nbns-nmblookup-status", 0x2733, 0},
		// nbtscan sets B although it sends the request unicast.
		{"nbns-nbtscan-status", 0x030a, FlagB},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b := readCapture(t, tc.file)
			p := mustParseNS(t, b)
			checkHeader(t, p, wantHeader{id: tc.id, op: OpcodeQuery, flags: tc.flags})
			checkQuestion(t, p, WildcardName, 0x00, RRTypeNBSTAT)
			if got := AppendNodeStatusRequest(nil, tc.id, starName); tc.flags == 0 && !bytes.Equal(got, b) {
				t.Errorf("AppendNodeStatusRequest =\n%x\nwant\n%x", got, b)
			}
		})
	}
	t.Run("nmbd-status-response", func(t *testing.T) {
		b := readCapture(t, "nbns-nmbd-status-response")
		p := mustParseNS(t, b)
		checkHeader(t, p, wantHeader{id: 0x2733, response: true, op: OpcodeQuery, flags: FlagAA})
		an, ok := p.Answer()
		checkRR(t, an, ok, WildcardName, 0x00, RRTypeNBSTAT, 0)
		st, err := an.NodeStatus()
		if err != nil {
			t.Fatal(err)
		}
		if st.NumNames() != len(sambaNames) {
			t.Fatalf("NumNames = %d", st.NumNames())
		}
		for i, w := range sambaNames {
			if name, suffix, flags := st.Name(i); string(name) != w.Name || suffix != w.Suffix || flags != w.Flags {
				t.Errorf("name %d = %q<%02x> %#04x; want %q<%02x> %#04x", i, name, suffix, flags, w.Name, w.Suffix, w.Flags)
			}
		}
		if len(st.Statistics()) != StatisticsLen {
			t.Errorf("%d bytes of statistics", len(st.Statistics()))
		}
		if id, ok := st.UnitID(); !ok || id != [6]byte{} {
			t.Errorf("UnitID = %x, %v", id, ok)
		}
		if got := AppendNodeStatusResponse(nil, 0x2733, starName, sambaNames, [6]byte{}); !bytes.Equal(got, b) {
			t.Errorf("AppendNodeStatusResponse =\n%x\nwant\n%x", got, b)
		}
	})
}

// nsHeaderBytes spells a header out field by field, for the expected bytes
// of the builders.
func nsHeaderBytes(id, word, qd, an, ns, ar uint16) []byte {
	var b [12]byte
	for i, v := range []uint16{id, word, qd, an, ns, ar} {
		binary.BigEndian.PutUint16(b[2*i:], v)
	}
	return b[:]
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// TestNameServiceBuilders checks each builder against the RFC 1002 diagram
// written out by hand, then parses the result back.
func TestNameServiceBuilders(t *testing.T) {
	name := EncodeName(nil, "TINYSMBD", 0x20, "")
	addr := netip.MustParseAddr("192.0.2.7")
	ip := addr.AsSlice()
	ptr := []byte{0xC0, 0x0C}
	tests := []struct {
		name string
		got  []byte
		want []byte
		hdr  wantHeader
	}{
		{
			"registration unicast",
			AppendNameRegistrationRequest(nil, 1, name, 300, AddrEntry{NBOntB, addr}, false),
			cat(nsHeaderBytes(1, 0x2900, 1, 0, 0, 1), name, u16(0x20), u16(1), ptr, u16(0x20), u16(1), u32(300), u16(6), u16(0), ip),
			wantHeader{id: 1, op: OpcodeRegistration, flags: FlagRD},
		},
		{
			// RFC 1002 4.2.4 as Samba and Windows send it: opcode 8, no RD.
			"refresh",
			AppendNameRefreshRequest(nil, 2, name, 300, AddrEntry{NBOntB, addr}, true),
			cat(nsHeaderBytes(2, 0x4010, 1, 0, 0, 1), name, u16(0x20), u16(1), ptr, u16(0x20), u16(1), u32(300), u16(6), u16(0), ip),
			wantHeader{id: 2, op: OpcodeRefresh, flags: FlagB},
		},
		{
			// RFC 1002 4.2.9: TTL 0.
			"release",
			AppendNameReleaseRequest(nil, 3, name, AddrEntry{NBGroup, addr}, true),
			cat(nsHeaderBytes(3, 0x3010, 1, 0, 0, 1), name, u16(0x20), u16(1), ptr, u16(0x20), u16(1), u32(0), u16(6), u16(0x8000), ip),
			wantHeader{id: 3, op: OpcodeRelease, flags: FlagB},
		},
		{
			// RFC 1002 4.2.5: |1|0x5|1|0|1|1|0 0|0|0x0|.
			"positive registration response",
			AppendNameRegistrationResponse(nil, 4, name, 0, 300, AddrEntry{NBOntB, addr}),
			cat(nsHeaderBytes(4, 0xAD80, 0, 1, 0, 0), name, u16(0x20), u16(1), u32(300), u16(6), u16(0), ip),
			wantHeader{id: 4, response: true, op: OpcodeRegistration, flags: FlagAA | FlagRD | FlagRA},
		},
		{
			// RFC 1002 4.2.6 with ACT_ERR, how a node defends its name.
			"negative registration response",
			AppendNameRegistrationResponse(nil, 5, name, RcodeActErr, 300, AddrEntry{NBOntB, addr}),
			cat(nsHeaderBytes(5, 0xAD86, 0, 1, 0, 0), name, u16(0x20), u16(1), u32(300), u16(6), u16(0), ip),
			wantHeader{id: 5, response: true, op: OpcodeRegistration, flags: FlagAA | FlagRD | FlagRA, rcode: RcodeActErr},
		},
		{
			// RFC 1002 4.2.8: CFT_ERR, TTL 0, only ONT, address 0.
			"conflict demand",
			AppendNameConflictDemand(nil, 6, name, NBOntM|NBGroup),
			cat(nsHeaderBytes(6, 0xAD87, 0, 1, 0, 0), name, u16(0x20), u16(1), u32(0), u16(6), u16(0x4000), []byte{0, 0, 0, 0}),
			wantHeader{id: 6, response: true, op: OpcodeRegistration, flags: FlagAA | FlagRD | FlagRA, rcode: RcodeCftErr},
		},
		{
			// RFC 1002 4.2.10: |1|0x6|1|0|0|0|0 0|0|0x0|.
			"positive release response",
			AppendNameReleaseResponse(nil, 7, name, 0, AddrEntry{NBOntB, addr}),
			cat(nsHeaderBytes(7, 0xB400, 0, 1, 0, 0), name, u16(0x20), u16(1), u32(0), u16(6), u16(0), ip),
			wantHeader{id: 7, response: true, op: OpcodeRelease, flags: FlagAA},
		},
		{
			"negative release response",
			AppendNameReleaseResponse(nil, 8, name, RcodeActErr, AddrEntry{NBOntB, addr}),
			cat(nsHeaderBytes(8, 0xB406, 0, 1, 0, 0), name, u16(0x20), u16(1), u32(0), u16(6), u16(0), ip),
			wantHeader{id: 8, response: true, op: OpcodeRelease, flags: FlagAA, rcode: RcodeActErr},
		},
		{
			// RFC 1002 4.2.16: NULL record, RDATA the request's OPCODE and
			// NM_FLAGS (here a broadcast registration), R and RCODE masked.
			"WACK",
			AppendWACKResponse(nil, 9, name, 12, 0xA91F),
			cat(nsHeaderBytes(9, 0xBC00, 0, 1, 0, 0), name, u16(0x0A), u16(1), u32(12), u16(2), u16(0x2910)),
			wantHeader{id: 9, response: true, op: OpcodeWACK, flags: FlagAA},
		},
		{
			"query unicast",
			AppendNameQueryRequest(nil, 10, name, false),
			cat(nsHeaderBytes(10, 0x0100, 1, 0, 0, 0), name, u16(0x20), u16(1)),
			wantHeader{id: 10, op: OpcodeQuery, flags: FlagRD},
		},
		{
			"positive query response, two owners",
			AppendPositiveNameQueryResponse(nil, 11, name, 60, AddrEntry{NBGroup, addr}, AddrEntry{NBGroup | NBOntH, netip.MustParseAddr("192.0.2.8")}),
			cat(nsHeaderBytes(11, 0x8580, 0, 1, 0, 0), name, u16(0x20), u16(1), u32(60), u16(12), u16(0x8000), ip, u16(0xE000), []byte{192, 0, 2, 8}),
			wantHeader{id: 11, response: true, op: OpcodeQuery, flags: FlagAA | FlagRD | FlagRA},
		},
		{
			"node status response, MAC",
			AppendNodeStatusResponse(nil, 12, starName, []NodeName{{"TINYSMBD", 0x20, NameActive | NamePermanent}, {"WG", 0x1E, NameGroup | NameActive | NameConflict}}, [6]byte{2, 0, 0, 0, 0, 1}),
			cat(nsHeaderBytes(12, 0x8400, 0, 1, 0, 0), starName, u16(0x21), u16(1), u32(0), u16(1+2*18+46), []byte{2},
				[]byte("TINYSMBD       \x20"), u16(0x0600), []byte("WG             \x1e"), u16(0x8C00),
				[]byte{2, 0, 0, 0, 0, 1}, make([]byte, 40)),
			wantHeader{id: 12, response: true, op: OpcodeQuery, flags: FlagAA},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Equal(tt.got, tt.want) {
				t.Fatalf("got\n%x\nwant\n%x", tt.got, tt.want)
			}
			p := mustParseNS(t, tt.got)
			checkHeader(t, p, tt.hdr)
		})
	}

	// The records come back as they went in.
	p := mustParseNS(t, tests[2].got)
	ar, ok := p.Additional()
	checkRR(t, ar, ok, "TINYSMBD", 0x20, RRTypeNB, 0)
	checkEntries(t, ar, AddrEntry{NBGroup, addr})
	p = mustParseNS(t, tests[8].got)
	an, _ := p.Answer()
	if w, err := an.WACKRequest(); err != nil || w != 0x2910 {
		t.Errorf("WACKRequest = %#04x, %v", w, err)
	}
	p = mustParseNS(t, tests[10].got)
	an, _ = p.Answer()
	checkEntries(t, an, AddrEntry{NBGroup, addr}, AddrEntry{NBGroup | NBOntH, netip.MustParseAddr("192.0.2.8")})
	p = mustParseNS(t, tests[11].got)
	an, _ = p.Answer()
	st, err := an.NodeStatus()
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := st.UnitID(); !ok || id != [6]byte{2, 0, 0, 0, 0, 1} {
		t.Errorf("UnitID = %x", id)
	}
	if n, s, f := st.Name(1); string(n) != "WG" || s != 0x1E || f != NameGroup|NameActive|NameConflict {
		t.Errorf("Name(1) = %q %#x %#x", n, s, f)
	}
}

func TestNameServiceBuilderPanics(t *testing.T) {
	name := EncodeName(nil, "X", 0, "")
	for _, tc := range []struct {
		what string
		fn   func()
	}{
		{"IPv6 address", func() {
			AppendNameRegistrationRequest(nil, 1, name, 0, AddrEntry{Addr: netip.MustParseAddr("::1")}, true)
		}},
		{"zero address", func() { AppendPositiveNameQueryResponse(nil, 1, name, 0, AddrEntry{}) }},
		{"long name", func() { AppendNodeStatusResponse(nil, 1, name, []NodeName{{Name: "SIXTEEN-BYTES-XX"}}, [6]byte{}) }},
		{"256 names", func() { AppendNodeStatusResponse(nil, 1, name, make([]NodeName, 256), [6]byte{}) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.what)
				}
			}()
			tc.fn()
		}()
	}
}

func TestParseNameServicePacketErrors(t *testing.T) {
	name := EncodeName(nil, "TINYSMBD", 0, "")
	query := AppendNameQueryRequest(nil, 1, name, true)
	reg := AppendNameRegistrationRequest(nil, 1, name, 0, AddrEntry{0, netip.MustParseAddr("10.0.0.1")}, true)
	answer := AppendPositiveNameQueryResponse(nil, 1, name, 0, AddrEntry{0, netip.MustParseAddr("10.0.0.1")})
	set := func(b []byte, off int, v ...byte) []byte {
		b = bytes.Clone(b)
		copy(b[off:], v)
		return b
	}
	regAR := nsHeaderLen + len(name) + 4 // offset of the additional record
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, errNSShort},
		{"11 bytes", query[:11], errNSShort},
		{"QDCOUNT 2", set(query, 4, 0, 2), errNSCount},
		{"ARCOUNT 256", set(query, 10, 1, 0), errNSCount},
		{"question name missing", query[:12], errNameTruncated},
		{"question name cut", query[:30], errNameTruncated},
		{"question type cut", query[:len(query)-1], errNSTruncated},
		{"question name length 31", set(query, 12, 31), errNameLength},
		{"question name bad letter", set(query, 13, 'Z'), errNameChar},
		{"question is a pointer", set(query, 12, 0xC0, 0x0C), errNSPointer},
		{"pointer truncated", reg[:regAR+1], errNameTruncated},
		{"pointer to the header", set(reg, regAR, 0xC0, 0x00), errNSPointer},
		{"pointer past the name start", set(reg, regAR, 0xC0, 0x0D), errNSPointer},
		{"pointer forward", set(reg, regAR, 0xC0, byte(regAR)), errNSPointer},
		{"pointer with low bits 01", set(reg, regAR, 0x40, 0x0C), errNameLength},
		{"record fixed part cut", reg[:regAR+2+9], errNSTruncated},
		{"RDATA cut", reg[:len(reg)-1], errNSTruncated},
		{"RDLENGTH too big", set(answer, len(answer)-8, 0, 7), errNSTruncated},
		{"answer name missing", answer[:12], errNameTruncated},
	}
	for _, tt := range tests {
		if _, err := ParseNameServicePacket(tt.b); err != tt.err {
			t.Errorf("%s: err = %v; want %v", tt.name, err, tt.err)
		}
	}

	// Trailing bytes are ignored, as nmbd does.
	if _, err := ParseNameServicePacket(append(bytes.Clone(query), 0, 0, 0)); err != nil {
		t.Errorf("trailing bytes: %v", err)
	}
	// An RR may point at an earlier RR's name too.
	two := cat(nsHeaderBytes(1, 0x8000, 0, 1, 0, 1), name, u16(0x20), u16(1), u32(0), u16(0),
		[]byte{0xC0, 0x0C}, u16(0x0A), u16(1), u32(0), u16(0))
	p := mustParseNS(t, two)
	if ar, ok := p.Additional(); !ok || !bytes.Equal(ar.Name(), name) || ar.Type() != RRTypeNull {
		t.Errorf("pointer to the answer's name: %q %v", ar.Name(), ok)
	}
}

func TestNameServiceRDataErrors(t *testing.T) {
	name := EncodeName(nil, "X", 0, "")
	rr := func(typ uint16, rdata []byte) ResourceRecord {
		b := cat(nsHeaderBytes(1, 0x8000, 0, 1, 0, 0), name, u16(typ), u16(1), u32(0), u16(uint16(len(rdata))), rdata)
		an, _ := mustParseNS(t, b).Answer()
		return an
	}
	if _, err := rr(RRTypeNB, make([]byte, 7)).AddrEntries(); err != errNSRDLength {
		t.Errorf("NB with 7 bytes: %v", err)
	}
	if _, err := rr(RRTypeNull, make([]byte, 6)).AddrEntries(); err != errNSRRType {
		t.Errorf("AddrEntries of NULL: %v", err)
	}
	if es, err := rr(RRTypeNB, nil).AddrEntries(); err != nil || es.Len() != 0 {
		t.Errorf("empty NB: %d, %v", es.Len(), err)
	}
	if _, err := rr(RRTypeNB, make([]byte, 2)).WACKRequest(); err != errNSRRType {
		t.Errorf("WACKRequest of NB: %v", err)
	}
	if _, err := rr(RRTypeNull, make([]byte, 3)).WACKRequest(); err != errNSRDLength {
		t.Errorf("WACK with 3 bytes: %v", err)
	}
	if _, err := rr(RRTypeNB, []byte{0}).NodeStatus(); err != errNSRRType {
		t.Errorf("NodeStatus of NB: %v", err)
	}
	if _, err := rr(RRTypeNBSTAT, nil).NodeStatus(); err != errNSRDLength {
		t.Errorf("empty NBSTAT: %v", err)
	}
	if _, err := rr(RRTypeNBSTAT, append([]byte{2}, make([]byte, 35)...)).NodeStatus(); err != errNSRDLength {
		t.Errorf("NBSTAT with 2 names in 35 bytes: %v", err)
	}
	st, err := rr(RRTypeNBSTAT, append([]byte{1}, make([]byte, 18+5)...)).NodeStatus()
	if err != nil || st.NumNames() != 1 {
		t.Fatalf("NBSTAT, short statistics: %v", err)
	}
	if _, ok := st.UnitID(); ok {
		t.Error("UnitID from 5 bytes of statistics")
	}
}

func TestOpcodeString(t *testing.T) {
	for op, want := range map[Opcode]string{
		OpcodeQuery: "query", OpcodeRegistration: "registration", OpcodeRelease: "release",
		OpcodeWACK: "WACK", OpcodeRefresh: "refresh", OpcodeRefreshAlt: "refresh",
		OpcodeMultihomedRegistration: "multi-homed registration", 3: "opcode 3",
	} {
		if op.String() != want {
			t.Errorf("Opcode(%d).String() = %q; want %q", op, op.String(), want)
		}
	}
}

// touchNS reads every field of p the way the name service does, decoding
// names into a stack buffer.
func touchNS(p NameServicePacket) int {
	n := int(p.TransactionID()) + int(p.Opcode()) + int(p.Flags()) + int(p.RCode())
	var buf [MaxDecodedNameLen]byte
	if q, ok := p.Question(); ok {
		name, suffix, _, _, _ := DecodeName(buf[:0], q.Name())
		n += len(name) + int(suffix) + int(q.Type())
	}
	for _, get := range []func() (ResourceRecord, bool){p.Answer, p.Authority, p.Additional} {
		rr, ok := get()
		if !ok {
			continue
		}
		name, _, _, _, _ := DecodeName(buf[:0], rr.Name())
		n += len(name) + int(rr.TTL())
		if es, err := rr.AddrEntries(); err == nil {
			for i := range es.Len() {
				n += int(es.Entry(i).Addr.As4()[3])
			}
		}
		if st, err := rr.NodeStatus(); err == nil {
			for i := range st.NumNames() {
				nm, _, f := st.Name(i)
				n += len(nm) + int(f)
			}
			id, _ := st.UnitID()
			n += int(id[5])
		}
	}
	return n
}

func TestParseNameServicePacketAllocs(t *testing.T) {
	for _, file := range []string{"nbns-nmbd-registration", "nbns-nmbd-query-response", "nbns-nmbd-status-response", "nbns-nbtscan-status"} {
		b := readCapture(t, file)
		allocs := testing.AllocsPerRun(100, func() {
			p, err := ParseNameServicePacket(b)
			if err != nil {
				t.Fatal(err)
			}
			touchNS(p)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per parse; want 0", file, allocs)
		}
	}
	// Building a response into a buffer with room allocates nothing either.
	name := EncodeName(nil, "TINYSMBD", 0, "")
	buf := make([]byte, 0, 576)
	names := []NodeName{{"TINYSMBD", 0, NameActive}, {"WORKGROUP", 0, NameGroup | NameActive}}
	addr := netip.MustParseAddr("10.0.0.1")
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendPositiveNameQueryResponse(buf[:0], 1, name, 0, AddrEntry{0, addr})
		buf = AppendNodeStatusResponse(buf[:0], 1, name, names, [6]byte{})
		buf = AppendNameRegistrationRequest(buf[:0], 1, name, 0, AddrEntry{0, addr}, true)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per build; want 0", allocs)
	}
}

func BenchmarkParseNameServicePacket(b *testing.B) {
	for _, file := range []string{"nbns-nmblookup-query", "nbns-nmbd-registration", "nbns-nmbd-status-response"} {
		pkt := readCapture(b, file)
		b.Run(file, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			for b.Loop() {
				p, err := ParseNameServicePacket(pkt)
				if err != nil {
					b.Fatal(err)
				}
				touchNS(p)
			}
		})
	}
}

// reencode builds a packet from p's fields with the generic helpers, names
// written out in full.
func reencode(p NameServicePacket) []byte {
	word := p.Flags() | uint16(p.RCode())
	if p.IsResponse() {
		word |= FlagResponse
	}
	var counts [4]uint16
	q, hasQ := p.Question()
	if hasQ {
		counts[0] = 1
	}
	rrs := [3]func() (ResourceRecord, bool){p.Answer, p.Authority, p.Additional}
	for i, get := range rrs {
		if _, ok := get(); ok {
			counts[1+i] = 1
		}
	}
	b := appendNSHeader(nil, p.TransactionID(), p.Opcode(), word, counts[0], counts[1], counts[2], counts[3])
	if hasQ {
		b = append(b, q.Name()...)
		b = append(b, u16(q.Type())...)
		b = append(b, u16(q.Class())...)
	}
	for _, get := range rrs {
		rr, ok := get()
		if !ok {
			continue
		}
		b = append(b, rr.Name()...)
		b = append(b, u16(rr.Type())...)
		b = append(b, u16(rr.Class())...)
		b = append(b, u32(rr.TTL())...)
		b = append(b, u16(uint16(len(rr.RData())))...)
		b = append(b, rr.RData()...)
	}
	return b
}

// FuzzParseNameServicePacket checks that the parser never panics, that
// every accessor works on what it accepts, and that a packet rebuilt from
// the parsed fields parses to the same fields.
func FuzzParseNameServicePacket(f *testing.F) {
	for _, file := range []string{
		"nbns-nmbd-registration", "nbns-nmbd-query-broadcast", "nbns-nmblookup-query",
		"nbns-nmbd-query-response", "nbns-nmblookup-query-missing", "nbns-nmbd-query-negative",
		"nbns-nmblookup-query-broadcast", "nbns-nmblookup-status", "nbns-nmbd-status-response",
		"nbns-nbtscan-status",
	} {
		f.Add(readCapture(f, file))
	}
	name := EncodeName(nil, "TINYSMBD", 0x20, "SCOPE.EXAMPLE")
	addr := netip.MustParseAddr("192.0.2.7")
	f.Add(AppendNameRefreshRequest(nil, 1, name, 60, AddrEntry{0, addr}, true))
	f.Add(AppendNameReleaseRequest(nil, 1, name, AddrEntry{0, addr}, true))
	f.Add(AppendNameConflictDemand(nil, 1, name, NBOntB))
	f.Add(AppendWACKResponse(nil, 1, name, 5, 0x2910))
	f.Add(AppendNodeStatusResponse(nil, 1, name, []NodeName{{"A", 0, 0}}, [6]byte{1, 2, 3, 4, 5, 6}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseNameServicePacket(b)
		if err != nil {
			return
		}
		touchNS(p)
		again, err := ParseNameServicePacket(reencode(p))
		if err != nil {
			t.Fatalf("re-encoded packet does not parse: %v", err)
		}
		if !bytes.Equal(reencode(again), reencode(p)) {
			t.Fatalf("re-encoding is not stable:\n%x\n%x", reencode(again), reencode(p))
		}
	})
}
