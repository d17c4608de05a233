package smb

import "testing"

func TestIoctlSetup(t *testing.T) {
	// FSCTL_SET_SPARSE on FID 0x4001, IsFsctl 1, IsFlags 0.
	s, err := ParseIoctlSetup(trHex(`c4000900 0140 01 00`))
	if err != nil || s.FunctionCode() != FSCTLSetSparse || s.FID() != 0x4001 || !s.IsFsctl() || s.IsFlags() {
		t.Errorf("%v %x", err, s)
	}
	if _, err := ParseIoctlSetup(trHex(`c4000900 0140 01`)); err != StatusInvalidParameter {
		t.Errorf("short: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseIoctlSetup(s) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestCreateDirectoryParams(t *testing.T) {
	q, err := ParseCreateDirectoryParams(trHex(`00000000 5c0064000000`), true)
	if err != nil || q.Reserved() != 0 || string(DecodeString(nil, q.DirectoryName(), true)) != `\d` {
		t.Errorf("%v %+v", err, q)
	}
	q, err = ParseCreateDirectoryParams([]byte("\x00\x00\x00\x00\\d\x00"), false)
	if err != nil || string(q.DirectoryName()) != `\d` {
		t.Errorf("oem: %v %+v", err, q)
	}
	if _, err := ParseCreateDirectoryParams(trHex(`00000000`), true); err != StatusInvalidParameter {
		t.Errorf("short: %v", err)
	}
	p := trHex(`00000000 5c0064000000`)
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseCreateDirectoryParams(p, true) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
