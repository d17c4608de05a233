package smb

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// notifyEntry is one FILE_NOTIFY_INFORMATION entry as the tests read it.
type notifyEntry struct {
	action uint32
	name   string
}

// readNotifyList decodes a FILE_NOTIFY_INFORMATION list the way a client
// walks it (MS-FSCC 2.7.1), failing on an offset that is unaligned, does
// not move forward or leaves the list.
func readNotifyList(t *testing.T, b []byte) []notifyEntry {
	t.Helper()
	var out []notifyEntry
	for at := 0; ; {
		if at%4 != 0 || len(b)-at < 12 {
			t.Fatalf("entry at %d of a %d-byte list", at, len(b))
		}
		next := int(binary.LittleEndian.Uint32(b[at:]))
		n := int(binary.LittleEndian.Uint32(b[at+8:]))
		if n%2 != 0 || len(b)-at-12 < n || next != 0 && next < 12+n {
			t.Fatalf("entry at %d: NextEntryOffset %d FileNameLength %d", at, next, n)
		}
		u := make([]uint16, n/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[at+12+2*i:])
		}
		out = append(out, notifyEntry{binary.LittleEndian.Uint32(b[at+4:]), string(utf16.Decode(u))})
		if next == 0 {
			if at+12+n != len(b) {
				t.Fatalf("last entry ends at %d of %d bytes", at+12+n, len(b))
			}
			return out
		}
		at += next
	}
}

func TestAppendFileNotifyInformationBytes(t *testing.T) {
	list, last := AppendFileNotifyInformation(nil, -1, FileActionRenamedOldName, "ab")
	list, last = AppendFileNotifyInformation(list, last, FileActionRenamedNewName, "abc")
	want := []byte{
		16, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 'a', 0, 'b', 0, // 16 bytes: no pad
		0, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 'a', 0, 'b', 0, 'c', 0, // last: unpadded
	}
	if !bytes.Equal(list, want) || last != 16 {
		t.Fatalf("list % x last %d, want % x last 16", list, last, want)
	}
	list, last = AppendFileNotifyInformation(list, last, FileActionAdded, "d")
	// The 18-byte entry at 16 is padded to 20 and points at 36.
	if binary.LittleEndian.Uint32(list[16:]) != 20 || last != 36 || !bytes.Equal(list[34:36], []byte{0, 0}) {
		t.Fatalf("after a third entry: % x, last %d", list, last)
	}
}

func TestAppendFileNotifyInformationRoundTrip(t *testing.T) {
	// Names of every length modulo 4 in UTF-16 bytes, a subdirectory path
	// and a character outside the BMP (a surrogate pair).
	in := []notifyEntry{
		{FileActionAdded, "a"}, {FileActionRemoved, "ab"}, {FileActionModified, "abc"},
		{FileActionRenamedOldName, "abcd"}, {FileActionRenamedNewName, `sub\dir\é.txt`},
		{FileActionAdded, "\U0001F600"},
	}
	var list []byte
	last := -1
	for _, e := range in {
		want := FileNotifyInformationLen(len(list), e.name)
		list, last = AppendFileNotifyInformation(list, last, e.action, e.name)
		if len(list) != want {
			t.Fatalf("after %+v: %d bytes, FileNotifyInformationLen said %d", e, len(list), want)
		}
	}
	got := readNotifyList(t, list)
	if len(got) != len(in) {
		t.Fatalf("read %d entries, want %d", len(got), len(in))
	}
	for i := range in {
		if got[i] != in[i] {
			t.Fatalf("entry %d: %+v, want %+v", i, got[i], in[i])
		}
	}
}

func TestAppendFileNotifyInformationAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	n := testing.AllocsPerRun(100, func() {
		list, last := AppendFileNotifyInformation(buf, -1, FileActionAdded, "new.txt")
		AppendFileNotifyInformation(list, last, FileActionRemoved, `sub\old.txt`)
	})
	if n != 0 {
		t.Fatalf("AppendFileNotifyInformation allocates %v times", n)
	}
}

func BenchmarkAppendFileNotifyInformation(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	for b.Loop() {
		list, last := AppendFileNotifyInformation(buf, -1, FileActionRenamedOldName, "report.docx")
		AppendFileNotifyInformation(list, last, FileActionRenamedNewName, "report-final.docx")
	}
}
