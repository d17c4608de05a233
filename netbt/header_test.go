package netbt

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		mode Mode
		want Header
		err  error
	}{
		{"message", "00000010", SessionService, Header{TypeSessionMessage, 16}, nil},
		{"message max 16 bits", "0000ffff", SessionService, Header{TypeSessionMessage, 0xFFFF}, nil},
		{"message E bit", "00010000", SessionService, Header{TypeSessionMessage, 0x10000}, nil},
		{"message max 17 bits", "0001ffff", SessionService, Header{TypeSessionMessage, MaxSessionLength}, nil},
		{"request", "81000044", SessionService, Header{TypeSessionRequest, 68}, nil},
		{"positive", "82000000", SessionService, Header{TypePositiveResponse, 0}, nil},
		{"negative", "83000001", SessionService, Header{TypeNegativeResponse, 1}, nil},
		{"retarget", "84000006", SessionService, Header{TypeRetarget, 6}, nil},
		{"keepalive", "85000000", SessionService, Header{TypeKeepalive, 0}, nil},
		{"reserved flag", "00020000", SessionService, Header{}, ErrBadHeader},
		{"high flag", "00800000", SessionService, Header{}, ErrBadHeader},
		{"unknown type", "86000000", SessionService, Header{}, ErrBadHeader},
		{"http", "47455420", SessionService, Header{}, ErrBadHeader},
		{"short", "000000", SessionService, Header{}, errShortHeader},
		{"direct", "00000010", DirectTCP, Header{TypeSessionMessage, 16}, nil},
		{"direct 24 bits", "00ffffff", DirectTCP, Header{TypeSessionMessage, MaxDirectLength}, nil},
		{"direct 18 bits", "00020001", DirectTCP, Header{TypeSessionMessage, 0x20001}, nil},
		{"direct nonzero", "81000044", DirectTCP, Header{}, ErrBadHeader},
		{"direct short", "00", DirectTCP, Header{}, errShortHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeader(unhex(t, tt.in), tt.mode)
			if err != tt.err || got != tt.want {
				t.Fatalf("ParseHeader(%s, %v) = %+v, %v; want %+v, %v", tt.in, tt.mode, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestPutHeader(t *testing.T) {
	tests := []struct {
		typ    byte
		length int
		want   string
		modes  []Mode
	}{
		{TypeSessionMessage, 0, "00000000", []Mode{SessionService, DirectTCP}},
		{TypeSessionMessage, 0x1234, "00001234", []Mode{SessionService, DirectTCP}},
		{TypeSessionMessage, 0x1FFFF, "0001ffff", []Mode{SessionService, DirectTCP}},
		{TypeSessionMessage, 0x20000, "00020000", []Mode{DirectTCP}},
		{TypeSessionMessage, MaxDirectLength, "00ffffff", []Mode{DirectTCP}},
		{TypeSessionRequest, 68, "81000044", []Mode{SessionService}},
		{TypeKeepalive, 0, "85000000", []Mode{SessionService}},
		{TypeNegativeResponse, 0x10001, "83010001", []Mode{SessionService}},
	}
	for _, tt := range tests {
		b := make([]byte, HeaderLen)
		PutHeader(b, tt.typ, tt.length)
		if got := hex.EncodeToString(b); got != tt.want {
			t.Errorf("PutHeader(%#x, %d) = %s; want %s", tt.typ, tt.length, got, tt.want)
		}
		for _, m := range tt.modes {
			h, err := ParseHeader(b, m)
			if err != nil || h != (Header{tt.typ, tt.length}) {
				t.Errorf("ParseHeader(PutHeader(%#x, %d), %v) = %+v, %v", tt.typ, tt.length, m, h, err)
			}
		}
	}
}

func TestPutHeaderPanics(t *testing.T) {
	for _, tt := range []struct {
		typ    byte
		length int
		dst    int
	}{
		{TypeSessionMessage, -1, 4},
		{TypeSessionMessage, MaxDirectLength + 1, 4},
		{TypeSessionRequest, MaxSessionLength + 1, 4},
		{TypeSessionMessage, 0, 3},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("PutHeader(%#x, %d) into %d bytes did not panic", tt.typ, tt.length, tt.dst)
				}
			}()
			PutHeader(make([]byte, tt.dst), tt.typ, tt.length)
		}()
	}
}

func TestAppendResponses(t *testing.T) {
	prefix := []byte{0xEE}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"positive", AppendPositiveResponse(prefix), "ee82000000"},
		{"negative", AppendNegativeResponse(prefix, CodeCalledNameNotPresent), "ee8300000182"},
		{"keepalive", AppendKeepalive(prefix), "ee85000000"},
		{"retarget", AppendRetarget(prefix, netip.MustParseAddrPort("192.168.1.2:139")), "ee84000006c0a80102008b"},
		{"retarget mapped", AppendRetarget(prefix, netip.MustParseAddrPort("[::ffff:10.0.0.1]:445")), "ee840000060a00000101bd"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.got); got != tt.want {
			t.Errorf("%s: got %s; want %s", tt.name, got, tt.want)
		}
		h, err := ParseHeader(tt.got[1:], SessionService)
		if err != nil || h.Length != len(tt.got)-1-HeaderLen {
			t.Errorf("%s: ParseHeader = %+v, %v", tt.name, h, err)
		}
	}

	code, err := ParseNegativeResponse([]byte{CodeInsufficientResources})
	if err != nil || code != CodeInsufficientResources {
		t.Errorf("ParseNegativeResponse = %#x, %v", code, err)
	}
	if _, err := ParseNegativeResponse(nil); err != errNegativeLength {
		t.Errorf("ParseNegativeResponse(empty) error = %v", err)
	}
	if _, err := ParseNegativeResponse([]byte{1, 2}); err != errNegativeLength {
		t.Errorf("ParseNegativeResponse(2 bytes) error = %v", err)
	}

	ap := netip.MustParseAddrPort("192.168.1.2:139")
	b := AppendRetarget(nil, ap)
	got, err := ParseRetarget(b[HeaderLen:])
	if err != nil || got != ap {
		t.Errorf("ParseRetarget = %v, %v; want %v", got, err, ap)
	}
	if _, err := ParseRetarget(b[HeaderLen+1:]); err != errRetargetLength {
		t.Errorf("ParseRetarget(5 bytes) error = %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("AppendRetarget(IPv6) did not panic")
			}
		}()
		AppendRetarget(nil, netip.MustParseAddrPort("[2001:db8::1]:139"))
	}()
}

func TestHeaderNoAlloc(t *testing.T) {
	hdr := unhex(t, "0001ffff")
	buf := make([]byte, 0, 64)
	payload := unhex(t, "0a00000101bd")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseHeader(hdr, SessionService); err != nil {
			t.Fatal(err)
		}
		PutHeader(buf[:HeaderLen], TypeSessionMessage, 100)
		buf = AppendNegativeResponse(buf[:0], CodeUnspecified)
		buf = AppendKeepalive(buf[:0])
		if _, err := ParseRetarget(payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("header path allocates %v times; want 0", allocs)
	}
	if !bytes.Equal(buf, []byte{TypeKeepalive, 0, 0, 0}) {
		t.Errorf("buf = %x", buf)
	}
}

func BenchmarkParseHeader(b *testing.B) {
	hdr := []byte{0x00, 0x01, 0x00, 0x40}
	b.ReportAllocs()
	b.SetBytes(HeaderLen)
	for b.Loop() {
		if _, err := ParseHeader(hdr, SessionService); err != nil {
			b.Fatal(err)
		}
	}
}
