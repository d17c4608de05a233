package smb

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Information levels are the layouts of file, directory-entry and
// file-system information in TRANSACTION2 (MS-CIFS 2.2.2.3, 2.2.8). The
// encoders here append into a caller's buffer from neutral structs —
// FileInfo and FSInfo — that the vfs layer fills without knowing any layout.

// LevelPassthrough is added to an MS-FSCC information class number to form a
// pass-through level: the client names an NT information class directly and
// the data has the MS-FSCC layout (MS-SMB 2.2.2.3.5; used only when
// CAP_INFOLEVEL_PASSTHRU was negotiated).
const LevelPassthrough uint16 = 1000

// QUERY_PATH_INFORMATION / QUERY_FILE_INFORMATION levels (MS-CIFS 2.2.2.3.3).
// Levels 1 and 2 are LevelInfoStandard and LevelInfoQueryEASize.
const (
	LevelInfoQueryAllEAs          uint16 = 0x0004
	LevelInfoIsNameValid          uint16 = 0x0006
	LevelQueryFileBasicInfo       uint16 = 0x0101
	LevelQueryFileStandardInfo    uint16 = 0x0102
	LevelQueryFileEAInfo          uint16 = 0x0103
	LevelQueryFileNameInfo        uint16 = 0x0104
	LevelQueryFileAllInfo         uint16 = 0x0107
	LevelQueryFileAltNameInfo     uint16 = 0x0108
	LevelQueryFileStreamInfo      uint16 = 0x0109
	LevelQueryFileCompressionInfo uint16 = 0x010B
)

// QUERY_FS_INFORMATION levels (MS-CIFS 2.2.2.3.2).
const (
	LevelInfoAllocation       uint16 = 0x0001
	LevelInfoVolume           uint16 = 0x0002
	LevelQueryFSVolumeInfo    uint16 = 0x0102
	LevelQueryFSSizeInfo      uint16 = 0x0103
	LevelQueryFSDeviceInfo    uint16 = 0x0104
	LevelQueryFSAttributeInfo uint16 = 0x0105
)

// File information classes (MS-FSCC 2.4) usable as pass-through levels.
const (
	FileBasicInformation         uint16 = 4
	FileStandardInformation      uint16 = 5
	FileInternalInformation      uint16 = 6
	FileEaInformation            uint16 = 7
	FileAccessInformation        uint16 = 8
	FileNameInformation          uint16 = 9
	FileRenameInformation        uint16 = 10
	FileDispositionInformation   uint16 = 13
	FilePositionInformation      uint16 = 14
	FileModeInformation          uint16 = 16
	FileAlignmentInformation     uint16 = 17
	FileAllInformation           uint16 = 18
	FileAllocationInformation    uint16 = 19
	FileEndOfFileInformation     uint16 = 20
	FileAlternateNameInformation uint16 = 21
	FileStreamInformation        uint16 = 22
	FileCompressionInformation   uint16 = 28
	FileNetworkOpenInformation   uint16 = 34
	FileAttributeTagInformation  uint16 = 35
)

// File system information classes (MS-FSCC 2.5) usable as pass-through
// levels.
const (
	FileFsVolumeInformation    uint16 = 1
	FileFsSizeInformation      uint16 = 3
	FileFsDeviceInformation    uint16 = 4
	FileFsAttributeInformation uint16 = 5
	FileFsFullSizeInformation  uint16 = 7
	FileFsObjectIDInformation  uint16 = 8
)

// File system attribute flags for FSInfo.Attributes (MS-FSCC 2.5.1).
const (
	FSCaseSensitiveSearch   uint32 = 0x00000001
	FSCasePreservedNames    uint32 = 0x00000002
	FSUnicodeOnDisk         uint32 = 0x00000004
	FSPersistentACLs        uint32 = 0x00000008
	FSFileCompression       uint32 = 0x00000010
	FSVolumeQuotas          uint32 = 0x00000020
	FSSupportsSparseFiles   uint32 = 0x00000040
	FSSupportsReparsePoints uint32 = 0x00000080
	FSSupportsObjectIDs     uint32 = 0x00010000
	FSSupportsEncryption    uint32 = 0x00020000
	FSNamedStreams          uint32 = 0x00040000
	FSReadOnlyVolume        uint32 = 0x00080000
)

