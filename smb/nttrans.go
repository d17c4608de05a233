package smb

import "encoding/binary"

// FSCTL codes (MS-FSCC 2.3) a server may be asked for through
// NT_TRANSACT_IOCTL.
const (
	FSCTLSetSparse uint32 = 0x000900C4
)

// IoctlSetup is the setup block of an NT_TRANSACT_IOCTL request (MS-CIFS
// 2.2.7.2.1): FunctionCode, FID, IsFctl, IsFlags.
type IoctlSetup []byte

// ParseIoctlSetup validates the setup words of an NT_TRANSACT_IOCTL
// (TransRequest.Setup). A block shorter than its four words is
// StatusInvalidParameter, as for the Trans2 parameter views: the message
// around it was well formed.
func ParseIoctlSetup(setup []byte) (IoctlSetup, error) {
	// MS-CIFS 2.2.7.2.1: SetupCount MUST be 0x04.
	if len(setup) < 8 {
		return nil, StatusInvalidParameter
	}
	return IoctlSetup(setup), nil
}

// FunctionCode is the FSCTL or device IOCTL code.
func (s IoctlSetup) FunctionCode() uint32 { return rd32(s, 0) }

// FID is the open file the control applies to.
func (s IoctlSetup) FID() uint16 { return rd16(s, 4) }

// IsFsctl is true for a file system control, false for a device IOCTL.
func (s IoctlSetup) IsFsctl() bool { return s[6] != 0 }

// IsFlags is true when the control applies to the share root rather than
// the FID (DFS); no FSCTL this server answers uses it.
func (s IoctlSetup) IsFlags() bool { return s[7] != 0 }

// NTTransactCreateParams is the parameter block of NT_TRANSACT_CREATE
// (MS-CIFS 2.2.7.1.1): the fields of NT_CREATE_ANDX plus
// SecurityDescriptorLength and EALength, which locate the security
// descriptor and the FILE_FULL_EA_INFORMATION list in the data.
type NTTransactCreateParams struct {
	p    []byte
	name []byte
}

// ParseNTTransactCreateParams validates the 53 fixed bytes and the name.
// The name begins at offset 53; Samba aligns a Unicode name from the start
// of the parameters, so ReadString's pad byte applies.
func ParseNTTransactCreateParams(p []byte, unicode bool) (NTTransactCreateParams, error) {
	if len(p) < 54 {
		return NTTransactCreateParams{}, StatusInvalidParameter
	}
	name, _, err := ReadString(p, 53, len(p), unicode)
	if err != nil {
		return NTTransactCreateParams{}, StatusInvalidParameter
	}
	return NTTransactCreateParams{p: p, name: name}, nil
}

func (c NTTransactCreateParams) Flags() uint32                    { return rd32(c.p, 0) }
func (c NTTransactCreateParams) RootDirectoryFID() uint32         { return rd32(c.p, 4) }
func (c NTTransactCreateParams) DesiredAccess() uint32            { return rd32(c.p, 8) }
func (c NTTransactCreateParams) AllocationSize() uint64           { return rd64(c.p, 12) }
func (c NTTransactCreateParams) ExtFileAttributes() uint32        { return rd32(c.p, 20) }
func (c NTTransactCreateParams) ShareAccess() uint32              { return rd32(c.p, 24) }
func (c NTTransactCreateParams) CreateDisposition() uint32        { return rd32(c.p, 28) }
func (c NTTransactCreateParams) CreateOptions() uint32            { return rd32(c.p, 32) }
func (c NTTransactCreateParams) SecurityDescriptorLength() uint32 { return rd32(c.p, 36) }
func (c NTTransactCreateParams) EALength() uint32                 { return rd32(c.p, 40) }
func (c NTTransactCreateParams) NameLength() uint32               { return rd32(c.p, 44) }
func (c NTTransactCreateParams) ImpersonationLevel() uint32       { return rd32(c.p, 48) }
func (c NTTransactCreateParams) SecurityFlags() uint8             { return c.p[52] }

// FileName is the raw name without terminator, aliasing the parameters.
func (c NTTransactCreateParams) FileName() []byte { return c.name }

// NTTransactCreateEAs returns the FILE_FULL_EA_INFORMATION list of an
// NT_TRANSACT_CREATE's data: EALength bytes after the security
// descriptor. Lengths that overrun the data are StatusInvalidParameter.
func NTTransactCreateEAs(c NTTransactCreateParams, data []byte) (FEAs, error) {
	sd, n := uint64(c.SecurityDescriptorLength()), uint64(c.EALength())
	if n == 0 {
		return FEAs{}, nil
	}
	if sd+n > uint64(len(data)) {
		return FEAs{}, StatusInvalidParameter
	}
	return ParseFullEAs(data[sd : sd+n])
}

// AppendNTTransactCreateResponse appends the 69-byte response parameters
// (MS-CIFS 2.2.7.1.2), the NT_CREATE_ANDX fields in the same order with a
// 32-bit EAErrorOffset after CreateAction.
func AppendNTTransactCreateResponse(dst []byte, r *NTCreateResponse) []byte {
	le := binary.LittleEndian
	dst = append(dst, r.OplockLevel, 0)
	dst = le.AppendUint16(dst, r.FID)
	dst = le.AppendUint32(dst, r.CreateAction)
	dst = le.AppendUint32(dst, 0)
	dst = le.AppendUint64(dst, r.CreationTime)
	dst = le.AppendUint64(dst, r.LastAccessTime)
	dst = le.AppendUint64(dst, r.LastWriteTime)
	dst = le.AppendUint64(dst, r.LastChangeTime)
	dst = le.AppendUint32(dst, r.ExtFileAttributes)
	dst = le.AppendUint64(dst, r.AllocationSize)
	dst = le.AppendUint64(dst, r.EndOfFile)
	dst = le.AppendUint16(dst, r.ResourceType)
	dst = le.AppendUint16(dst, r.NMPipeStatus)
	return append(dst, infoBool(r.Directory))
}
