package smb

import (
	"bytes"
	"testing"
	"time"
)

// MS-CIFS 2.2.8.3.10 SMB_QUERY_FILE_ALL_INFO, built from its field offsets:
// times 0..31, ExtFileAttributes 32, Reserved1 36, AllocationSize 40,
// EndOfFile 48, NumberOfLinks 56, DeletePending 60, Directory 61, Reserved2
// 62, EaSize 64, FileNameLength 68, FileName 72.
func TestFileAllInfoLayout(t *testing.T) {
	fi := trFile
	fi.Name = `\dir\Report.txt`
	fi.DeletePending = true
	fi.NumberOfLinks = 3
	name := trU16(fi.Name)
	var want []byte
	want = trPut(want, 0, fi.CreationTime)
	want = trPut(want, 8, fi.LastAccessTime)
	want = trPut(want, 16, fi.LastWriteTime)
	want = trPut(want, 24, fi.ChangeTime)
	want = trPut(want, 32, fi.Attributes)
	want = trPut(want, 40, fi.AllocationSize)
	want = trPut(want, 48, fi.EndOfFile)
	want = trPut(want, 56, uint32(3))
	want = trPut(want, 60, uint8(1))
	want = trPut(want, 61, uint8(0))
	want = trPut(want, 64, fi.EASize)
	want = trPut(want, 68, uint32(len(name)))
	want = trPut(want, 72, name)
	for _, level := range []uint16{LevelQueryFileAllInfo, LevelPassthrough + FileAllInformation} {
		got, err := AppendFileInfo(nil, level, &fi)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("level %d:\ngot  %x\nwant %x", level, got, want)
		}
	}
}

// MS-CIFS 2.2.8.2.6 SMB_QUERY_FS_SIZE_INFO / MS-FSCC 2.5.8: TotalAllocationUnits
// 0, TotalFreeAllocationUnits 8, SectorsPerAllocationUnit 16, BytesPerSector
// 20; 24 bytes.
func TestFSSizeInfoLayout(t *testing.T) {
	fs := trFS
	want := trHex(`0000000002000000 4000000001000000 08000000 00020000`)
	for _, level := range []uint16{LevelQueryFSSizeInfo, LevelPassthrough + FileFsSizeInformation} {
		got, err := AppendFSInfo(nil, level, &fs, true)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("level %d: %v\ngot  %x\nwant %x", level, err, got, want)
		}
	}
}

var trFS = FSInfo{
	TotalUnits:            0x200000000,
	FreeUnits:             0x100000040,
	SectorsPerUnit:        8,
	BytesPerSector:        512,
	SerialNumber:          0xA1B2C3D4,
	CreationTime:          0x01D0000000000009,
	VolumeLabel:           "share",
	FSName:                "NTFS",
	Attributes:            FSCasePreservedNames | FSUnicodeOnDisk,
	MaxNameLen:            255,
	DeviceType:            DeviceTypeDisk,
	DeviceCharacteristics: DeviceIsMounted,
}

func TestAppendFSInfo(t *testing.T) {
	fs := trFS
	tests := []struct {
		name    string
		level   uint16
		unicode bool
		want    string
	}{
		// idFileSystem, cSectorUnit, cUnit, cUnitAvailable, cbSector:
		// 2^33 units do not fit 32 bits; units double until they do.
		{"ALLOCATION", LevelInfoAllocation, true, `00000000 20000000 00000080 10000040 0002`},
		{"VOLUME unicode", LevelInfoVolume, true, `d4c3b2a1 0c 73006800610072006500 0000`},
		{"VOLUME oem", LevelInfoVolume, false, `d4c3b2a1 06 7368617265 00`},
		// VolumeCreationTime, SerialNumber, VolumeLabelLength,
		// Reserved(2), label.
		{"FS_VOLUME", LevelQueryFSVolumeInfo, false, `0900000000 00d001 d4c3b2a1 0a000000 0000 73006800610072006500`},
		{"FileFsVolume", LevelPassthrough + FileFsVolumeInformation, true, `0900000000 00d001 d4c3b2a1 0a000000 0000 73006800610072006500`},
		{"FS_DEVICE", LevelQueryFSDeviceInfo, true, `07000000 20000000`},
		{"FileFsDevice", LevelPassthrough + FileFsDeviceInformation, true, `07000000 20000000`},
		// FileSystemAttributes, MaximumComponentNameLength,
		// FileSystemNameLength, name not terminated.
		{"FS_ATTRIBUTE", LevelQueryFSAttributeInfo, false, `06000000 ff000000 08000000 4e00540046005300`},
		{"FileFsAttribute", LevelPassthrough + FileFsAttributeInformation, true, `06000000 ff000000 08000000 4e00540046005300`},
		{"FileFsFullSize", LevelPassthrough + FileFsFullSizeInformation, true,
			`0000000002000000 4000000001000000 4000000001000000 08000000 00020000`},
		{"FileFsObjectId", LevelPassthrough + FileFsObjectIDInformation, true,
			`00000000000000000000000000000000` + `000000000000000000000000000000000000000000000000` + `000000000000000000000000000000000000000000000000`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendFSInfo([]byte{0xEE}, tc.level, &fs, tc.unicode)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte{0xEE}, trHex(tc.want)...); !bytes.Equal(got, want) {
				t.Errorf("got\n%x\nwant\n%x", got, want)
			}
		})
	}
	for _, level := range []uint16{0, 0x101, 0x106, LevelPassthrough + 2, LevelPassthrough + 6, 0x200} {
		if _, err := AppendFSInfo(nil, level, &fs, true); err != StatusInvalidLevel {
			t.Errorf("level %#x: %v", level, err)
		}
	}
}

