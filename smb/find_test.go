package smb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// trFile has every field distinct, so a field at a wrong offset shows.
var trFile = FileInfo{
	Name:           "Report.txt",
	ShortName:      "REPORT~1.TXT",
	CreationTime:   0x01D0000000000001,
	LastAccessTime: 0x01D0000000000002,
	LastWriteTime:  0x01D0000000000003,
	ChangeTime:     0x01D0000000000004,
	EndOfFile:      0x0000000100000005,
	AllocationSize: 0x0000000100001000,
	Attributes:     0x20,
	FileIndex:      0x1122334455667788,
	NumberOfLinks:  1,
	EASize:         0x55,
}

// trPut writes v little-endian at off, growing b: the test builds expected
// entries from the spec's field offsets, independently of the encoder.
func trPut(b []byte, off int, v any) []byte {
	var n int
	switch v.(type) {
	case uint8:
		n = 1
	case uint16:
		n = 2
	case uint32:
		n = 4
	case uint64:
		n = 8
	case []byte:
		n = len(v.([]byte))
	}
	for len(b) < off+n {
		b = append(b, 0)
	}
	switch v := v.(type) {
	case uint8:
		b[off] = v
	case uint16:
		binary.LittleEndian.PutUint16(b[off:], v)
	case uint32:
		binary.LittleEndian.PutUint32(b[off:], v)
	case uint64:
		binary.LittleEndian.PutUint64(b[off:], v)
	case []byte:
		copy(b[off:], v)
	}
	return b
}

func trU16(s string) []byte { return AppendUTF16(nil, s) }

// trNTEntry builds the common head of the NT directory levels from MS-FSCC
// 2.4.10 offsets: FileIndex 4, times 8..39, EndOfFile 40, AllocationSize 48,
// FileAttributes 56, FileNameLength 60.
func trNTEntry(fi *FileInfo, nameLen int) []byte {
	var b []byte
	b = trPut(b, 0, uint32(0))
	b = trPut(b, 4, uint32(0))
	b = trPut(b, 8, fi.CreationTime)
	b = trPut(b, 16, fi.LastAccessTime)
	b = trPut(b, 24, fi.LastWriteTime)
	b = trPut(b, 32, fi.ChangeTime)
	b = trPut(b, 40, fi.EndOfFile)
	b = trPut(b, 48, fi.AllocationSize)
	b = trPut(b, 56, fi.Attributes)
	b = trPut(b, 60, uint32(nameLen))
	return b
}

