package netbt

import (
	"bytes"
	"strings"
	"testing"
)

// label builds an encoded label from its text.
func label(s string) string { return string(rune(len(s))) + s }

func TestEncodeName(t *testing.T) {
	tests := []struct {
		name   string
		suffix byte
		scope  string
		want   string
	}{
		// RFC 1001 14.1's example, the name "FRED" and scope NETBIOS.COM.
		{"FRED", ' ', "", label("EGFCEFEECACACACACACACACACACACACA") + "\x00"},
		{"FRED", ' ', "NETBIOS.COM", label("EGFCEFEECACACACACACACACACACACACA") + label("NETBIOS") + label("COM") + "\x00"},
		// The names in testdata/smbclient-request-smbserver.bin.
		{"*SMBSERVER", 0x20, "", label("CKFDENECFDEFFCFGEFFCCACACACACACA") + "\x00"},
		{"CLIENT", 0x00, "", label("EDEMEJEFEOFECACACACACACACACACAAA") + "\x00"},
		{"", 0xFF, "", label("CACACACACACACACACACACACACACACAPP") + "\x00"},
		{"\x00\xff", 0x1B, "a", label("AAPPCACACACACACACACACACACACACABL") + label("a") + "\x00"},
		{"ABCDEFGHIJKLMNO", 0x1C, "", label("EBECEDEEEFEGEHEIEJEKELEMENEOEPBM") + "\x00"},
	}
	for _, tt := range tests {
		got := EncodeName([]byte("x"), tt.name, tt.suffix, tt.scope)
		if string(got) != "x"+tt.want {
			t.Errorf("EncodeName(%q, %#x, %q) = %q; want %q", tt.name, tt.suffix, tt.scope, got, "x"+tt.want)
			continue
		}
		var buf [MaxDecodedNameLen]byte
		name, suffix, scope, n, err := DecodeName(buf[:0], append(got[1:], "trailing"...))
		if err != nil || string(name) != strings.TrimRight(tt.name, " ") || suffix != tt.suffix || string(scope) != tt.scope || n != len(tt.want) {
			t.Errorf("DecodeName(EncodeName(%q, %#x, %q)) = %q, %#x, %q, %d, %v", tt.name, tt.suffix, tt.scope, name, suffix, scope, n, err)
		}
	}
}

func TestEncodeNameLongest(t *testing.T) {
	// 33 bytes of name, 3 labels of 1+63 and one of 1+28, the terminator: 255.
	scope := strings.Repeat("s", 63) + "." + strings.Repeat("t", 63) + "." + strings.Repeat("u", 63) + "." + strings.Repeat("v", 28)
	if len(scope) != maxScopeLen {
		t.Fatalf("test scope is %d bytes; want %d", len(scope), maxScopeLen)
	}
	enc := EncodeName(nil, "ABCDEFGHIJKLMNO", 0, scope)
	if len(enc) != MaxEncodedNameLen {
		t.Fatalf("encoded length %d; want %d", len(enc), MaxEncodedNameLen)
	}
	buf := make([]byte, 0, MaxDecodedNameLen)
	name, _, gotScope, n, err := DecodeName(buf, enc)
	if err != nil || string(name) != "ABCDEFGHIJKLMNO" || string(gotScope) != scope || n != len(enc) {
		t.Fatalf("DecodeName = %q, %q, %d, %v", name, gotScope, n, err)
	}
	if &name[0] != &buf[:1][0] {
		t.Error("DecodeName did not decode into dst")
	}
}

func TestEncodeNamePanics(t *testing.T) {
	for _, tt := range []struct{ name, scope string }{
		{"ABCDEFGHIJKLMNOP", ""},
		{"A", "."},
		{"A", "a..b"},
		{"A", ".a"},
		{"A", "a."},
		{"A", strings.Repeat("x", 64)},
		{"A", strings.Repeat("x", 63) + "." + strings.Repeat("y", 63) + "." + strings.Repeat("z", 63) + "." + strings.Repeat("w", 29)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("EncodeName(%q, %q) did not panic", tt.name, tt.scope)
				}
			}()
			EncodeName(nil, tt.name, 0, tt.scope)
		}()
	}
}