// Device type and characteristics for FSInfo (MS-FSCC 2.5.10).
const (
	DeviceTypeDisk       uint32 = 0x00000007
	DeviceRemovableMedia uint32 = 0x00000001
	DeviceReadOnly       uint32 = 0x00000002
	DeviceRemote         uint32 = 0x00000010
	DeviceIsMounted      uint32 = 0x00000020
)

// FileInfo is what the server knows about one file, in neutral form. Times
// are FILETIMEs (100 ns since 1601-01-01 UTC, MS-DTYP 2.3.3), 0 for
// unknown.
type FileInfo struct {
	// Name is the name a level reports: for the FIND levels the entry's
	// own name; for the NAME and ALL levels whatever the server means to
	// report (Samba reports the share-relative path with a leading
	// backslash).
	Name string
	// ShortName is the 8.3 name for the BOTH_DIRECTORY and ALT_NAME
	// levels, upper case; empty when Name is itself 8.3.
	ShortName      string
	CreationTime   uint64
	LastAccessTime uint64
	LastWriteTime  uint64
	ChangeTime     uint64
	EndOfFile      uint64
	AllocationSize uint64
	// Attributes is the SMB_EXT_FILE_ATTR / FILE_ATTRIBUTE_* set
	// (MS-FSCC 2.6).
	Attributes uint32
	// FileIndex is the file's 64-bit ID (FileId, IndexNumber).
	FileIndex     uint64
	NumberOfLinks uint32
	DeletePending bool
	Directory     bool
	EASize        uint32
	// EAList is the SMB_FEA entries (without SizeOfListInBytes) the EA
	// list levels report, built by the server from its EA store.
	EAList []byte

	// The remaining fields describe an open handle and are 0 for a path
	// query: its granted access (FileAccessInformation), current byte
	// offset (FilePositionInformation) and mode (FileModeInformation).
	AccessFlags uint32
	Position    uint64
	Mode        uint32
}

// FSInfo is what the server knows about a share's file system, in neutral
// form. Sizes are in allocation units of SectorsPerUnit*BytesPerSector
// bytes.
type FSInfo struct {
	TotalUnits     uint64
	FreeUnits      uint64
	SectorsPerUnit uint32
	BytesPerSector uint32
	SerialNumber   uint32
	// CreationTime is the volume's creation FILETIME.
	CreationTime uint64
	VolumeLabel  string
	// FSName is the file system name clients see, e.g. "NTFS".
	FSName string
	// Attributes are FS* flags.
	Attributes uint32
	// MaxNameLen is the longest name component, in bytes (255 typical).
	MaxNameLen            uint32
	DeviceType            uint32
	DeviceCharacteristics uint32
	ObjectID              [16]byte
}

// lanmanAttrMask keeps the attributes an SMB_FILE_ATTRIBUTES field can carry
// (MS-CIFS 2.2.1.2.4): read-only, hidden, system, volume, directory,
// archive.
const lanmanAttrMask = 0x3F

// infoLE32 and infoLE64 append little-endian fields.
func infoLE32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func infoLE64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// infoClamp32 saturates a 64-bit size for a 32-bit field rather than wrap it: a
// 5 GiB file shown as 4 GiB - 1 is less wrong than one shown as 1 GiB.
func infoClamp32(v uint64) uint32 {
	if v > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(v)
}

func infoOEMLen(s string) int { return utf8.RuneCountInString(s) }

// infoFiletimeEpoch is 1970-01-01 in FILETIME seconds.
const infoFiletimeEpoch = 11644473600