func TestFindEntryLayouts(t *testing.T) {
	fi := &trFile
	name := trU16(fi.Name)
	short := trU16(fi.ShortName)

	// MS-FSCC 2.4.8 FileBothDirectoryInformation: EaSize 64,
	// ShortNameLength 68, Reserved 69, ShortName[24] 70, FileName 94.
	both := trNTEntry(fi, len(name))
	both = trPut(both, 64, fi.EASize)
	both = trPut(both, 68, uint8(len(short)))
	both = trPut(both, 70, short)
	both = trPut(both, 94, name)

	// MS-FSCC 2.4.17 FileIdBothDirectoryInformation: as BOTH, then
	// Reserved2 94, FileId 96, FileName 104.
	idBoth := trNTEntry(fi, len(name))
	idBoth = trPut(idBoth, 64, fi.EASize)
	idBoth = trPut(idBoth, 68, uint8(len(short)))
	idBoth = trPut(idBoth, 70, short)
	idBoth = trPut(idBoth, 96, fi.FileIndex)
	idBoth = trPut(idBoth, 104, name)

	// MS-FSCC 2.4.10 FileDirectoryInformation: FileName 64.
	dir := trPut(trNTEntry(fi, len(name)), 64, name)

	// MS-FSCC 2.4.14 FileFullDirectoryInformation: EaSize 64, FileName 68.
	full := trPut(trPut(trNTEntry(fi, len(name)), 64, fi.EASize), 68, name)

	// MS-FSCC 2.4.18 FileIdFullDirectoryInformation: EaSize 64,
	// Reserved 68, FileId 72, FileName 80.
	idFull := trPut(trPut(trPut(trNTEntry(fi, len(name)), 64, fi.EASize), 72, fi.FileIndex), 80, name)

	// MS-FSCC 2.4.28 FileNamesInformation: FileNameLength 8, FileName 12.
	names := trPut(trPut(nil, 8, uint32(len(name))), 12, name)

	// OEM strings carry their terminator, counted in FileNameLength.
	oemName := append([]byte(fi.Name), 0)
	bothOEM := trNTEntry(fi, len(oemName))
	bothOEM = trPut(bothOEM, 64, fi.EASize)
	bothOEM = trPut(bothOEM, 68, uint8(len(short)))
	bothOEM = trPut(bothOEM, 70, short)
	bothOEM = trPut(bothOEM, 94, oemName)

	// MS-CIFS 2.2.8.1.1 SMB_INFO_STANDARD with ResumeKey: dates 4..15,
	// FileDataSize 16, AllocationSize 20, Attributes 24, FileNameLength
	// 26, then (Unicode) one pad byte to align the name from the data
	// start, the name and a 2-byte terminator.
	cd, ct := FiletimeToDOS(fi.CreationTime)
	ad, at := FiletimeToDOS(fi.LastAccessTime)
	wd, wt := FiletimeToDOS(fi.LastWriteTime)
	std := trPut(nil, 0, uint32(0xCAFE))
	for i, v := range []uint16{cd, ct, ad, at, wd, wt} {
		std = trPut(std, 4+2*i, v)
	}
	std = trPut(std, 16, uint32(0xFFFFFFFF)) // 4 GiB+5 saturates
	std = trPut(std, 20, uint32(0xFFFFFFFF))
	std = trPut(std, 24, uint16(0x20))
	std = trPut(std, 26, uint8(len(name)))
	std = trPut(std, 28, append(bytes.Clone(name), 0, 0))

	// SMB_INFO_QUERY_EA_SIZE without ResumeKey: EaSize 22,
	// FileNameLength 26, name (OEM) at 27 with its terminator.
	eaSize := trPut(nil, 0, cd)
	for i, v := range []uint16{cd, ct, ad, at, wd, wt} {
		eaSize = trPut(eaSize, 2*i, v)
	}
	eaSize = trPut(eaSize, 12, uint32(0xFFFFFFFF))
	eaSize = trPut(eaSize, 16, uint32(0xFFFFFFFF))
	eaSize = trPut(eaSize, 20, uint16(0x20))
	eaSize = trPut(eaSize, 22, fi.EASize)
	eaSize = trPut(eaSize, 26, uint8(len(fi.Name)))
	eaSize = trPut(eaSize, 27, oemName)

	// The same entry Unicode, as Samba 4.17 sends it (captured): no pad
	// before the name, FileNameLength without a terminator, and a single
	// zero byte after the name.
	eaSizeU := bytes.Clone(eaSize[:26])
	eaSizeU = trPut(eaSizeU, 26, uint8(len(name)))
	eaSizeU = trPut(eaSizeU, 27, append(bytes.Clone(name), 0))

	tests := []struct {
		name string
		f    FindFormat
		want []byte
	}{
		{"BOTH", FindFormat{Level: LevelFindFileBothDirectoryInfo, Unicode: true}, both},
		{"ID_BOTH", FindFormat{Level: LevelFindFileIDBothDirectoryInfo, Unicode: true}, idBoth},
		{"DIRECTORY", FindFormat{Level: LevelFindFileDirectoryInfo, Unicode: true}, dir},
		{"FULL", FindFormat{Level: LevelFindFileFullDirectoryInfo, Unicode: true}, full},
		{"ID_FULL", FindFormat{Level: LevelFindFileIDFullDirectoryInfo, Unicode: true}, idFull},
		{"NAMES", FindFormat{Level: LevelFindFileNamesInfo, Unicode: true}, names},
		{"BOTH OEM", FindFormat{Level: LevelFindFileBothDirectoryInfo}, bothOEM},
		{"STANDARD resume", FindFormat{Level: LevelInfoStandard, Unicode: true, ResumeKeys: true}, std},
		{"EA_SIZE OEM", FindFormat{Level: LevelInfoQueryEASize}, eaSize},
		{"EA_SIZE Unicode", FindFormat{Level: LevelInfoQueryEASize, Unicode: true}, eaSizeU},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckFindLevel(tc.f.Level); err != nil {
				t.Fatal(err)
			}
			got, entry, err := AppendFindEntry(nil, tc.f, fi, 0xCAFE, -1)
			if err != nil || entry != 0 {
				t.Fatal(entry, err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got\n%x\nwant\n%x", got, tc.want)
			}
			if n := FindEntryLen(tc.f, 0, fi); n != len(got) {
				t.Errorf("FindEntryLen %d, appended %d", n, len(got))
			}
		})
	}
}

