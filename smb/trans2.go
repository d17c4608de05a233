package smb

import "encoding/binary"

// TRANSACTION2 subcommands, carried in Setup[0] (MS-CIFS 2.2.6).
const (
	Trans2Open2                  uint16 = 0x0000
	Trans2FindFirst2             uint16 = 0x0001
	Trans2FindNext2              uint16 = 0x0002
	Trans2QueryFSInformation     uint16 = 0x0003
	Trans2SetFSInformation       uint16 = 0x0004
	Trans2QueryPathInformation   uint16 = 0x0005
	Trans2SetPathInformation     uint16 = 0x0006
	Trans2QueryFileInformation   uint16 = 0x0007
	Trans2SetFileInformation     uint16 = 0x0008
	Trans2FSCTL                  uint16 = 0x0009
	Trans2IOCTL2                 uint16 = 0x000A
	Trans2FindNotifyFirst        uint16 = 0x000B
	Trans2FindNotifyNext         uint16 = 0x000C
	Trans2CreateDirectory        uint16 = 0x000D
	Trans2SessionSetup           uint16 = 0x000E
	Trans2GetDFSReferral         uint16 = 0x0010
	Trans2ReportDFSInconsistency uint16 = 0x0011
)

// The Trans2 parameter views below read a TRANSACTION2 request's complete
// parameter block (TransRequest.Params, possibly reassembled). A block too
// short for its subcommand is an error the server answers with the status
// itself (StatusInvalidParameter, as Samba does), not a malformed message:
// the SMB around it was well formed.
//
// Strings inside trans2 parameters: MS-CIFS 2.2.1.1 aligns Unicode strings
// to 2 bytes, and Samba reads them with the parameter block as the base of
// that alignment (srvstr_get_path with params as base). Every FileName here
// starts at an even offset into the block, so no pad byte precedes it under
// either reading, as long as the client put the block itself on an even
// offset — which every client does, aligning it to 4.

// PathInfoParams is the parameter block of TRANS2_QUERY_PATH_INFORMATION
// and TRANS2_SET_PATH_INFORMATION, which share one layout (MS-CIFS
// 2.2.6.6.1, 2.2.6.7.1): InformationLevel, Reserved, FileName.
type PathInfoParams struct {
	p    []byte
	name []byte
}

// ParsePathInfoParams validates a QUERY/SET_PATH_INFORMATION parameter
// block.
func ParsePathInfoParams(p []byte, unicode bool) (PathInfoParams, error) {
	// Samba requires 7 bytes: the fixed 6 and at least one of the name.
	if len(p) < 7 {
		return PathInfoParams{}, StatusInvalidParameter
	}
	name, _, err := ReadString(p, 6, len(p), unicode)
	if err != nil {
		return PathInfoParams{}, StatusInvalidParameter
	}
	return PathInfoParams{p: p, name: name}, nil
}

func (q PathInfoParams) InformationLevel() uint16 { return rd16(q.p, 0) }
func (q PathInfoParams) Reserved() uint32         { return rd32(q.p, 2) }

// FileName is the raw path without terminator, UTF-16LE or OEM by the
// request's Unicode flag; decode it with DecodeString. It aliases the
// parameter block.
func (q PathInfoParams) FileName() []byte { return q.name }

// CreateDirectoryParams is the parameter block of TRANS2_CREATE_DIRECTORY
// (MS-CIFS 2.2.6.14.1): Reserved, DirectoryName. The request's data is an
// SMB_FEA_LIST of attributes for the new directory.
type CreateDirectoryParams struct {
	p    []byte
	name []byte
}

// ParseCreateDirectoryParams validates a TRANS2_CREATE_DIRECTORY parameter
// block.
func ParseCreateDirectoryParams(p []byte, unicode bool) (CreateDirectoryParams, error) {
	// Samba requires 5 bytes: Reserved and at least one of the name.
	if len(p) < 5 {
		return CreateDirectoryParams{}, StatusInvalidParameter
	}
	name, _, err := ReadString(p, 4, len(p), unicode)
	if err != nil {
		return CreateDirectoryParams{}, StatusInvalidParameter
	}
	return CreateDirectoryParams{p: p, name: name}, nil
}

func (q CreateDirectoryParams) Reserved() uint32 { return rd32(q.p, 0) }

// DirectoryName is the raw path without terminator, UTF-16LE or OEM by the
// request's Unicode flag; decode it with DecodeString. It aliases the
// parameter block.
func (q CreateDirectoryParams) DirectoryName() []byte { return q.name }