func TestInfoAllocationSmallVolume(t *testing.T) {
	fs := FSInfo{TotalUnits: 1000, FreeUnits: 10, SectorsPerUnit: 2, BytesPerSector: 4096}
	got, _ := AppendFSInfo(nil, LevelInfoAllocation, &fs, false)
	if want := trHex(`00000000 02000000 e8030000 0a000000 0010`); !bytes.Equal(got, want) {
		t.Errorf("got %x", got)
	}
}

func TestInfoVolumeLongLabel(t *testing.T) {
	fs := FSInfo{VolumeLabel: string(bytes.Repeat([]byte("L"), 300))}
	for _, unicode := range []bool{true, false} {
		got, _ := AppendFSInfo(nil, LevelInfoVolume, &fs, unicode)
		if int(got[4]) != len(got)-5 || len(got)-5 > 255 {
			t.Errorf("unicode %v: count %d, label %d bytes", unicode, got[4], len(got)-5)
		}
	}
}

func TestAppendFileInfo(t *testing.T) {
	fi := trFile
	fi.Directory = false
	fi.AccessFlags = 0x001F01FF
	fi.Position = 0x1234
	fi.Mode = 0x20
	cd, ct := FiletimeToDOS(fi.CreationTime)
	std := trPut(nil, 0, cd)
	for i, v := range []uint16{cd, ct} {
		std = trPut(std, 2*i, v)
	}
	ad, at := FiletimeToDOS(fi.LastAccessTime)
	wd, wt := FiletimeToDOS(fi.LastWriteTime)
	std = trPut(std, 4, ad)
	std = trPut(std, 6, at)
	std = trPut(std, 8, wd)
	std = trPut(std, 10, wt)
	std = trPut(std, 12, uint32(0xFFFFFFFF))
	std = trPut(std, 16, uint32(0xFFFFFFFF))
	std = trPut(std, 20, uint16(0x20))
	eaSize := trPut(bytes.Clone(std), 22, fi.EASize)

	basic := trPut(nil, 0, fi.CreationTime)
	basic = trPut(basic, 8, fi.LastAccessTime)
	basic = trPut(basic, 16, fi.LastWriteTime)
	basic = trPut(basic, 24, fi.ChangeTime)
	basic = trPut(basic, 32, fi.Attributes)
	basic = trPut(basic, 36, uint32(0))

	standard := trPut(nil, 0, fi.AllocationSize)
	standard = trPut(standard, 8, fi.EndOfFile)
	standard = trPut(standard, 16, fi.NumberOfLinks)
	standard = trPut(standard, 20, []byte{0, 0, 0, 0})

	name := trU16(fi.Name)
	nameInfo := trPut(trPut(nil, 0, uint32(len(name))), 4, name)
	short := trU16(fi.ShortName)
	altInfo := trPut(trPut(nil, 0, uint32(len(short))), 4, short)

	// MS-FSCC 2.4.49: one "::$DATA" stream.
	stream := trPut(nil, 0, uint32(0))
	stream = trPut(stream, 4, uint32(14))
	stream = trPut(stream, 8, fi.EndOfFile)
	stream = trPut(stream, 16, fi.AllocationSize)
	stream = trPut(stream, 24, trU16("::$DATA"))

	compression := trPut(trPut(nil, 0, fi.EndOfFile), 8, make([]byte, 8))

	netOpen := trPut(bytes.Clone(basic[:32]), 32, fi.AllocationSize)
	netOpen = trPut(netOpen, 40, fi.EndOfFile)
	netOpen = trPut(netOpen, 48, fi.Attributes)
	netOpen = trPut(netOpen, 52, uint32(0))

	tests := []struct {
		name  string
		level uint16
		want  []byte
	}{
		{"INFO_STANDARD", LevelInfoStandard, std},
		{"INFO_QUERY_EA_SIZE", LevelInfoQueryEASize, eaSize},
		{"EAS_FROM_LIST", LevelInfoQueryEAsFromList, trHex(`04000000`)},
		{"ALL_EAS", LevelInfoQueryAllEAs, trHex(`04000000`)},
		{"IS_NAME_VALID", LevelInfoIsNameValid, nil},
		{"BASIC", LevelQueryFileBasicInfo, basic},
		{"FileBasic", LevelPassthrough + FileBasicInformation, basic},
		{"STANDARD", LevelQueryFileStandardInfo, standard},
		{"FileStandard", LevelPassthrough + FileStandardInformation, standard},
		{"EA", LevelQueryFileEAInfo, trHex(`55000000`)},
		{"FileEa", LevelPassthrough + FileEaInformation, trHex(`55000000`)},
		{"NAME", LevelQueryFileNameInfo, nameInfo},
		{"FileName", LevelPassthrough + FileNameInformation, nameInfo},
		{"ALT_NAME", LevelQueryFileAltNameInfo, altInfo},
		{"FileAlternateName", LevelPassthrough + FileAlternateNameInformation, altInfo},
		{"STREAM", LevelQueryFileStreamInfo, stream},
		{"FileStream", LevelPassthrough + FileStreamInformation, stream},
		{"COMPRESSION", LevelQueryFileCompressionInfo, compression},
		{"FileCompression", LevelPassthrough + FileCompressionInformation, compression},
		{"FileInternal", LevelPassthrough + FileInternalInformation, trHex(`8877665544332211`)},
		{"FileAccess", LevelPassthrough + FileAccessInformation, trHex(`ff011f00`)},
		{"FilePosition", LevelPassthrough + FilePositionInformation, trHex(`3412000000000000`)},
		{"FileMode", LevelPassthrough + FileModeInformation, trHex(`20000000`)},
		{"FileAlignment", LevelPassthrough + FileAlignmentInformation, trHex(`00000000`)},
		{"FileNetworkOpen", LevelPassthrough + FileNetworkOpenInformation, netOpen},
		{"FileAttributeTag", LevelPassthrough + FileAttributeTagInformation, trHex(`20000000 00000000`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendFileInfo([]byte{0xEE}, tc.level, &fi)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]byte{0xEE}, tc.want...); !bytes.Equal(got, want) {
				t.Errorf("got\n%x\nwant\n%x", got, want)
			}
		})
	}
	// Sizes clients insist on (Samba libcli/raw/rawfileinfo.c).
	for level, size := range map[uint16]int{
		LevelInfoStandard: 22, LevelInfoQueryEASize: 26, LevelQueryFileBasicInfo: 40,
		LevelQueryFileStandardInfo: 24, LevelQueryFileEAInfo: 4, LevelQueryFileCompressionInfo: 16,
		LevelPassthrough + FileNetworkOpenInformation: 56, LevelPassthrough + FileAttributeTagInformation: 8,
	} {
		if got, _ := AppendFileInfo(nil, level, &fi); len(got) != size {
			t.Errorf("level %#x: %d bytes, want %d", level, len(got), size)
		}
	}
	fi.Directory = true
	if got, err := AppendFileInfo(nil, LevelQueryFileStreamInfo, &fi); err != nil || len(got) != 0 {
		t.Errorf("directory streams: %x %v", got, err)
	}
	fi.Directory = false
	for _, level := range []uint16{0, 3 - 3, 5, 0x105, 0x106, 0x10A, 0x200, LevelPassthrough + 1, LevelPassthrough + 10, LevelPassthrough + 1000} {
		if _, err := AppendFileInfo(nil, level, &fi); err != StatusInvalidLevel {
			t.Errorf("level %#x: %v", level, err)
		}
	}
}

