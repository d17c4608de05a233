package rap

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/smb/dcerpc"
)

// golden is one file of testdata/samba: the request parameters and Samba's
// reply parameters and data.
type golden struct {
	req, params, data []byte
}

func readGolden(t testing.TB, name string) golden {
	t.Helper()
	path := filepath.Join("testdata", "samba", name+".txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var g golden
	var cur *[]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || line == "":
		case line == "-- request parameters":
			cur = &g.req
		case line == "-- response parameters":
			cur = &g.params
		case line == "-- response data":
			cur = &g.data
		default:
			if cur == nil || len(line) < 6 {
				t.Fatalf("%s: stray line %q", path, line)
			}
			hx := line[6:min(len(line), 6+47)]
			b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(hx), " ", ""))
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			*cur = append(*cur, b...)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return g
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// samba is the Samba the goldens were recorded against.
var samba = Server{
	Name: "SAMBABASE", Domain: "WORKGROUP", Comment: "Samba 4.17.12-Debian",
	Type: 0x00809a03, VersionMajor: 6, VersionMinor: 1, User: "root",
	Shares: []dcerpc.ShareInfo{
		{Name: "share", Type: dcerpc.STypeDiskTree},
		{Name: "admin$", Type: dcerpc.STypeDiskTree | dcerpc.STypeSpecial},
		{Name: "IPC$", Type: dcerpc.STypeIPC | dcerpc.STypeSpecial, Comment: "IPC Service (Samba 4.17.12-Debian)"},
	},
	// The second of remote_tod.txt, 2026-11-26 02:03:09 UTC.
	Now: time.Unix(0x6b07935d, 0).UTC(),
}

// TestGoldenSamba serves the requests Samba answered and expects its
// answers, except where tinysmbd deliberately differs: then the test names
// the difference and the bytes expected instead.
func TestGoldenSamba(t *testing.T) {
	for _, tc := range []struct {
		name         string
		params, data string // want instead of Samba's, when why is set
		why          string
	}{
		{name: "share_enum_0"},
		{name: "share_enum_1"},
		{name: "share_enum_1_small"},
		{name: "share_enum_1_tiny"},
		{name: "share_enum_baddesc"},
		{name: "server_getinfo_0"},
		{name: "server_getinfo_1"},
		{name: "wksta_getinfo_10"},
		{name: "session_enum_2"},
		{name: "remote_tod"},
		{name: "unknown_api"},
		{name: "share_enum_5", params: "7c00 0000",
			why: "ERROR_INVALID_LEVEL for a level not served (MS-RAP 3.2.5.1); Samba answers ERROR_NOT_SUPPORTED"},
		{name: "share_getinfo_1", params: "0000 0000 1500",
			data: "7368617265 0000000000000000 00 0000 14000000 00",
			why:  "NetShareGetInfo is served; Samba answers ERROR_NOT_SUPPORTED"},
		{name: "share_getinfo_missing", params: "0609 0000",
			why: "NERR_NetNameNotFound; Samba answers ERROR_NOT_SUPPORTED to every NetShareGetInfo"},
		{name: "server_getinfo_1_small", params: "ea00 0000 2f00",
			why: "ERROR_MORE_DATA and the size needed when the record does not fit (MS-RAP 3.2.5.2); Samba ignores the buffer size"},
		{name: "server_enum2_0_domains", params: "0000 0000 0100 0100",
			data: "574f524b47524f5550 00000000000000",
			why:  "tinysmbd lists its own workgroup; Samba without nmbd has no browse list"},
		{name: "server_enum2_1_all", params: "0000 0000 0100 0100",
			data: "53414d424142415345 00000000000000 0601 039a8000 1a000000 53616d626120342e31372e31322d44656269616e00",
			why:  "tinysmbd lists itself; Samba without nmbd has no browse list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := readGolden(t, tc.name)
			if tc.why != "" {
				g.params, g.data = mustHex(t, tc.params), mustHex(t, tc.data)
				t.Logf("differs from Samba: %s", tc.why)
			}
			if _, err := ParseRequest(g.req); err != nil && tc.name != "share_enum_baddesc" {
				t.Fatalf("ParseRequest: %v", err)
			}
			params, data := Serve(g.req, &samba)
			if !bytes.Equal(params, g.params) || !bytes.Equal(data, g.data) {
				t.Fatalf("got params %x data\n%s\nwant params %x data\n%s", params, hex.Dump(data), g.params, hex.Dump(g.data))
			}
		})
	}
}

