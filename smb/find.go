package smb

import "encoding/binary"

// TRANS2_FIND_FIRST2 / FIND_NEXT2 Flags (MS-CIFS 2.2.6.2.1).
const (
	FindCloseAfterRequest uint16 = 0x0001
	FindCloseAtEOS        uint16 = 0x0002
	FindReturnResumeKeys  uint16 = 0x0004
	FindContinueFromLast  uint16 = 0x0008
	FindWithBackupIntent  uint16 = 0x0010
)

// FIND information levels (MS-CIFS 2.2.2.3.1). LevelInfoStandard and
// LevelInfoQueryEASize also name the QUERY levels of the same value.
const (
	LevelInfoStandard                uint16 = 0x0001
	LevelInfoQueryEASize             uint16 = 0x0002
	LevelInfoQueryEAsFromList        uint16 = 0x0003
	LevelFindFileDirectoryInfo       uint16 = 0x0101
	LevelFindFileFullDirectoryInfo   uint16 = 0x0102
	LevelFindFileNamesInfo           uint16 = 0x0103
	LevelFindFileBothDirectoryInfo   uint16 = 0x0104
	LevelFindFileIDFullDirectoryInfo uint16 = 0x0105
	LevelFindFileIDBothDirectoryInfo uint16 = 0x0106
)

// FindFirst2Params is the parameter block of TRANS2_FIND_FIRST2
// (MS-CIFS 2.2.6.2.1): SearchAttributes, SearchCount, Flags,
// InformationLevel, SearchStorageType, FileName.
type FindFirst2Params struct {
	p    []byte
	name []byte
}

// ParseFindFirst2Params validates a FIND_FIRST2 parameter block. Like
// Samba, it requires the 12 fixed bytes and at least one of the FileName;
// a short block is answered with StatusInvalidParameter.
func ParseFindFirst2Params(p []byte, unicode bool) (FindFirst2Params, error) {
	if len(p) < 13 {
		return FindFirst2Params{}, StatusInvalidParameter
	}
	name, _, err := ReadString(p, 12, len(p), unicode)
	if err != nil {
		return FindFirst2Params{}, StatusInvalidParameter
	}
	return FindFirst2Params{p: p, name: name}, nil
}

func (f FindFirst2Params) SearchAttributes() uint16 { return rd16(f.p, 0) }
func (f FindFirst2Params) SearchCount() uint16      { return rd16(f.p, 2) }
func (f FindFirst2Params) Flags() uint16            { return rd16(f.p, 4) }
func (f FindFirst2Params) InformationLevel() uint16 { return rd16(f.p, 6) }
func (f FindFirst2Params) SearchStorageType() uint32 {
	return rd32(f.p, 8)
}

// FileName is the raw search pattern (directory and mask) without
// terminator, UTF-16LE or OEM by the request's Unicode flag. It aliases the
// parameter block.
func (f FindFirst2Params) FileName() []byte { return f.name }

// FindNext2Params is the parameter block of TRANS2_FIND_NEXT2
// (MS-CIFS 2.2.6.3.1): SID, SearchCount, InformationLevel, ResumeKey, Flags,
// FileName.
type FindNext2Params struct {
	p    []byte
	name []byte
}

// ParseFindNext2Params validates a FIND_NEXT2 parameter block, with the
// same minimum as Samba: 12 fixed bytes and one of FileName.
func ParseFindNext2Params(p []byte, unicode bool) (FindNext2Params, error) {
	if len(p) < 13 {
		return FindNext2Params{}, StatusInvalidParameter
	}
	name, _, err := ReadString(p, 12, len(p), unicode)
	if err != nil {
		return FindNext2Params{}, StatusInvalidParameter
	}
	return FindNext2Params{p: p, name: name}, nil
}

func (f FindNext2Params) SID() uint16              { return rd16(f.p, 0) }
func (f FindNext2Params) SearchCount() uint16      { return rd16(f.p, 2) }
func (f FindNext2Params) InformationLevel() uint16 { return rd16(f.p, 4) }
func (f FindNext2Params) ResumeKey() uint32        { return rd32(f.p, 6) }
func (f FindNext2Params) Flags() uint16            { return rd16(f.p, 10) }

// FileName is the raw name of the entry to resume after, used when
// FindContinueFromLast is clear. It aliases the parameter block.
func (f FindNext2Params) FileName() []byte { return f.name }

