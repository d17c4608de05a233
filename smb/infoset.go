package smb

// SET_PATH_INFORMATION / SET_FILE_INFORMATION levels (MS-CIFS 2.2.2.3.4).
// Level 1 is LevelInfoStandard.
const (
	LevelInfoSetEAs             uint16 = 0x0002
	LevelSetFileBasicInfo       uint16 = 0x0101
	LevelSetFileDispositionInfo uint16 = 0x0102
	LevelSetFileAllocationInfo  uint16 = 0x0103
	LevelSetFileEndOfFileInfo   uint16 = 0x0104
)

// SetInfoClass says what a SetInfo changes; the many levels reduce to these.
type SetInfoClass uint8

const (
	// SetBasic sets times and attributes: CreationTime, LastAccessTime,
	// LastWriteTime, ChangeTime and Attributes, each 0 for "leave
	// unchanged" (MS-FSCC 2.4.7; a time of 0xFFFFFFFFFFFFFFFF asks to stop
	// updating it for this handle, which the server may ignore).
	SetBasic SetInfoClass = iota + 1
	// SetDisposition sets or clears the delete-on-close mark:
	// DeletePending.
	SetDisposition
	// SetAllocation sets the allocation size: Size.
	SetAllocation
	// SetEndOfFile truncates or extends the file: Size.
	SetEndOfFile
	// SetPosition sets the handle's byte offset: Size.
	SetPosition
	// SetRename renames the file: ReplaceIfExists, RootDirectory,
	// FileName.
	SetRename
	// SetEAs sets extended attributes: EAList.
	SetEAs
)

// SetInfo is the validated Trans2_Data of a SET_PATH/FILE_INFORMATION
// request, brought to one form whatever the level.
type SetInfo struct {
	Class          SetInfoClass
	CreationTime   uint64
	LastAccessTime uint64
	LastWriteTime  uint64
	ChangeTime     uint64
	Attributes     uint32
	DeletePending  bool
	Size           uint64
	// ReplaceIfExists, RootDirectory and FileName come from
	// FileRenameInformation (MS-FSCC 2.4.42.1, the SMB1 layout with a
	// 32-bit RootDirectory). FileName is the raw new name, aliasing the
	// request: MS-FSCC says UTF-16LE; Samba decodes it by the header's
	// Unicode flag, which is the same thing for every Unicode client, so
	// decode it with DecodeString and that flag.
	ReplaceIfExists bool
	RootDirectory   uint32
	FileName        []byte
	// EAList is the SMB_FEA_LIST body after SizeOfListInBytes
	// (MS-CIFS 2.2.1.2.2), aliasing the request; empty for the "null"
	// lists OS/2 sends.
	EAList []byte
}

// ParseSetInfo validates data, the Trans2_Data of a SET_PATH_INFORMATION or
// SET_FILE_INFORMATION request of level. A level it does not know yields
// StatusInvalidLevel and data too short for its level
// StatusInvalidParameter, the answers Samba gives.
func ParseSetInfo(level uint16, data []byte) (SetInfo, error) {
	var s SetInfo
	switch level {
	case LevelInfoStandard:
		// MS-CIFS 2.2.8.4.1: three SMB_DATE/SMB_TIME pairs, creation,
		// last access, last write; a zero pair leaves the time alone.
		if len(data) < 12 {
			return s, StatusInvalidParameter
		}
		s.Class = SetBasic
		s.CreationTime = DOSToFiletime(rd16(data, 0), rd16(data, 2))
		s.LastAccessTime = DOSToFiletime(rd16(data, 4), rd16(data, 6))
		s.LastWriteTime = DOSToFiletime(rd16(data, 8), rd16(data, 10))
	case LevelInfoSetEAs:
		// MS-CIFS 2.2.8.4.2: an SMB_FEA_LIST.
		if len(data) < 4 {
			return s, StatusInvalidParameter
		}
		list, err := ParseFEAList(data)
		if err != nil {
			return s, err
		}
		s.Class = SetEAs
		s.EAList = list
	case LevelSetFileBasicInfo, LevelPassthrough + FileBasicInformation:
		// MS-CIFS 2.2.8.4.3, MS-FSCC 2.4.7: four FILETIMEs and the
		// attributes; the trailing Reserved is optional, as in
		// Samba, which needs 36 bytes.
		if len(data) < 36 {
			return s, StatusInvalidParameter
		}
		s.Class = SetBasic
		s.CreationTime = rd64(data, 0)
		s.LastAccessTime = rd64(data, 8)
		s.LastWriteTime = rd64(data, 16)
		s.ChangeTime = rd64(data, 24)
		s.Attributes = rd32(data, 32)
	case LevelSetFileDispositionInfo, LevelPassthrough + FileDispositionInformation:
		// MS-CIFS 2.2.8.4.4, MS-FSCC 2.4.11: DeletePending, one byte.
		if len(data) < 1 {
			return s, StatusInvalidParameter
		}
		s.Class = SetDisposition
		s.DeletePending = data[0] != 0
	case LevelSetFileAllocationInfo, LevelPassthrough + FileAllocationInformation,
		LevelSetFileEndOfFileInfo, LevelPassthrough + FileEndOfFileInformation,
		LevelPassthrough + FilePositionInformation:
		// MS-CIFS 2.2.8.4.5/6, MS-FSCC 2.4.4, 2.4.13, 2.4.35: one
		// 64-bit value.
		if len(data) < 8 {
			return s, StatusInvalidParameter
		}
		switch level {
		case LevelSetFileAllocationInfo, LevelPassthrough + FileAllocationInformation:
			s.Class = SetAllocation
		case LevelPassthrough + FilePositionInformation:
			s.Class = SetPosition
		default:
			s.Class = SetEndOfFile
		}
		s.Size = rd64(data, 0)
	case LevelPassthrough + FileRenameInformation:
		// MS-FSCC 2.4.42.1 (SMB1 form): ReplaceIfExists, Reserved[3],
		// RootDirectory, FileNameLength, FileName. An empty name or
		// one overrunning the data is refused, as Samba does.
		if len(data) < 12 {
			return s, StatusInvalidParameter
		}
		n := rd32(data, 8)
		if n == 0 || uint64(n) > uint64(len(data)-12) {
			return s, StatusInvalidParameter
		}
		s.Class = SetRename
		s.ReplaceIfExists = data[0] != 0
		s.RootDirectory = rd32(data, 4)
		end := 12 + int(n)
		s.FileName = data[12:end:end]
	default:
		return s, StatusInvalidLevel
	}
	return s, nil
}

// ParseFEAList validates an SMB_FEA_LIST (MS-CIFS 2.2.1.2.2) and returns
// its entries, aliasing data. SizeOfListInBytes counts itself and must fit
// in data: a list whose length lies is StatusInvalidParameter, never read
// past its end. Data of fewer than 4 bytes is the empty list OS/2 clients
// send (no SizeOfListInBytes at all).
func ParseFEAList(data []byte) ([]byte, error) {
	if len(data) < 4 {
		return nil, nil
	}
	n := rd32(data, 0)
	if n < 4 || uint64(n) > uint64(len(data)) {
		return nil, StatusInvalidParameter
	}
	return data[4:n:n], nil
}
