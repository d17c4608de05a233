package smb

import (
	"bytes"
	"testing"
)

func TestNotifySetup(t *testing.T) {
	s, err := ParseNotifySetup(trHex(`17000000 0740 01 00`))
	if err != nil {
		t.Fatal(err)
	}
	if s.CompletionFilter() != 0x17 || s.FID() != 0x4007 || !s.WatchTree() {
		t.Fatalf("filter %#x fid %#x tree %v", s.CompletionFilter(), s.FID(), s.WatchTree())
	}
	if _, err := ParseNotifySetup(trHex(`17000000 0740 01`)); err != StatusInvalidParameter {
		t.Fatalf("short setup: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseNotifySetup(s) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestSecurityDescParams(t *testing.T) {
	p, err := ParseSecurityDescParams(trHex(`0540 0000 07000000`))
	if err != nil {
		t.Fatal(err)
	}
	if p.FID() != 0x4005 || p.SecurityInformation() != 7 {
		t.Fatalf("fid %#x info %#x", p.FID(), p.SecurityInformation())
	}
	if _, err := ParseSecurityDescParams(trHex(`0540 0000 070000`)); err != StatusInvalidParameter {
		t.Fatalf("short params: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseSecurityDescParams(p) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func TestAppendSecurityDescriptor(t *testing.T) {
	for _, tc := range []struct {
		info uint32
		want string
	}{
		{OwnerSecurityInformation | GroupSecurityInformation | DACLSecurityInformation, `
			01 00 0480 14000000 24000000 00000000 34000000
			01 02 000000000005 20000000 20020000
			01 02 000000000005 20000000 21020000
			02 00 1c00 0100 0000
			00 00 1400 ff011f00 01 01 000000000001 00000000`},
		{OwnerSecurityInformation, `
			01 00 0080 14000000 00000000 00000000 00000000
			01 02 000000000005 20000000 20020000`},
		{SACLSecurityInformation, `01 00 0080 00000000 00000000 00000000 00000000`},
	} {
		got := AppendSecurityDescriptor([]byte{0xEE}, tc.info)
		if want := append([]byte{0xEE}, trHex(tc.want)...); !bytes.Equal(got, want) {
			t.Errorf("info %#x:\n got %x\nwant %x", tc.info, got, want)
		}
	}
}

func FuzzNotifyAndSecurityParams(f *testing.F) {
	f.Add(trHex(`17000000 0740 01 00`))
	f.Add(trHex(`0540 0000 07000000`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		if s, err := ParseNotifySetup(p); err == nil {
			_, _, _ = s.CompletionFilter(), s.FID(), s.WatchTree()
		}
		if q, err := ParseSecurityDescParams(p); err == nil {
			_, _ = q.FID(), q.SecurityInformation()
		}
	})
}

func BenchmarkAppendSecurityDescriptor(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendSecurityDescriptor(buf[:0], OwnerSecurityInformation|GroupSecurityInformation|DACLSecurityInformation)
	}
}