func TestParseRequest(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		err      error
	}{
		{"NetServerEnum2 with a domain", "6800 57724c6568447a00 4231364242447a00 0100ffff ffffffff 574f524b47524f555000", nil},
		{"NetServerEnum2 without a domain", "6800 57724c6568444f00 42313600 0000 0020 00000080", nil},
		{"NetRemoteTOD with an auxiliary descriptor", "5b00 724c00 444442424242575742425742 00 0020 00", nil},
		{"opcode cut", "68", errShort},
		{"no parameter descriptor terminator", "6800 57724c6568", errDesc},
		{"no data descriptor terminator", "6800 57724c656800 423136", errDesc},
		{"unknown descriptor type", "6800 5778 00 00 0000", errDesc},
		{"word missing", "0000 57724c656800 42313300 0000", errArgs},
		{"dword missing", "6800 57724c6568447a00 4231364242447a00 0100ffff ffff", errArgs},
		{"string without terminator", "6800 57724c6568447a00 4231364242447a00 0100ffff ffffffff 574f524b", errArgs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseRequest(mustHex(t, tc.in)); err != tc.err {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestParseRequestAllocs(t *testing.T) {
	b := mustHex(t, "6800 57724c6568447a00 4231364242447a00 0100ffff ffffffff 574f524b47524f555000")
	if n := testing.AllocsPerRun(100, func() {
		r, err := ParseRequest(b)
		if err != nil || r.Level != 1 || r.BufLen != 0xffff || r.Types != 0xffffffff || string(r.Name) != "WORKGROUP" {
			t.Fatal("parse failed")
		}
	}); n != 0 {
		t.Fatalf("ParseRequest allocates %v times", n)
	}
}

func BenchmarkParseRequest(b *testing.B) {
	req := mustHex(b, "6800 57724c6568447a00 4231364242447a00 0100ffff ffffffff 574f524b47524f555000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest(req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBrowse covers NetServerEnum2's filters: server types, workgroup
// enumeration, SV_TYPE_ALL, another workgroup.
func TestBrowse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		types  uint32
		domain string
		want   []string
	}{
		{"all servers", SVTypeAll, "WORKGROUP", []string{"SAMBABASE"}},
		{"domain case-insensitive", SVTypeAll, "workgroup", []string{"SAMBABASE"}},
		{"the server's name as the domain", SVTypeDomainEnum, "SAMBABASE", []string{"WORKGROUP"}},
		{"no domain", 0x3, "", []string{"SAMBABASE"}},
		{"workgroups", SVTypeDomainEnum, "", []string{"WORKGROUP"}},
		{"types not ours", 0x8, "", nil},
		{"another workgroup", SVTypeAll, "OTHER", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range samba.browse(tc.types, []byte(tc.domain)) {
				got = append(got, e.strs[0])
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestShareNames: names longer than 12 bytes do not fit B13 and are left
// out, as are hidden names ending in '$'; non-ASCII characters become '?';
// NetShareGetInfo is case-insensitive.
func TestShareNames(t *testing.T) {
	s := samba
	s.Shares = []dcerpc.ShareInfo{{Name: "a-very-long-name"}, {Name: "Grüße", Comment: "ü"}, {Name: "Data"}, {Name: "x$"}}
	params, data := Serve(mustHex(t, "0000 57724c656800 42313342577a00 0100 0020"), &s)
	if want := mustHex(t, "0000 0000 0200 0200"); !bytes.Equal(params, want) {
		t.Fatalf("params %x, want %x", params, want)
	}
	if want := mustHex(t, `4772 3f3f 65 0000000000000000 00 0000 28000000
		44617461 000000000000000000 00 0000 2a000000 3f00 00`); !bytes.Equal(data, want) {
		t.Fatalf("data\n%s", hex.Dump(data))
	}
	if params, _ := Serve(mustHex(t, "0100 7a57724c6800 42313300 4441544100 0000 0020"), &s); !bytes.Equal(params, mustHex(t, "0000 0000 0d00")) {
		t.Fatalf("NetShareGetInfo DATA: params %x", params)
	}
}

func TestNetWkstaGetInfoLevel(t *testing.T) {
	if params, data := Serve(mustHex(t, "3f00 57724c6800 7a7a7a42427a7a00 0100 ffff"), &samba); !bytes.Equal(params, mustHex(t, "7c00 0000")) || data != nil {
		t.Fatalf("level 1: params %x data %x", params, data)
	}
}

func TestTimeOfDayZone(t *testing.T) {
	// 12:00 in UTC+2 is 10:00 UTC, zone -120 minutes (east is negative).
	now := time.Date(2024, 2, 29, 12, 0, 0, 250e6, time.FixedZone("", 2*3600))
	data := appendTimeOfDay(nil, now)
	want := mustHex(t, "a055e065 00000000 0a 00 00 19 88ff 1027 1d 02 e807 04")
	if !bytes.Equal(data, want) {
		t.Fatalf("got\n%s\nwant\n%s", hex.Dump(data), hex.Dump(want))
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, name := range []string{"share_enum_1", "server_enum2_1_all", "remote_tod", "wksta_getinfo_10", "share_getinfo_1"} {
		f.Add(readGolden(f, name).req)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := samba
		params, data := Serve(b, &s)
		if len(params) < 4 || len(params)%2 != 0 {
			t.Fatalf("reply parameters %x", params)
		}
		// A reply never overruns the client's buffer.
		if r, err := ParseRequest(b); err == nil && len(data) > int(r.BufLen) {
			t.Fatalf("%d bytes of data for a %d-byte buffer", len(data), r.BufLen)
		}
	})
}
