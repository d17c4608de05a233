package netbt

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// TestDatagramCapture parses the DIRECT_GROUP datagrams Samba 4.17's nmbd
// broadcast on UDP 138 (a host announcement, an election request and the
// host announcement it sends when it stops; then, as a local master
// browser, an announcement request and its local master and workgroup
// announcements) and rebuilds each exactly.
func TestDatagramCapture(t *testing.T) {
	tests := []struct {
		capture  string
		id       uint16
		src, ip  string
		dest     string
		suffix   byte
		userData int
	}{
		{"nmbd-host-announcement", 0x6861, "SAMBANMB", "10.77.0.1", "WORKGROUP", 0x1D, 132},
		{"nmbd-election-request", 0x6863, "SAMBANMB", "10.77.0.1", "WORKGROUP", 0x1E, 101},
		{"nmbd-host-announcement-leaving", 0x6864, "SAMBANMB", "10.77.0.1", "WORKGROUP", 0x1D, 132},
		{"nmbd-announcement-request", 0x6b4c, "MASTERNMB", "10.77.0.2", "WORKGROUP", 0x1E, 98},
		{"nmbd-local-master-announcement", 0x6b4d, "MASTERNMB", "10.77.0.2", "WORKGROUP", 0x1E, 139},
		{"nmbd-domain-announcement", 0x6b4e, "MASTERNMB", "10.77.0.2", "\x01\x02__MSBROWSE__\x02", 0x01, 128},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			b := readCapture(t, tt.capture)
			d, err := ParseDatagram(b)
			if err != nil {
				t.Fatal(err)
			}
			if d.Type() != DatagramDirectGroup || d.Flags() != 0x0A || !d.First() || d.More() ||
				d.NodeType() != DatagramNodeM || !d.Whole() {
				t.Errorf("type %#x flags %#x first %v more %v node %#x whole %v",
					d.Type(), d.Flags(), d.First(), d.More(), d.NodeType(), d.Whole())
			}
			if d.ID() != tt.id || d.SourceIP() != netip.MustParseAddr(tt.ip) || d.SourcePort() != DatagramPort ||
				d.PacketOffset() != 0 || d.ErrorCode() != 0 {
				t.Errorf("id %#x ip %v port %d offset %d", d.ID(), d.SourceIP(), d.SourcePort(), d.PacketOffset())
			}
			var buf [MaxDecodedNameLen]byte
			name, suffix, _, _, err := DecodeName(buf[:0], d.SourceName())
			if err != nil || string(name) != tt.src || suffix != 0 {
				t.Errorf("source %q<%02x> %v", name, suffix, err)
			}
			name, suffix, _, _, err = DecodeName(buf[:0], d.DestinationName())
			if err != nil || string(name) != tt.dest || suffix != tt.suffix {
				t.Errorf("destination %q<%02x> %v", name, suffix, err)
			}
			if len(d.UserData()) != tt.userData || !bytes.HasPrefix(d.UserData(), []byte("\xffSMB")) {
				t.Errorf("user data % x", d.UserData())
			}
			h := DatagramHeader{Type: d.Type(), Flags: d.Flags(), ID: d.ID(), SourceIP: d.SourceIP(), SourcePort: d.SourcePort()}
			if got := AppendDatagram(nil, h, d.SourceName(), d.DestinationName(), d.UserData()); !bytes.Equal(got, b) {
				t.Errorf("AppendDatagram:\n%s\nwant:\n%s", hex.Dump(got), hex.Dump(b))
			}
		})
	}
}