// The BOTH level as smbclient and impacket list directories with it, bytes
// written out from MS-CIFS 2.2.8.1.7 by hand.
func TestFindBothDirectoryInfoGolden(t *testing.T) {
	fi := &FileInfo{
		Name:           "a.txt",
		CreationTime:   0x01D9000000000000,
		LastAccessTime: 0x01D9000000000001,
		LastWriteTime:  0x01D9000000000002,
		ChangeTime:     0x01D9000000000003,
		EndOfFile:      3,
		AllocationSize: 4096,
		Attributes:     0x20,
	}
	got, _, err := AppendFindEntry(nil, FindFormat{Level: LevelFindFileBothDirectoryInfo, Unicode: true}, fi, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	want := trHex(`
00000000 00000000
00000000 0000d901 01000000 0000d901 02000000 0000d901 03000000 0000d901
03000000 00000000 00100000 00000000
20000000 0a000000 00000000
00 00 000000000000000000000000000000000000000000000000
61002e00740078007400`)
	if !bytes.Equal(got, want) {
		t.Errorf("got\n%x\nwant\n%x", got, want)
	}
}

// Entries of the NT levels start 8-aligned; each NextEntryOffset points at
// the next entry, the last one's is 0, and no pad follows the last.
func TestFindEntryChain(t *testing.T) {
	for _, level := range []uint16{LevelFindFileDirectoryInfo, LevelFindFileFullDirectoryInfo,
		LevelFindFileNamesInfo, LevelFindFileBothDirectoryInfo,
		LevelFindFileIDFullDirectoryInfo, LevelFindFileIDBothDirectoryInfo} {
		for _, unicode := range []bool{true, false} {
			f := FindFormat{Level: level, Unicode: unicode}
			var data []byte
			prev := -1
			var entries []int
			names := []string{"a", "bb", "ccc", "dddd.txt", "éè", "x"}
			for _, n := range names {
				fi := trFile
				fi.Name = n
				want := len(data) + FindEntryLen(f, len(data), &fi)
				var err error
				data, prev, err = AppendFindEntry(data, f, &fi, 0, prev)
				if err != nil {
					t.Fatal(err)
				}
				if len(data) != want {
					t.Errorf("level %#x: FindEntryLen says %d, got %d", level, want, len(data))
				}
				if prev%8 != 0 {
					t.Errorf("level %#x: entry at %d", level, prev)
				}
				entries = append(entries, prev)
			}
			for i, e := range entries {
				next := binary.LittleEndian.Uint32(data[e:])
				if i == len(entries)-1 {
					if next != 0 {
						t.Errorf("level %#x: last NextEntryOffset %d", level, next)
					}
					continue
				}
				if int(next) != entries[i+1]-e {
					t.Errorf("level %#x: NextEntryOffset %d, want %d", level, next, entries[i+1]-e)
				}
				// The name is where FindEntryNameOffset says, with
				// the length FileNameLength says.
				off := FindEntryNameOffset(f, e)
				nlOff := 60
				if level == LevelFindFileNamesInfo {
					nlOff = 8
				}
				nl := int(binary.LittleEndian.Uint32(data[e+nlOff:]))
				got := string(DecodeString(nil, data[off:off+nl], unicode))
				if strings.TrimRight(got, "\x00") != names[i] {
					t.Errorf("level %#x unicode %v: name %q", level, unicode, got)
				}
			}
		}
	}
}

// LANMAN entries are packed without alignment, and the Unicode name is
// aligned from the data start with one pad byte when needed.
func TestFindLanmanPacking(t *testing.T) {
	f := FindFormat{Level: LevelInfoStandard, Unicode: true}
	var data []byte
	prev := -1
	var err error
	for _, n := range []string{"ab", "c", "def"} {
		fi := trFile
		fi.Name = n
		start := len(data)
		data, prev, err = AppendFindEntry(data, f, &fi, 0, prev)
		if err != nil {
			t.Fatal(err)
		}
		if prev != start {
			t.Errorf("entry at %d, want %d", prev, start)
		}
		nameOff := FindEntryNameOffset(f, prev)
		if nameOff%2 != 0 {
			t.Errorf("name at odd offset %d", nameOff)
		}
		if int(data[prev+22]) != 2*len(n) {
			t.Errorf("FileNameLength %d", data[prev+22])
		}
		if got := string(DecodeString(nil, data[nameOff:nameOff+2*len(n)], true)); got != n {
			t.Errorf("name %q", got)
		}
		if !bytes.Equal(data[len(data)-2:], []byte{0, 0}) {
			t.Error("no terminator")
		}
	}
}

func TestFindEntryErrors(t *testing.T) {
	fi := trFile
	if CheckFindLevel(0x202) != StatusInvalidLevel || FindEntryLen(FindFormat{Level: 0x202}, 0, &fi) != 0 {
		t.Error("UNIX level accepted")
	}
	fi.Name = strings.Repeat("x", 128)
	dst := []byte{1, 2, 3}
	out, _, err := AppendFindEntry(dst, FindFormat{Level: LevelInfoStandard, Unicode: true}, &fi, 0, -1)
	if err != StatusNameTooLong || !bytes.Equal(out, dst) {
		t.Errorf("long LANMAN name: %v %x", err, out)
	}
	if _, _, err := AppendFindEntry(nil, FindFormat{Level: LevelFindFileBothDirectoryInfo, Unicode: true}, &fi, 0, -1); err != nil {
		t.Errorf("long NT name: %v", err)
	}
}

func TestShortNameTruncated(t *testing.T) {
	fi := trFile
	fi.ShortName = "ABCDEFGHIJKLMNOP"
	got, _, _ := AppendFindEntry(nil, FindFormat{Level: LevelFindFileBothDirectoryInfo, Unicode: true}, &fi, 0, -1)
	if got[68] != 24 || string(DecodeString(nil, got[70:94], true)) != "ABCDEFGHIJKL" {
		t.Errorf("short name %d %x", got[68], got[70:94])
	}
}

func TestAppendFindEntryNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	fi := trFile
	for _, f := range []FindFormat{
		{Level: LevelFindFileBothDirectoryInfo, Unicode: true},
		{Level: LevelFindFileIDBothDirectoryInfo, Unicode: true},
		{Level: LevelInfoStandard, Unicode: false, ResumeKeys: true},
	} {
		n := testing.AllocsPerRun(100, func() {
			data, prev := buf[:0], -1
			for range 10 {
				if FindEntryLen(f, len(data), &fi) == 0 {
					t.Fatal("no length")
				}
				data, prev, _ = AppendFindEntry(data, f, &fi, 7, prev)
			}
		})
		if n != 0 {
			t.Errorf("level %#x: %v allocations", f.Level, n)
		}
	}
}

