package netbt

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// readCapture returns testdata/name.bin after checking that
// testdata/name.hexdump, the human-readable copy beside it, still matches.
func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".bin"))
	if err != nil {
		t.Fatal(err)
	}
	dump, err := os.ReadFile(filepath.Join("testdata", name+".hexdump"))
	if err != nil {
		t.Fatal(err)
	}
	if hex.Dump(b) != string(dump) {
		t.Fatalf("testdata/%s.hexdump does not match %[1]s.bin", name)
	}
	return b
}

// TestSessionRequestCapture parses the session requests smbclient 4.17
// (Debian) sent to port 139 with -n CLIENT: first calling the address text,
// then, after a negative response CodeCalledNameNotPresent, *SMBSERVER.
func TestSessionRequestCapture(t *testing.T) {
	tests := []struct {
		file   string
		called string
	}{
		{"smbclient-request-ip", "127.0.0.1"},
		{"smbclient-request-smbserver", "*SMBSERVER"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pkt := readCapture(t, tt.file)
			h, err := ParseHeader(pkt, SessionService)
			if err != nil || h.Type != TypeSessionRequest || h.Length != len(pkt)-HeaderLen {
				t.Fatalf("ParseHeader = %+v, %v", h, err)
			}
			req, err := ParseSessionRequest(pkt[HeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			var buf [MaxDecodedNameLen]byte
			name, suffix, scope, _, err := DecodeName(buf[:0], req.CalledName())
			if err != nil || string(name) != tt.called || suffix != 0x20 || len(scope) != 0 {
				t.Errorf("called = %q, %#x, %q, %v", name, suffix, scope, err)
			}
			name, suffix, scope, _, err = DecodeName(buf[:0], req.CallingName())
			if err != nil || string(name) != "CLIENT" || suffix != 0x00 || len(scope) != 0 {
				t.Errorf("calling = %q, %#x, %q, %v", name, suffix, scope, err)
			}

			built := AppendSessionRequest(nil,
				EncodeName(nil, tt.called, 0x20, ""),
				EncodeName(nil, "CLIENT", 0x00, ""))
			if !bytes.Equal(built, pkt) {
				t.Errorf("AppendSessionRequest =\n%s\nwant\n%s", hex.Dump(built), hex.Dump(pkt))
			}
			if again := AppendSessionRequest(nil, req.CalledName(), req.CallingName()); !bytes.Equal(again, pkt) {
				t.Errorf("AppendSessionRequest(parsed names) =\n%s", hex.Dump(again))
			}
		})
	}
}

func TestParseSessionRequestErrors(t *testing.T) {
	called := EncodeName(nil, "SERVER", 0x20, "")
	calling := EncodeName(nil, "CLIENT", 0x00, "")
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	tests := []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, errNameTruncated},
		{"called only", called, errNameTruncated},
		{"calling truncated", cat(called, calling[:10]), errNameTruncated},
		{"trailing byte", cat(called, calling, []byte{0}), errRequestTrailing},
		{"calling pointer", cat(called, []byte{0xC0, 0x04}), errNamePointer},
		{"called bad char", cat([]byte{0x20}, bytes.Repeat([]byte{'Z'}, 32), []byte{0}, calling), errNameChar},
	}
	for _, tt := range tests {
		if _, err := ParseSessionRequest(tt.in); err != tt.err {
			t.Errorf("%s: ParseSessionRequest error = %v; want %v", tt.name, err, tt.err)
		}
	}

	scoped := cat(EncodeName(nil, "SERVER", 0x20, "corp.example"), EncodeName(nil, "CLIENT", 0, "corp.example"))
	req, err := ParseSessionRequest(scoped)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.CalledName())+len(req.CallingName()) != len(scoped) || cap(req.CalledName()) != len(req.CalledName()) {
		t.Errorf("views %q %q do not split the payload", req.CalledName(), req.CallingName())
	}
}

func TestParseSessionRequestNoAlloc(t *testing.T) {
	payload := readCapture(t, "smbclient-request-smbserver")[HeaderLen:]
	var buf [MaxDecodedNameLen]byte
	allocs := testing.AllocsPerRun(100, func() {
		req, err := ParseSessionRequest(payload)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, _, err := DecodeName(buf[:0], req.CalledName()); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ParseSessionRequest allocates %v times; want 0", allocs)
	}
}

func BenchmarkParseSessionRequest(b *testing.B) {
	payload := readCapture(b, "smbclient-request-smbserver")[HeaderLen:]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSessionRequest(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseSessionRequest(f *testing.F) {
	f.Add(readCapture(f, "smbclient-request-ip")[HeaderLen:])
	f.Add(readCapture(f, "smbclient-request-smbserver")[HeaderLen:])
	f.Add(append(EncodeName(nil, "A", 0, "x.y"), EncodeName(nil, "B", 1, "")...))
	f.Fuzz(func(t *testing.T, payload []byte) {
		req, err := ParseSessionRequest(payload)
		if err != nil {
			return
		}
		for _, enc := range [][]byte{req.CalledName(), req.CallingName()} {
			if _, _, _, n, err := DecodeName(nil, enc); err != nil || n != len(enc) {
				t.Fatalf("DecodeName(%q) = n %d, %v after ParseSessionRequest accepted it", enc, n, err)
			}
		}
		pkt := AppendSessionRequest(nil, req.CalledName(), req.CallingName())
		if !bytes.Equal(pkt[HeaderLen:], payload) {
			t.Fatalf("AppendSessionRequest(ParseSessionRequest(%q)) = %q", payload, pkt)
		}
	})
}