// FiletimeToDOS converts a FILETIME to the SMB_DATE and SMB_TIME pair of the
// LANMAN levels (MS-CIFS 2.2.1.4.1, 2.2.1.4.2), in UTC: clients read these
// as server-local time, so the server announces ServerTimeZone 0 in its
// NEGOTIATE response. Times outside 1980-2107, and 0, give 0, 0.
func FiletimeToDOS(ft uint64) (date, tm uint16) {
	if ft == 0 {
		return 0, 0
	}
	t := time.Unix(int64(ft/1e7)-infoFiletimeEpoch, 0).UTC()
	y, mo, d := t.Date()
	if y < 1980 || y > 2107 {
		return 0, 0
	}
	h, mi, s := t.Clock()
	date = uint16(y-1980)<<9 | uint16(mo)<<5 | uint16(d)
	tm = uint16(h)<<11 | uint16(mi)<<5 | uint16(s/2)
	return date, tm
}

// DOSToFiletime converts an SMB_DATE and SMB_TIME pair, in UTC, to a
// FILETIME. 0, 0 means "no time" and gives 0.
func DOSToFiletime(date, tm uint16) uint64 {
	if date == 0 && tm == 0 {
		return 0
	}
	t := time.Date(1980+int(date>>9), time.Month(date>>5&0xF), int(date&0x1F),
		int(tm>>11), int(tm>>5&0x3F), int(tm&0x1F)*2, 0, time.UTC)
	return uint64(t.Unix()+infoFiletimeEpoch) * 1e7
}

// infoAppendDOSTimes appends creation, last access and last write as
// SMB_DATE/SMB_TIME pairs.
func infoAppendDOSTimes(dst []byte, fi *FileInfo) []byte {
	for _, ft := range [3]uint64{fi.CreationTime, fi.LastAccessTime, fi.LastWriteTime} {
		d, t := FiletimeToDOS(ft)
		dst = binary.LittleEndian.AppendUint16(dst, d)
		dst = binary.LittleEndian.AppendUint16(dst, t)
	}
	return dst
}