func TestDecodeNameErrors(t *testing.T) {
	good := label("CKFDENECFDEFFCFGEFFCCACACACACACA")
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{"empty", "", errNameTruncated},
		{"pointer", "\xc0\x0c", errNamePointer},
		{"short label", label("CKFD") + "\x00", errNameLength},
		{"long label", "\x21" + strings.Repeat("A", 33) + "\x00", errNameLength},
		{"zero label", "\x00", errNameLength},
		{"truncated name", good[:20], errNameTruncated},
		{"no terminator", good, errNameTruncated},
		{"char below A", label("@KFDENECFDEFFCFGEFFCCACACACACACA") + "\x00", errNameChar},
		{"char above P", label("CKFDENECFDEFFCFGEFFCCACACACACACQ") + "\x00", errNameChar},
		{"lowercase", label("cKFDENECFDEFFCFGEFFCCACACACACACA") + "\x00", errNameChar},
		{"scope pointer", good + "\xc0\x0c", errNamePointer},
		{"scope reserved 01", good + "\x40", errNameLabel},
		{"scope reserved 10", good + "\x80", errNameLabel},
		{"scope truncated", good + "\x05abc", errNameTruncated},
		{"scope unterminated", good + label("abc"), errNameTruncated},
		{"scope dot", good + label("a.b") + "\x00", errNameDot},
		{"too long", good + strings.Repeat(label(strings.Repeat("x", 63)), 3) + label(strings.Repeat("y", 29)) + "\x00", errNameTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, n, err := DecodeName(nil, []byte(tt.in))
			if err != tt.err || n != 0 {
				t.Fatalf("DecodeName(%q) = n %d, %v; want %v", tt.in, n, err, tt.err)
			}
		})
	}
}

func TestDecodeNameNoAlloc(t *testing.T) {
	enc := EncodeName(nil, "*SMBSERVER", 0x20, "WORK.EXAMPLE")
	var buf [MaxDecodedNameLen]byte
	allocs := testing.AllocsPerRun(100, func() {
		name, _, scope, _, err := DecodeName(buf[:0], enc)
		if err != nil || len(name) != 10 || len(scope) != 12 {
			t.Fatal(name, scope, err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeName allocates %v times; want 0", allocs)
	}
}

func BenchmarkDecodeName(b *testing.B) {
	enc := EncodeName(nil, "*SMBSERVER", 0x20, "")
	var buf [MaxDecodedNameLen]byte
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, _, err := DecodeName(buf[:0], enc); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecodeName(f *testing.F) {
	f.Add(EncodeName(nil, "*SMBSERVER", 0x20, ""))
	f.Add(EncodeName(nil, "FRED", ' ', "NETBIOS.COM"))
	f.Add(EncodeName(nil, "", 0, ""))
	f.Add([]byte("\xc0\x0c"))
	f.Add([]byte(label("CKFDENECFDEFFCFGEFFCCACACACACACA") + label("a.b") + "\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		name, suffix, scope, n, err := DecodeName(nil, in)
		if err != nil {
			return
		}
		if n > len(in) || n > MaxEncodedNameLen || len(name)+len(scope) > MaxDecodedNameLen {
			t.Fatalf("n %d, name %q, scope %q out of bounds", n, name, scope)
		}
		// Padding is spaces and the scope has neither empty labels nor dots
		// inside labels, so the encoding is reproduced exactly.
		if again := EncodeName(nil, string(name), suffix, string(scope)); !bytes.Equal(again, in[:n]) {
			t.Fatalf("EncodeName(DecodeName(%q)) = %q", in[:n], again)
		}
	})
}