// TestAppendDatagramExact checks every header byte of a B-node broadcast
// built from scratch, then each of the other packet types.
func TestAppendDatagramExact(t *testing.T) {
	h := DatagramHeader{
		Type:       DatagramDirectGroup,
		Flags:      DatagramFlagFirst | DatagramNodeB,
		ID:         0x1234,
		SourceIP:   netip.MustParseAddr("192.168.1.2"),
		SourcePort: DatagramPort,
	}
	src := EncodeName(nil, "NAS", 0x00, "")
	dst := EncodeName(nil, "WORKGROUP", 0x1D, "")
	got := AppendDatagram([]byte{0xEE}, h, src, dst, []byte("hi"))
	want := "ee" + "11" + "02" + "1234" + "c0a80102" + "008a" + "0046" + "0000" +
		"20" + hex.EncodeToString([]byte("EOEBFD"+strings.Repeat("CA", 12)+"AA")) + "00" +
		"20" + hex.EncodeToString([]byte("FHEPFCELEHFCEPFFFA"+strings.Repeat("CA", 6)+"BN")) + "00" +
		"6869"
	if h := hex.EncodeToString(got); h != want {
		t.Errorf("AppendDatagram =\n%s\nwant\n%s", h, want)
	}
	d, err := ParseDatagram(got[1:])
	if err != nil {
		t.Fatal(err)
	}
	if d.NodeType() != DatagramNodeB || !d.Whole() || string(d.UserData()) != "hi" ||
		!bytes.Equal(d.SourceName(), src) || !bytes.Equal(d.DestinationName(), dst) {
		t.Errorf("parsed back: node %#x whole %v data %q", d.NodeType(), d.Whole(), d.UserData())
	}

	h.Type = DatagramError
	got = AppendDatagramError(nil, h, DatagramErrNameNotPresent)
	if hex.EncodeToString(got) != "13021234c0a80102008a82" {
		t.Errorf("AppendDatagramError = %x", got)
	}
	if d, err := ParseDatagram(got); err != nil || d.ErrorCode() != DatagramErrNameNotPresent ||
		d.SourceName() != nil || d.DestinationName() != nil || d.UserData() != nil || d.PacketOffset() != 0 {
		t.Errorf("ParseDatagram(error) = code %#x, %v", d.ErrorCode(), err)
	}

	h.Type = DatagramQueryRequest
	got = AppendDatagramQuery(nil, h, dst)
	if !bytes.Equal(got[:10], []byte{0x14, 0x02, 0x12, 0x34, 192, 168, 1, 2, 0, 138}) || !bytes.Equal(got[10:], dst) {
		t.Errorf("AppendDatagramQuery = %x", got)
	}
	if d, err := ParseDatagram(got); err != nil || !bytes.Equal(d.DestinationName(), dst) || d.ErrorCode() != 0 {
		t.Errorf("ParseDatagram(query) = %v", err)
	}
}

func TestParseDatagramErrors(t *testing.T) {
	name := EncodeName(nil, "A", 0, "")
	good := AppendDatagram(nil, DatagramHeader{Type: DatagramBroadcast, SourceIP: netip.IPv4Unspecified()}, name, name, []byte("x"))
	withLen := func(b []byte, n int) []byte {
		b = bytes.Clone(b)
		b[10], b[11] = byte(n>>8), byte(n)
		return b
	}
	setLen := func(n int) []byte { return withLen(good, n) }
	body := func(names ...byte) []byte { return withLen(append(good[:14:14], names...), len(names)) }
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, errDatagramShort},
		{"base only", good[:9], errDatagramShort},
		{"no DGM_LENGTH", good[:12], errDatagramShort},
		{"unknown type", append([]byte{0x17}, good[1:]...), errDatagramType},
		{"length beyond packet", setLen(len(good) - 13), errDatagramLength},
		{"length cuts user data is fine, cuts name is not", setLen(2*len(name) - 1), errNameTruncated},
		{"no source name", setLen(0), errNameTruncated},
		{"bad source name", body(5, 'a', 'b', 'c', 'd', 'e', 0), errNameLength},
		{"pointer in destination", body(append(bytes.Clone(name), 0xC0, 0x0C)...), errNamePointer},
		{"error without code", good[:10:10], errDatagramShort},
		{"query without name", append([]byte{DatagramQueryRequest}, good[1:10]...), errNameTruncated},
	}
	tests[9].b = append([]byte{DatagramError}, good[1:10]...)
	for _, tt := range tests {
		if _, err := ParseDatagram(tt.b); err != tt.err {
			t.Errorf("%s: ParseDatagram = %v, want %v", tt.name, err, tt.err)
		}
	}
	// UDP padding after DGM_LENGTH is not part of the user data.
	d, err := ParseDatagram(append(bytes.Clone(good), 0, 0))
	if err != nil || string(d.UserData()) != "x" {
		t.Errorf("padded datagram: user data %q, %v", d.UserData(), err)
	}
	// A fragment is valid but not whole.
	frag := bytes.Clone(good)
	frag[1] = DatagramFlagMore | DatagramFlagFirst
	if d, err := ParseDatagram(frag); err != nil || d.Whole() || !d.More() {
		t.Errorf("first of several fragments: whole %v, %v", d.Whole(), err)
	}
	frag[1], frag[13] = 0, 100
	if d, err := ParseDatagram(frag); err != nil || d.Whole() || d.PacketOffset() != 100 {
		t.Errorf("last fragment: whole %v offset %d, %v", d.Whole(), d.PacketOffset(), err)
	}
}