func infoBool(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// AppendFileInfo appends the QUERY_PATH_INFORMATION /
// QUERY_FILE_INFORMATION data of level for fi to dst (the response's
// Trans2_Data), or returns StatusInvalidLevel for a level it does not
// encode, which the server answers as Samba does.
//
// Names in the NT levels are UTF-16LE whatever the header's Unicode flag,
// as Windows and Samba send them (MS-CIFS 2.2.8.3.8: FileName is WCHAR).
// The EA list levels return fi.EAList and EaSize is whatever fi says. Streams are not modelled
// either: a file reports one "::$DATA" stream, a directory none.
func AppendFileInfo(dst []byte, level uint16, fi *FileInfo) ([]byte, error) {
	switch level {
	case LevelInfoStandard, LevelInfoQueryEASize:
		// MS-CIFS 2.2.8.3.1/2: 22 bytes, plus EaSize.
		dst = infoAppendDOSTimes(dst, fi)
		dst = infoLE32(dst, infoClamp32(fi.EndOfFile))
		dst = infoLE32(dst, infoClamp32(fi.AllocationSize))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(fi.Attributes&lanmanAttrMask))
		if level == LevelInfoQueryEASize {
			dst = infoLE32(dst, fi.EASize)
		}
		return dst, nil
	case LevelInfoQueryEAsFromList, LevelInfoQueryAllEAs:
		// MS-CIFS 2.2.1.2.2: an SMB_FEA_LIST whose SizeOfListInBytes
		// counts itself; 4 is the empty list.
		dst = infoLE32(dst, uint32(4+len(fi.EAList)))
		return append(dst, fi.EAList...), nil
	case LevelInfoIsNameValid:
		// MS-CIFS 2.2.8.3.5: no data; success says the name is valid.
		return dst, nil
	case LevelQueryFileBasicInfo, LevelPassthrough + FileBasicInformation:
		return infoAppendBasic(dst, fi), nil
	case LevelQueryFileStandardInfo, LevelPassthrough + FileStandardInformation:
		return infoAppendStandard(dst, fi), nil
	case LevelQueryFileEAInfo, LevelPassthrough + FileEaInformation:
		return infoLE32(dst, fi.EASize), nil
	case LevelQueryFileNameInfo, LevelQueryFileAltNameInfo,
		LevelPassthrough + FileNameInformation, LevelPassthrough + FileAlternateNameInformation:
		name := fi.Name
		if level == LevelQueryFileAltNameInfo || level == LevelPassthrough+FileAlternateNameInformation {
			name = fi.ShortName
		}
		return infoAppendName(dst, name), nil
	case LevelQueryFileAllInfo, LevelPassthrough + FileAllInformation:
		// MS-CIFS 2.2.8.3.8 layout, for the pass-through level too.
		// MS-FSCC 2.4.2 FileAllInformation has more fields (internal,
		// access, position, mode, alignment), but Windows and Samba
		// answer the SMB1 pass-through with this shorter layout and
		// Samba's client parses it so ("what the CIFS spec says ... is
		// totally wrong", libcli/raw/rawfileinfo.c).
		dst = infoAppendBasic(dst, fi)
		dst = infoAppendStandard(dst, fi)
		dst = infoLE32(dst, fi.EASize)
		return infoAppendName(dst, fi.Name), nil
	case LevelQueryFileStreamInfo, LevelPassthrough + FileStreamInformation:
		if fi.Directory {
			return dst, nil
		}
		// MS-FSCC 2.4.49: NextEntryOffset, StreamNameLength,
		// StreamSize, StreamAllocationSize, StreamName.
		const stream = "::$DATA"
		dst = infoLE32(dst, 0)
		dst = infoLE32(dst, uint32(UTF16Len(stream)))
		dst = infoLE64(dst, fi.EndOfFile)
		dst = infoLE64(dst, fi.AllocationSize)
		return AppendUTF16(dst, stream), nil
	case LevelQueryFileCompressionInfo, LevelPassthrough + FileCompressionInformation:
		// MS-FSCC 2.4.9: CompressedFileSize, CompressionFormat (0:
		// none), CompressionUnitShift, ChunkShift, ClusterShift,
		// Reserved[3].
		dst = infoLE64(dst, fi.EndOfFile)
		return append(dst, 0, 0, 0, 0, 0, 0, 0, 0), nil
	case LevelPassthrough + FileInternalInformation:
		return infoLE64(dst, fi.FileIndex), nil
	case LevelPassthrough + FileAccessInformation:
		return infoLE32(dst, fi.AccessFlags), nil
	case LevelPassthrough + FilePositionInformation:
		return infoLE64(dst, fi.Position), nil
	case LevelPassthrough + FileModeInformation:
		return infoLE32(dst, fi.Mode), nil
	case LevelPassthrough + FileAlignmentInformation:
		// MS-FSCC 2.4.3: 0 is FILE_BYTE_ALIGNMENT.
		return infoLE32(dst, 0), nil
	case LevelPassthrough + FileNetworkOpenInformation:
		// MS-FSCC 2.4.34: four times, AllocationSize, EndOfFile,
		// FileAttributes, Reserved.
		dst = infoAppendTimes(dst, fi)
		dst = infoLE64(dst, fi.AllocationSize)
		dst = infoLE64(dst, fi.EndOfFile)
		dst = infoLE32(dst, fi.Attributes)
		return infoLE32(dst, 0), nil
	case LevelPassthrough + FileAttributeTagInformation:
		// MS-FSCC 2.4.6: FileAttributes, ReparseTag (none).
		dst = infoLE32(dst, fi.Attributes)
		return infoLE32(dst, 0), nil
	}
	return dst, StatusInvalidLevel
}

func infoAppendTimes(dst []byte, fi *FileInfo) []byte {
	dst = infoLE64(dst, fi.CreationTime)
	dst = infoLE64(dst, fi.LastAccessTime)
	dst = infoLE64(dst, fi.LastWriteTime)
	return infoLE64(dst, fi.ChangeTime)
}