func TestParseFindParams(t *testing.T) {
	p := trHex(`1600 5605 0600 0401 00000000 5c002a00 0000`)
	if _, err := ParseFindFirst2Params(p[:12], true); err != StatusInvalidParameter {
		t.Errorf("12 bytes: %v", err)
	}
	// Without a terminator the name runs to the end.
	f, err := ParseFindFirst2Params(p[:16], true)
	if err != nil || string(DecodeString(nil, f.FileName(), true)) != `\*` {
		t.Errorf("unterminated: %v %x", err, f.FileName())
	}
	oem, err := ParseFindFirst2Params(append(bytes.Clone(p[:12]), `\dir\*`+"\x00"...), false)
	if err != nil || string(oem.FileName()) != `\dir\*` {
		t.Errorf("OEM: %v %q", err, oem.FileName())
	}

	next := trHex(`0300 6400 0401 efbeadde 0e00 61002e00740078007400 0000`)
	n, err := ParseFindNext2Params(next, true)
	if err != nil {
		t.Fatal(err)
	}
	if n.SID() != 3 || n.SearchCount() != 100 || n.InformationLevel() != LevelFindFileBothDirectoryInfo ||
		n.ResumeKey() != 0xDEADBEEF || n.Flags() != FindCloseAtEOS|FindReturnResumeKeys|FindContinueFromLast ||
		string(DecodeString(nil, n.FileName(), true)) != "a.txt" {
		t.Errorf("FIND_NEXT2 %x", next)
	}
	if _, err := ParseFindNext2Params(next[:12], true); err != StatusInvalidParameter {
		t.Errorf("short FIND_NEXT2: %v", err)
	}
}

