package smb

import "encoding/binary"

// Actions of a FILE_NOTIFY_INFORMATION entry (MS-FSCC 2.7.1): what happened
// to the entry it names.
const (
	FileActionAdded          uint32 = 0x1
	FileActionRemoved        uint32 = 0x2
	FileActionModified       uint32 = 0x3
	FileActionRenamedOldName uint32 = 0x4
	FileActionRenamedNewName uint32 = 0x5
)

// AppendFileNotifyInformation appends a FILE_NOTIFY_INFORMATION entry
// (MS-FSCC 2.7.1: NextEntryOffset, Action, FileNameLength, FileName) for
// action on name to list, the entries so far, whose last entry begins at
// last (-1 while list is empty). It returns the longer list and where the
// new entry begins. name is relative to the watched directory, with
// backslashes, and goes out as UTF-16LE without a terminator.
//
// MS-CIFS 2.2.7.4.2 and MS-FSCC 2.7.1: every entry starts 4-byte aligned
// from the start of the list, so the previous entry is padded with zeros
// and its NextEntryOffset set to reach the new one; the new entry is the
// last, NextEntryOffset 0 and no padding after it. It does not allocate
// when list has room.
func AppendFileNotifyInformation(list []byte, last int, action uint32, name string) ([]byte, int) {
	if last >= 0 {
		for len(list)%4 != 0 {
			list = append(list, 0)
		}
		binary.LittleEndian.PutUint32(list[last:], uint32(len(list)-last))
	}
	at := len(list)
	list = binary.LittleEndian.AppendUint32(list, 0)
	list = binary.LittleEndian.AppendUint32(list, action)
	list = binary.LittleEndian.AppendUint32(list, uint32(UTF16Len(name)))
	return AppendUTF16(list, name), at
}

// FileNotifyInformationLen returns the length of a FILE_NOTIFY_INFORMATION
// list of n bytes once AppendFileNotifyInformation adds an entry for name:
// the previous entry padded to 4 bytes, the 12 fixed bytes and the UTF-16LE
// name. It lets a caller bound a list of changes before encoding it.
func FileNotifyInformationLen(n int, name string) int {
	if n > 0 {
		n = (n + 3) &^ 3
	}
	return n + 12 + UTF16Len(name)
}