// FileInfoParams is the parameter block of TRANS2_QUERY_FILE_INFORMATION
// (FID, InformationLevel; MS-CIFS 2.2.6.8.1) and
// TRANS2_SET_FILE_INFORMATION (FID, InformationLevel, Reserved; 2.2.6.9.1).
type FileInfoParams []byte

// ParseFileInfoParams validates a QUERY/SET_FILE_INFORMATION parameter
// block. The SET form's Reserved word is not required: it carries nothing.
func ParseFileInfoParams(p []byte) (FileInfoParams, error) {
	if len(p) < 4 {
		return nil, StatusInvalidParameter
	}
	return FileInfoParams(p), nil
}

func (q FileInfoParams) FID() uint16              { return rd16(q, 0) }
func (q FileInfoParams) InformationLevel() uint16 { return rd16(q, 2) }

// FSInfoParams is the parameter block of TRANS2_QUERY_FS_INFORMATION:
// InformationLevel (MS-CIFS 2.2.6.4.1).
type FSInfoParams []byte

// ParseFSInfoParams validates a QUERY_FS_INFORMATION parameter block.
func ParseFSInfoParams(p []byte) (FSInfoParams, error) {
	if len(p) < 2 {
		return nil, StatusInvalidParameter
	}
	return FSInfoParams(p), nil
}

func (q FSInfoParams) InformationLevel() uint16 { return rd16(q, 0) }

// AppendInfoResponseParams appends the two-byte parameter block answering
// TRANS2_QUERY/SET_PATH/FILE_INFORMATION: EaErrorOffset, zero since this
// server reports no EA errors (MS-CIFS 2.2.6.6.2). QUERY_FS_INFORMATION
// responses have no parameters.
func AppendInfoResponseParams(dst []byte) []byte { return append(dst, 0, 0) }

// Open2Params is the parameter block of TRANS2_OPEN2 (MS-CIFS 2.2.6.1.1):
// Flags, AccessMode, Reserved1, FileAttributes, CreationTime, OpenMode,
// AllocationSize, Reserved[5], FileName. The request's data is an
// SMB_FEA_LIST for a created file.
type Open2Params struct {
	p    []byte
	name []byte
}

// ParseOpen2Params validates a TRANS2_OPEN2 parameter block: the 28 fixed
// bytes and at least one of the name, as Samba requires (29).
func ParseOpen2Params(p []byte, unicode bool) (Open2Params, error) {
	if len(p) < 29 {
		return Open2Params{}, StatusInvalidParameter
	}
	name, _, err := ReadString(p, 28, len(p), unicode)
	if err != nil {
		return Open2Params{}, StatusInvalidParameter
	}
	return Open2Params{p: p, name: name}, nil
}

func (q Open2Params) Flags() uint16          { return rd16(q.p, 0) }
func (q Open2Params) AccessMode() uint16     { return rd16(q.p, 2) }
func (q Open2Params) FileAttributes() uint16 { return rd16(q.p, 6) }
func (q Open2Params) CreationTime() uint32   { return rd32(q.p, 8) }
func (q Open2Params) OpenMode() uint16       { return rd16(q.p, 12) }
func (q Open2Params) AllocationSize() uint32 { return rd32(q.p, 14) }

// FileName is the raw path without terminator, aliasing the parameters.
func (q Open2Params) FileName() []byte { return q.name }

// Open2Response is the parameter block of a TRANS2_OPEN2 response (MS-CIFS
// 2.2.6.1.2).
type Open2Response struct {
	FID            uint16
	FileAttributes uint16
	CreationTime   uint32 // UTIME
	FileDataSize   uint32
	AccessMode     uint16
	ActionTaken    uint16
}

// Append appends the 30-byte block: FID, FileAttributes, CreationTime,
// FileDataSize, AccessMode, ResourceType (disk), NMPipeStatus, ActionTaken,
// Reserved, ExtendedAttributeErrorOffset and ExtendedAttributeLength (0:
// the server reports no EA errors).
func (r *Open2Response) Append(dst []byte) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint16(dst, r.FID)
	dst = le.AppendUint16(dst, r.FileAttributes)
	dst = le.AppendUint32(dst, r.CreationTime)
	dst = le.AppendUint32(dst, r.FileDataSize)
	dst = le.AppendUint16(dst, r.AccessMode)
	dst = le.AppendUint16(dst, 0)
	dst = le.AppendUint16(dst, 0)
	dst = le.AppendUint16(dst, r.ActionTaken)
	dst = le.AppendUint32(dst, 0)
	dst = le.AppendUint16(dst, 0)
	return le.AppendUint32(dst, 0)
}