func TestFindResponseParams(t *testing.T) {
	got := AppendFindFirst2ResponseParams(nil, 0x10, 3, true, 0x90)
	if !bytes.Equal(got, trHex(`1000 0300 0100 0000 9000`)) {
		t.Errorf("FIND_FIRST2 %x", got)
	}
	got = AppendFindNext2ResponseParams(nil, 0, false, 0)
	if !bytes.Equal(got, trHex(`0000 0000 0000 0000`)) {
		t.Errorf("FIND_NEXT2 %x", got)
	}
}

func TestParseFindClose2(t *testing.T) {
	msg := append(trHeader(ComFindClose2, true), 1, 0x34, 0x12, 0, 0)
	r, err := ParseFindClose2(trBlock(msg))
	if err != nil || r.SearchHandle() != 0x1234 {
		t.Errorf("%v %#x", err, r.SearchHandle())
	}
	bad := append(trHeader(ComFindClose2, true), 0, 0, 0)
	if _, err := ParseFindClose2(trBlock(bad)); !errors.Is(err, ErrMalformed) {
		t.Errorf("WordCount 0: %v", err)
	}
}

func BenchmarkAppendFindEntry(b *testing.B) {
	buf := make([]byte, 0, 65536)
	fi := trFile
	f := FindFormat{Level: LevelFindFileBothDirectoryInfo, Unicode: true}
	b.ReportAllocs()
	for b.Loop() {
		data, prev := buf[:0], -1
		for range 100 {
			data, prev, _ = AppendFindEntry(data, f, &fi, 0, prev)
		}
	}
}

// TestFindEntryEAsFromList checks an SMB_INFO_QUERY_EAS_FROM_LIST entry
// byte for byte: the 22-byte LANMAN part, the SMB_FEA_LIST, FileNameLength
// and the OEM name with one terminator, as Samba's client parses it.
func TestFindEntryEAsFromList(t *testing.T) {
	fi := FileInfo{Name: "a.txt", EndOfFile: 3, AllocationSize: 4096, Attributes: 0x20}
	fi.EAList = AppendFEA(nil, 0, "EA ONE", []byte("v"))
	f := FindFormat{Level: LevelInfoQueryEAsFromList, ResumeKeys: true}
	data, entry, err := AppendFindEntry(nil, f, &fi, 7, -1)
	if err != nil || entry != 0 {
		t.Fatal(entry, err)
	}
	want := []byte{
		7, 0, 0, 0, // ResumeKey
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // no times
		3, 0, 0, 0, 0, 0x10, 0, 0, 0x20, 0, // size, allocation, attributes
		16, 0, 0, 0, // SizeOfListInBytes
		0, 6, 1, 0, 'E', 'A', ' ', 'O', 'N', 'E', 0, 'v',
		5, 'a', '.', 't', 'x', 't', 0,
	}
	if !bytes.Equal(data, want) {
		t.Fatalf("entry\n% x\nwant\n% x", data, want)
	}
	if n := FindEntryLen(f, 0, &fi); n != len(want) {
		t.Errorf("FindEntryLen %d, want %d", n, len(want))
	}
	if off := FindEntryNameOffset(f, 0) + len(fi.EAList); off != len(want)-6 {
		t.Errorf("name offset %d", off)
	}
}
