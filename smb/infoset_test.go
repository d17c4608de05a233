package smb

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestParseSetInfo(t *testing.T) {
	ft2000 := uint64(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()+infoFiletimeEpoch) * 1e7
	basic := trHex(`0100000000000000 0200000000000000 0300000000000000 0400000000000000 21000000 00000000`)
	tests := []struct {
		name  string
		level uint16
		data  string
		want  SetInfo
		err   error
	}{
		{"INFO_STANDARD", LevelInfoStandard, `0000 0000 2128 0000 2128 0000`,
			SetInfo{Class: SetBasic, LastAccessTime: ft2000, LastWriteTime: ft2000}, nil},
		{"INFO_STANDARD short", LevelInfoStandard, `0000 0000 2128 0000 2128`, SetInfo{}, StatusInvalidParameter},
		{"SET_EAS null list", LevelInfoSetEAs, `04000000`, SetInfo{Class: SetEAs, EAList: []byte{}}, nil},
		{"SET_EAS list", LevelInfoSetEAs, `0c000000 00 01 0200 6100 6262 ff`, SetInfo{Class: SetEAs, EAList: trHex(`00 01 0200 6100 6262`)}, nil},
		{"SET_EAS overrun", LevelInfoSetEAs, `09000000 0000`, SetInfo{}, StatusInvalidParameter},
		{"SET_EAS size < 4", LevelInfoSetEAs, `02000000`, SetInfo{}, StatusInvalidParameter},
		{"BASIC", LevelSetFileBasicInfo, string(trHexOf(basic)),
			SetInfo{Class: SetBasic, CreationTime: 1, LastAccessTime: 2, LastWriteTime: 3, ChangeTime: 4, Attributes: 0x21}, nil},
		{"FileBasic 36 bytes", LevelPassthrough + FileBasicInformation, string(trHexOf(basic[:36])),
			SetInfo{Class: SetBasic, CreationTime: 1, LastAccessTime: 2, LastWriteTime: 3, ChangeTime: 4, Attributes: 0x21}, nil},
		{"FileBasic short", LevelPassthrough + FileBasicInformation, string(trHexOf(basic[:35])), SetInfo{}, StatusInvalidParameter},
		{"DISPOSITION", LevelSetFileDispositionInfo, `01`, SetInfo{Class: SetDisposition, DeletePending: true}, nil},
		{"FileDisposition clear", LevelPassthrough + FileDispositionInformation, `00`, SetInfo{Class: SetDisposition}, nil},
		{"DISPOSITION empty", LevelSetFileDispositionInfo, ``, SetInfo{}, StatusInvalidParameter},
		{"ALLOCATION", LevelSetFileAllocationInfo, `0010000000000000`, SetInfo{Class: SetAllocation, Size: 4096}, nil},
		{"FileAllocation", LevelPassthrough + FileAllocationInformation, `0010000000000000`, SetInfo{Class: SetAllocation, Size: 4096}, nil},
		{"END_OF_FILE", LevelSetFileEndOfFileInfo, `0500000001000000`, SetInfo{Class: SetEndOfFile, Size: 0x100000005}, nil},
		{"FileEndOfFile", LevelPassthrough + FileEndOfFileInformation, `0500000001000000`, SetInfo{Class: SetEndOfFile, Size: 0x100000005}, nil},
		{"END_OF_FILE short", LevelSetFileEndOfFileInfo, `05000000010000`, SetInfo{}, StatusInvalidParameter},
		{"FilePosition", LevelPassthrough + FilePositionInformation, `0002000000000000`, SetInfo{Class: SetPosition, Size: 512}, nil},
		{"FileRename", LevelPassthrough + FileRenameInformation, `01 000000 00000000 0a000000 62002e00740078007400`,
			SetInfo{Class: SetRename, ReplaceIfExists: true, FileName: trU16("b.txt")}, nil},
		{"FileRename root", LevelPassthrough + FileRenameInformation, `00 000000 07000000 02000000 6200 ffff`,
			SetInfo{Class: SetRename, RootDirectory: 7, FileName: trU16("b")}, nil},
		{"FileRename overrun", LevelPassthrough + FileRenameInformation, `00 000000 00000000 0b000000 62002e00740078007400`, SetInfo{}, StatusInvalidParameter},
		{"FileRename empty name", LevelPassthrough + FileRenameInformation, `00 000000 00000000 00000000`, SetInfo{}, StatusInvalidParameter},
		{"FileRename short", LevelPassthrough + FileRenameInformation, `00 000000 00000000 0000`, SetInfo{}, StatusInvalidParameter},
		{"unknown", 0x0105, `00`, SetInfo{}, StatusInvalidLevel},
		{"FileLink", LevelPassthrough + 11, `00`, SetInfo{}, StatusInvalidLevel},
		{"UNIX basic", 0x200, `00`, SetInfo{}, StatusInvalidLevel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSetInfo(tc.level, trHex(tc.data))
			if err != tc.err {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if !bytes.Equal(got.FileName, tc.want.FileName) || !bytes.Equal(got.EAList, tc.want.EAList) ||
				(got.EAList == nil) != (tc.want.EAList == nil) {
				t.Errorf("slices %x %x", got.FileName, got.EAList)
			}
			got.FileName, got.EAList, tc.want.FileName, tc.want.EAList = nil, nil, nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseSetInfoNoAllocs(t *testing.T) {
	data := trHex(`01 000000 00000000 0a000000 62002e00740078007400`)
	n := testing.AllocsPerRun(100, func() {
		if _, err := ParseSetInfo(LevelPassthrough+FileRenameInformation, data); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseSetInfo(LevelInfoStandard, data); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func trHexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

func TestParseFEAList(t *testing.T) {
	entry := []byte{0, 2, 1, 0, 'E', 'A', 0, 'x'} // flags, name and value lengths, "EA\0", "x"
	list := append([]byte{12, 0, 0, 0}, entry...)
	for _, tt := range []struct {
		name string
		data []byte
		want []byte
		err  error
	}{
		{"absent (OS/2)", nil, nil, nil},
		{"empty list", []byte{4, 0, 0, 0}, []byte{}, nil},
		{"one entry", list, entry, nil},
		{"trailing bytes beyond the list", append(list, 0xEE, 0xEE), entry, nil},
		{"size beyond the data", []byte{0xF0, 0xFF, 0xFF, 0x7F}, nil, StatusInvalidParameter},
		{"size smaller than itself", []byte{2, 0, 0, 0, 0, 0}, nil, StatusInvalidParameter},
		{"size one past the data", append([]byte{13, 0, 0, 0}, entry...), nil, StatusInvalidParameter},
	} {
		got, err := ParseFEAList(tt.data)
		if err != tt.err || !bytes.Equal(got, tt.want) || (tt.want != nil && got == nil) {
			t.Errorf("%s: ParseFEAList(% x) = % x, %v; want % x, %v", tt.name, tt.data, got, err, tt.want, tt.err)
		}
	}
}