// AppendFindFirst2ResponseParams appends the FIND_FIRST2 response parameter
// block (MS-CIFS 2.2.6.2.2): SID, SearchCount, EndOfSearch, EaErrorOffset
// (always 0: no EA errors), LastNameOffset.
func AppendFindFirst2ResponseParams(dst []byte, sid, searchCount uint16, endOfSearch bool, lastNameOffset uint16) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, sid)
	return AppendFindNext2ResponseParams(dst, searchCount, endOfSearch, lastNameOffset)
}

// AppendFindNext2ResponseParams appends the FIND_NEXT2 response parameter
// block (MS-CIFS 2.2.6.3.2): SearchCount, EndOfSearch, EaErrorOffset,
// LastNameOffset.
func AppendFindNext2ResponseParams(dst []byte, searchCount uint16, endOfSearch bool, lastNameOffset uint16) []byte {
	var eos uint16
	if endOfSearch {
		eos = 1
	}
	dst = binary.LittleEndian.AppendUint16(dst, searchCount)
	dst = binary.LittleEndian.AppendUint16(dst, eos)
	dst = binary.LittleEndian.AppendUint16(dst, 0)
	return binary.LittleEndian.AppendUint16(dst, lastNameOffset)
}

// FindClose2Request is a view of the FIND_CLOSE2 parameter words
// (MS-CIFS 2.2.4.48.1).
type FindClose2Request []byte

// ParseFindClose2 validates a FIND_CLOSE2 block: WordCount 1.
func ParseFindClose2(b Block) (FindClose2Request, error) {
	if b.Command != ComFindClose2 || len(b.Words) != 2 {
		return nil, errWords
	}
	return FindClose2Request(b.Words), nil
}

// SearchHandle is the SID that FIND_FIRST2 returned.
func (r FindClose2Request) SearchHandle() uint16 { return rd16(r, 0) }

// FindFormat is how FIND entries are encoded for one request.
type FindFormat struct {
	// Level is the request's InformationLevel.
	Level uint16
	// Unicode is the request header's FLAGS2_UNICODE.
	Unicode bool
	// ResumeKeys is the request's FindReturnResumeKeys flag: the
	// LevelInfoStandard and LevelInfoQueryEASize entries then begin with
	// a ResumeKey (MS-CIFS 2.2.8.1.1).
	ResumeKeys bool
	// EANames are the names a LevelInfoQueryEAsFromList request asks
	// for (its SMB_GEA_LIST); the server fills each entry's EAList.
	EANames GEAs
}

// CheckFindLevel returns StatusInvalidLevel, which the server answers as
// Samba does, for a level AppendFindEntry does not encode.
func CheckFindLevel(level uint16) error {
	switch level {
	case LevelInfoStandard, LevelInfoQueryEASize, LevelInfoQueryEAsFromList,
		LevelFindFileDirectoryInfo, LevelFindFileFullDirectoryInfo,
		LevelFindFileNamesInfo, LevelFindFileBothDirectoryInfo,
		LevelFindFileIDFullDirectoryInfo, LevelFindFileIDBothDirectoryInfo:
		return nil
	}
	return StatusInvalidLevel
}

// findFixed is the size of the fixed part of an entry up to FileName, and
// whether the level is one of the NT levels (NextEntryOffset chain, 8-byte
// aligned entries, 32-bit FileNameLength) rather than a LANMAN one.
func findFixed(f FindFormat) (fixed int, nt bool) {
	switch f.Level {
	case LevelInfoStandard, LevelInfoQueryEASize, LevelInfoQueryEAsFromList:
		// MS-CIFS 2.2.8.1.1/2/3: optional ResumeKey, 3 SMB_DATE/SMB_TIME
		// pairs, FileDataSize, AllocationSize, Attributes, [EaSize or
		// the SMB_FEA_LIST's SizeOfListInBytes], FileNameLength. The
		// EAS_FROM_LIST entries' FEA bodies come on top (findLayout).
		fixed = 23
		if f.Level != LevelInfoStandard {
			fixed = 27
		}
		if f.ResumeKeys {
			fixed += 4
		}
		return fixed, false
	case LevelFindFileDirectoryInfo: // MS-FSCC 2.4.10
		return 64, true
	case LevelFindFileFullDirectoryInfo: // MS-FSCC 2.4.14
		return 68, true
	case LevelFindFileNamesInfo: // MS-FSCC 2.4.28
		return 12, true
	case LevelFindFileBothDirectoryInfo: // MS-FSCC 2.4.8
		return 94, true
	case LevelFindFileIDFullDirectoryInfo: // MS-FSCC 2.4.18
		return 80, true
	case LevelFindFileIDBothDirectoryInfo: // MS-FSCC 2.4.17
		return 104, true
	}
	return 0, false
}