// infoAppendBasic appends SMB_QUERY_FILE_BASIC_INFO, the same 40 bytes as
// FileBasicInformation (MS-FSCC 2.4.7): four times, attributes, Reserved.
// MS-CIFS 2.2.8.3.6 omits the trailing Reserved; Windows sends it and
// Samba's client accepts 36 or 40.
func infoAppendBasic(dst []byte, fi *FileInfo) []byte {
	dst = infoAppendTimes(dst, fi)
	dst = infoLE32(dst, fi.Attributes)
	return infoLE32(dst, 0)
}

// infoAppendStandard appends FileStandardInformation (MS-FSCC 2.4.45):
// AllocationSize, EndOfFile, NumberOfLinks, DeletePending, Directory and two
// Reserved bytes, 24 in all. MS-CIFS 2.2.8.3.7 lists 22 for
// SMB_QUERY_FILE_STANDARD_INFO, but Samba's client insists on 24 for it.
func infoAppendStandard(dst []byte, fi *FileInfo) []byte {
	dst = infoLE64(dst, fi.AllocationSize)
	dst = infoLE64(dst, fi.EndOfFile)
	dst = infoLE32(dst, fi.NumberOfLinks)
	return append(dst, infoBool(fi.DeletePending), infoBool(fi.Directory), 0, 0)
}

// infoAppendName appends FileNameLength and the UTF-16LE FileName, not
// terminated (MS-FSCC 2.4.31).
func infoAppendName(dst []byte, name string) []byte {
	dst = infoLE32(dst, uint32(UTF16Len(name)))
	return AppendUTF16(dst, name)
}