func TestDOSTime(t *testing.T) {
	ft := func(tm time.Time) uint64 { return uint64(tm.Unix()+infoFiletimeEpoch) * 1e7 }
	tests := []struct {
		t        time.Time
		date, tm uint16
	}{
		{time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 0x0021, 0},
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0x2821, 0},
		{time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC), 44<<9 | 2<<5 | 29, 23<<11 | 59<<5 | 29},
		{time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC), 127<<9 | 12<<5 | 31, 23<<11 | 59<<5 | 29},
	}
	for _, tc := range tests {
		d, tm := FiletimeToDOS(ft(tc.t))
		if d != tc.date || tm != tc.tm {
			t.Errorf("%v: %#x %#x, want %#x %#x", tc.t, d, tm, tc.date, tc.tm)
		}
		if back := DOSToFiletime(d, tm); back != ft(tc.t) {
			t.Errorf("%v: back %d", tc.t, back)
		}
	}
	// Odd seconds round down to the 2-second resolution.
	d, tm := FiletimeToDOS(ft(time.Date(2001, 5, 6, 7, 8, 9, 0, time.UTC)) + 12345)
	if DOSToFiletime(d, tm) != ft(time.Date(2001, 5, 6, 7, 8, 8, 0, time.UTC)) {
		t.Error("odd second")
	}
	for _, v := range []uint64{0, ft(time.Date(1979, 12, 31, 0, 0, 0, 0, time.UTC)), ft(time.Date(2108, 1, 1, 0, 0, 0, 0, time.UTC))} {
		if d, tm := FiletimeToDOS(v); d != 0 || tm != 0 {
			t.Errorf("%d: %#x %#x", v, d, tm)
		}
	}
	if DOSToFiletime(0, 0) != 0 {
		t.Error("zero pair")
	}
}

func TestAppendInfoNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	fi, fs := trFile, trFS
	n := testing.AllocsPerRun(100, func() {
		b, _ := AppendFileInfo(buf[:0], LevelQueryFileAllInfo, &fi)
		b, _ = AppendFileInfo(b, LevelInfoStandard, &fi)
		b, _ = AppendFSInfo(b, LevelInfoVolume, &fs, true)
		_, _ = AppendFSInfo(b, LevelQueryFSAttributeInfo, &fs, true)
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestTrans2InfoParams(t *testing.T) {
	// QUERY_PATH_INFORMATION: level ALL_INFO, Reserved, "\a.txt".
	p := trHex(`0701 00000000 5c0061002e00740078007400 0000`)
	q, err := ParsePathInfoParams(p, true)
	if err != nil || q.InformationLevel() != LevelQueryFileAllInfo || q.Reserved() != 0 ||
		string(DecodeString(nil, q.FileName(), true)) != `\a.txt` {
		t.Errorf("%v %+v", err, q)
	}
	if _, err := ParsePathInfoParams(p[:6], true); err != StatusInvalidParameter {
		t.Errorf("short: %v", err)
	}
	f, err := ParseFileInfoParams(trHex(`0140 fc03 0000`))
	if err != nil || f.FID() != 0x4001 || f.InformationLevel() != LevelPassthrough+FileEndOfFileInformation {
		t.Errorf("%v %x", err, f)
	}
	if _, err := ParseFileInfoParams([]byte{1, 2, 3}); err != StatusInvalidParameter {
		t.Errorf("short file: %v", err)
	}
	fsp, err := ParseFSInfoParams(trHex(`0501`))
	if err != nil || fsp.InformationLevel() != LevelQueryFSAttributeInfo {
		t.Errorf("%v %x", err, fsp)
	}
	if _, err := ParseFSInfoParams([]byte{1}); err != StatusInvalidParameter {
		t.Errorf("short fs: %v", err)
	}
	if got := AppendInfoResponseParams(nil); !bytes.Equal(got, []byte{0, 0}) {
		t.Errorf("%x", got)
	}
}

func BenchmarkAppendFileInfoAll(b *testing.B) {
	buf := make([]byte, 0, 1024)
	fi := trFile
	b.ReportAllocs()
	for b.Loop() {
		_, _ = AppendFileInfo(buf[:0], LevelQueryFileAllInfo, &fi)
	}
}