// findNameLen is the size of the FileName field including any terminator,
// and the value of FileNameLength.
func findNameLen(f FindFormat, nt bool, name string) (field, length int) {
	if f.Unicode {
		n := UTF16Len(name)
		if nt {
			// MS-FSCC 2.4.8: FileName is not null-terminated.
			return n, n
		}
		if f.Level != LevelInfoStandard {
			// Windows and Samba end an EA_SIZE name with one zero
			// byte, not a UTF-16 terminator; smbtorture's parser
			// steps over exactly FileNameLength + 1 bytes.
			return n + 1, n
		}
		return n + 2, n
	}
	n := infoOEMLen(name)
	if nt {
		// Samba includes the OEM terminator in the field and in
		// FileNameLength (STR_TERMINATE_ASCII); clients cope with
		// both, and old OEM clients expect it.
		return n + 1, n + 1
	}
	return n + 1, n
}

// findLayout computes where an entry appended at data offset off starts,
// the alignment pad before its FileName, and its total size from off.
func findLayout(f FindFormat, off int, fi *FileInfo) (pad, namePad, size, nameLen int, nt bool, err error) {
	fixed, nt := findFixed(f)
	if fixed == 0 {
		return 0, 0, 0, 0, false, StatusInvalidLevel
	}
	if f.Level == LevelInfoQueryEAsFromList {
		fixed += len(fi.EAList)
	}
	field, nameLen := findNameLen(f, nt, fi.Name)
	if nt {
		// MS-FSCC 2.4: entries of these classes are 8-byte aligned
		// from the start of the buffer; the pad goes before an entry,
		// so the last one carries none (as Samba sends SMB1 lists).
		pad = (8 - off%8) % 8
		return pad, 0, pad + fixed + field, nameLen, true, nil
	}
	// MS-CIFS 2.2.8.1.1: FileNameLength is one byte.
	if nameLen > 255 {
		return 0, 0, 0, 0, false, StatusNameTooLong
	}
	if findNamePad(f, off+fixed) {
		namePad = 1
	}
	return 0, namePad, fixed + namePad + field, nameLen, false, nil
}

// FindEntryLen is the number of bytes AppendFindEntry adds to a data block
// of length off for fi, alignment padding included, or 0 for a level it does
// not encode or a name too long for it. The server stops filling a response
// when the next entry would pass the client's MaxDataCount.
func FindEntryLen(f FindFormat, off int, fi *FileInfo) int {
	_, _, size, _, _, err := findLayout(f, off, fi)
	if err != nil {
		return 0
	}
	return size
}

// FindEntryNameOffset returns the offset, in the data block, of the FileName
// of the entry AppendFindEntry placed at entry: the LastNameOffset of the
// FIND response (MS-CIFS 2.2.6.2.2).
func FindEntryNameOffset(f FindFormat, entry int) int {
	fixed, _ := findFixed(f)
	if findNamePad(f, entry+fixed) {
		return entry + fixed + 1
	}
	return entry + fixed
}

// findNamePad reports whether a LANMAN entry's FileName at data offset at
// is preceded by a pad byte. MS-CIFS 2.2.1.1: a Unicode SMB_STRING is
// 2-byte aligned; the response's DataOffset is 4-aligned, so aligning from
// the data start aligns from the header too. SMB_INFO_QUERY_EA_SIZE is the
// exception: Windows and Samba put its name right after FileNameLength,
// and smbtorture reads it there.
func findNamePad(f FindFormat, at int) bool {
	return f.Unicode && f.Level == LevelInfoStandard && at%2 == 1
}