// AppendFSInfo appends the QUERY_FS_INFORMATION data of level for fs to dst,
// or returns StatusInvalidLevel for a level it does not encode. unicode (the
// header's flag) matters only for LevelInfoVolume; the NT levels always send
// UTF-16LE.
func AppendFSInfo(dst []byte, level uint16, fs *FSInfo, unicode bool) ([]byte, error) {
	switch level {
	case LevelInfoAllocation:
		// MS-CIFS 2.2.8.2.1: idFileSystem, cSectorUnit, cUnit,
		// cUnitAvailable (32-bit), cbSector (16-bit). Large volumes
		// are described with bigger units so the counts fit, as
		// Samba does, rather than clamped to a wrong size.
		spu, units, free := uint64(fs.SectorsPerUnit), fs.TotalUnits, fs.FreeUnits
		for units > math.MaxUint32 && spu <= math.MaxUint32/2 {
			spu, units, free = spu*2, units/2, free/2
		}
		dst = infoLE32(dst, 0)
		dst = infoLE32(dst, uint32(spu))
		dst = infoLE32(dst, infoClamp32(units))
		dst = infoLE32(dst, infoClamp32(free))
		bps := fs.BytesPerSector
		if bps > math.MaxUint16 {
			bps = math.MaxUint16
		}
		return binary.LittleEndian.AppendUint16(dst, uint16(bps)), nil
	case LevelInfoVolume:
		// MS-CIFS 2.2.8.2.2: ulVolSerialNbr, cCharCount, VolumeLabel.
		// Like Samba, the label is terminated, not aligned (it
		// starts at odd offset 5), and cCharCount counts its bytes
		// with the terminator: Windows 2003 sent one byte short and
		// OS/2 and Win9x, the only users of this level, misread it.
		dst = infoLE32(dst, fs.SerialNumber)
		at := len(dst)
		dst = append(dst, 0)
		start := len(dst)
		dst = infoAppendLimited(dst, fs.VolumeLabel, unicode, 253)
		if unicode {
			dst = append(dst, 0, 0)
		} else {
			dst = append(dst, 0)
		}
		dst[at] = byte(len(dst) - start)
		return dst, nil
	case LevelQueryFSVolumeInfo, LevelPassthrough + FileFsVolumeInformation:
		// MS-FSCC 2.5.9: VolumeCreationTime, VolumeSerialNumber,
		// VolumeLabelLength, SupportsObjects, Reserved, VolumeLabel.
		// MS-CIFS 2.2.8.2.5 has a 2-byte Reserved at the same place.
		dst = infoLE64(dst, fs.CreationTime)
		dst = infoLE32(dst, fs.SerialNumber)
		dst = infoLE32(dst, uint32(UTF16Len(fs.VolumeLabel)))
		dst = append(dst, 0, 0)
		return AppendUTF16(dst, fs.VolumeLabel), nil
	case LevelQueryFSSizeInfo, LevelPassthrough + FileFsSizeInformation:
		// MS-CIFS 2.2.8.2.6, MS-FSCC 2.5.8: TotalAllocationUnits,
		// TotalFreeAllocationUnits, SectorsPerAllocationUnit,
		// BytesPerSector.
		dst = infoLE64(dst, fs.TotalUnits)
		dst = infoLE64(dst, fs.FreeUnits)
		dst = infoLE32(dst, fs.SectorsPerUnit)
		return infoLE32(dst, fs.BytesPerSector), nil
	case LevelQueryFSDeviceInfo, LevelPassthrough + FileFsDeviceInformation:
		// MS-FSCC 2.5.10: DeviceType, Characteristics.
		dst = infoLE32(dst, fs.DeviceType)
		return infoLE32(dst, fs.DeviceCharacteristics), nil
	case LevelQueryFSAttributeInfo, LevelPassthrough + FileFsAttributeInformation:
		// MS-FSCC 2.5.1: FileSystemAttributes,
		// MaximumComponentNameLength, FileSystemNameLength,
		// FileSystemName, not terminated (Samba: Win98 otherwise
		// thinks long names unsupported).
		dst = infoLE32(dst, fs.Attributes)
		dst = infoLE32(dst, fs.MaxNameLen)
		dst = infoLE32(dst, uint32(UTF16Len(fs.FSName)))
		return AppendUTF16(dst, fs.FSName), nil
	case LevelPassthrough + FileFsFullSizeInformation:
		// MS-FSCC 2.5.4: TotalAllocationUnits,
		// CallerAvailableAllocationUnits,
		// ActualAvailableAllocationUnits, SectorsPerAllocationUnit,
		// BytesPerSector. No quotas: both available counts agree.
		dst = infoLE64(dst, fs.TotalUnits)
		dst = infoLE64(dst, fs.FreeUnits)
		dst = infoLE64(dst, fs.FreeUnits)
		dst = infoLE32(dst, fs.SectorsPerUnit)
		return infoLE32(dst, fs.BytesPerSector), nil
	case LevelPassthrough + FileFsObjectIDInformation:
		// MS-FSCC 2.5.6: ObjectId, ExtendedInfo[48].
		dst = append(dst, fs.ObjectID[:]...)
		for range 48 {
			dst = append(dst, 0)
		}
		return dst, nil
	}
	return dst, StatusInvalidLevel
}

// infoAppendLimited appends s as UTF-16LE or OEM, stopping before the encoding
// would pass max bytes, at a character boundary.
func infoAppendLimited(dst []byte, s string, unicode bool, max int) []byte {
	start := len(dst)
	for _, r := range s {
		if unicode {
			n := 2
			if r >= 0x10000 {
				n = 4
			}
			if len(dst)-start+n > max {
				break
			}
			if n == 4 {
				r1, r2 := utf16.EncodeRune(r)
				dst = binary.LittleEndian.AppendUint16(dst, uint16(r1))
				dst = binary.LittleEndian.AppendUint16(dst, uint16(r2))
			} else {
				dst = binary.LittleEndian.AppendUint16(dst, uint16(r))
			}
			continue
		}
		if len(dst)-start+1 > max {
			break
		}
		if r > 0xFF {
			r = '?'
		}
		dst = append(dst, byte(r))
	}
	return dst
}