func TestParseDatagramDoesNotAllocate(t *testing.T) {
	b := readCapture(t, "nmbd-host-announcement")
	allocs := testing.AllocsPerRun(100, func() {
		d, err := ParseDatagram(b)
		if err != nil || !d.Whole() || len(d.UserData()) == 0 || !d.SourceIP().Is4() {
			panic("parse failed")
		}
	})
	if allocs != 0 {
		t.Errorf("ParseDatagram allocates %v times", allocs)
	}
}

func BenchmarkParseDatagram(b *testing.B) {
	pkt := readCapture(b, "nmbd-host-announcement")
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if _, err := ParseDatagram(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

var nmbdCaptures = []string{
	"nmbd-host-announcement", "nmbd-election-request", "nmbd-host-announcement-leaving",
	"nmbd-announcement-request", "nmbd-local-master-announcement", "nmbd-domain-announcement",
}

// FuzzParseDatagram checks that an accepted packet's names decode and that
// the builders reproduce it.
func FuzzParseDatagram(f *testing.F) {
	for _, c := range nmbdCaptures {
		f.Add(readCapture(f, c))
	}
	h := DatagramHeader{Type: DatagramError, SourceIP: netip.MustParseAddr("10.0.0.1"), SourcePort: 138}
	f.Add(AppendDatagramError(nil, h, DatagramErrSourceFormat))
	h.Type = DatagramNegativeQueryResponse
	f.Add(AppendDatagramQuery(nil, h, EncodeName(nil, "Q", 0x20, "scope.example")))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDatagram(b)
		if err != nil {
			return
		}
		for _, enc := range [][]byte{d.SourceName(), d.DestinationName()} {
			if len(enc) == 0 {
				continue
			}
			if _, _, _, n, err := DecodeName(nil, enc); err != nil || n != len(enc) {
				t.Fatalf("DecodeName(%q) = n %d, %v after ParseDatagram accepted it", enc, n, err)
			}
		}
		h := DatagramHeader{Type: d.Type(), Flags: d.Flags(), ID: d.ID(), SourceIP: d.SourceIP(), SourcePort: d.SourcePort()}
		var got []byte
		switch d.Type() {
		case DatagramError:
			got = AppendDatagramError(nil, h, d.ErrorCode())
		case DatagramQueryRequest, DatagramPositiveQueryResponse, DatagramNegativeQueryResponse:
			got = AppendDatagramQuery(nil, h, d.DestinationName())
		default:
			got = AppendDatagram(nil, h, d.SourceName(), d.DestinationName(), d.UserData())
			got[12], got[13] = b[12], b[13] // the builder writes PACKET_OFFSET 0
		}
		if !bytes.Equal(got, b[:len(got)]) {
			t.Fatalf("rebuilt %x from %x", got, b)
		}
	})
}