// AppendFindEntry appends fi as one FIND_FIRST2/FIND_NEXT2 entry of format f
// to dst, the response's Trans2_Data built so far (dst[0] is the first byte
// of the data block: alignment counts from there). prev is the offset of the
// previous entry, or -1 for the first; for the NT levels its NextEntryOffset
// is set to point at the new entry, whose own NextEntryOffset is 0, so the
// list is well formed after every call. entry is where the new entry begins,
// to pass as prev next time. resumeKey is written as the entry's ResumeKey
// when f.ResumeKeys asks for one (LANMAN levels); FileIndex in the NT levels
// is 0 (MS-CIFS 2.2.8.1.4: "SHOULD be set to zero").
//
// Name is written as given. ShortName (BOTH levels) is the 8.3 name, already
// upper case, at most 12 characters: MS-FSCC 2.4.8 gives it a fixed 24-byte
// field. Errors are StatusInvalidLevel and, for LANMAN levels, whose
// FileNameLength is one byte, StatusNameTooLong; dst is then unchanged.
func AppendFindEntry(dst []byte, f FindFormat, fi *FileInfo, resumeKey uint32, prev int) (out []byte, entry int, err error) {
	off := len(dst)
	pad, namePad, _, nameLen, nt, err := findLayout(f, off, fi)
	if err != nil {
		return dst, -1, err
	}
	for range pad {
		dst = append(dst, 0)
	}
	entry = len(dst)
	if !nt {
		if f.ResumeKeys {
			dst = infoLE32(dst, resumeKey)
		}
		dst = infoAppendDOSTimes(dst, fi)
		dst = infoLE32(dst, infoClamp32(fi.EndOfFile))
		dst = infoLE32(dst, infoClamp32(fi.AllocationSize))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(fi.Attributes&lanmanAttrMask))
		switch f.Level {
		case LevelInfoQueryEASize:
			dst = infoLE32(dst, fi.EASize)
		case LevelInfoQueryEAsFromList:
			// MS-CIFS 2.2.8.1.3: the requested EAs as an SMB_FEA_LIST.
			dst = infoLE32(dst, uint32(4+len(fi.EAList)))
			dst = append(dst, fi.EAList...)
		}
		dst = append(dst, byte(nameLen))
		if namePad == 1 {
			dst = append(dst, 0)
		}
		if f.Unicode && f.Level != LevelInfoStandard {
			return append(AppendUTF16(dst, fi.Name), 0), entry, nil
		}
		return findAppendName(dst, f.Unicode, fi.Name, true), entry, nil
	}
	if prev >= 0 && prev+4 <= entry {
		binary.LittleEndian.PutUint32(dst[prev:], uint32(entry-prev))
	}
	dst = infoLE32(dst, 0) // NextEntryOffset
	dst = infoLE32(dst, 0) // FileIndex
	if f.Level == LevelFindFileNamesInfo {
		dst = infoLE32(dst, uint32(nameLen))
		return findAppendName(dst, f.Unicode, fi.Name, false), entry, nil
	}
	dst = infoLE64(dst, fi.CreationTime)
	dst = infoLE64(dst, fi.LastAccessTime)
	dst = infoLE64(dst, fi.LastWriteTime)
	dst = infoLE64(dst, fi.ChangeTime)
	dst = infoLE64(dst, fi.EndOfFile)
	dst = infoLE64(dst, fi.AllocationSize)
	dst = infoLE32(dst, fi.Attributes)
	dst = infoLE32(dst, uint32(nameLen))
	if f.Level != LevelFindFileDirectoryInfo {
		dst = infoLE32(dst, fi.EASize)
	}
	switch f.Level {
	case LevelFindFileBothDirectoryInfo, LevelFindFileIDBothDirectoryInfo:
		dst = findAppendShortName(dst, fi.ShortName)
		if f.Level == LevelFindFileIDBothDirectoryInfo {
			dst = append(dst, 0, 0) // Reserved2
			dst = infoLE64(dst, fi.FileIndex)
		}
	case LevelFindFileIDFullDirectoryInfo:
		dst = infoLE32(dst, 0) // Reserved
		dst = infoLE64(dst, fi.FileIndex)
	}
	return findAppendName(dst, f.Unicode, fi.Name, false), entry, nil
}

// findAppendName appends name as UTF-16LE (terminated if lanman) or as OEM
// with its terminator.
func findAppendName(dst []byte, unicode bool, name string, lanman bool) []byte {
	if unicode {
		dst = AppendUTF16(dst, name)
		if lanman {
			dst = append(dst, 0, 0)
		}
		return dst
	}
	return append(AppendOEM(dst, name), 0)
}

// findAppendShortName appends ShortNameLength, Reserved and the 24-byte
// ShortName field: UTF-16LE whatever the header says (MS-FSCC 2.4.8),
// truncated to 12 characters, zero-filled.
func findAppendShortName(dst []byte, short string) []byte {
	at := len(dst)
	dst = append(dst, 0, 0)
	start := len(dst)
	for _, r := range short {
		if r >= 0x10000 || len(dst)-start >= 24 {
			break
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(r))
	}
	n := len(dst) - start
	dst[at] = byte(n)
	for range 24 - n {
		dst = append(dst, 0)
	}
	return dst
}
