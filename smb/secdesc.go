package smb

import "encoding/binary"

// SecurityInformation bits of NT_TRANSACT_QUERY_SECURITY_DESC and
// NT_TRANSACT_SET_SECURITY_DESC (MS-DTYP 2.4.7): the parts of a security
// descriptor asked for or given.
const (
	OwnerSecurityInformation uint32 = 0x1
	GroupSecurityInformation uint32 = 0x2
	DACLSecurityInformation  uint32 = 0x4
	SACLSecurityInformation  uint32 = 0x8
)

// NotifySetup is the setup block of an NT_TRANSACT_NOTIFY_CHANGE request
// (MS-CIFS 2.2.7.4.1): CompletionFilter, FID, WatchTree, Reserved.
type NotifySetup []byte

// ParseNotifySetup validates the four setup words of NOTIFY_CHANGE; fewer
// are StatusInvalidParameter.
func ParseNotifySetup(setup []byte) (NotifySetup, error) {
	// MS-CIFS 2.2.7.4.1: SetupCount MUST be 0x04.
	if len(setup) < 8 {
		return nil, StatusInvalidParameter
	}
	return NotifySetup(setup), nil
}

// CompletionFilter selects the changes that complete the request.
func (s NotifySetup) CompletionFilter() uint32 { return rd32(s, 0) }

// FID is the directory watched.
func (s NotifySetup) FID() uint16 { return rd16(s, 4) }

// WatchTree asks for the directories below FID too.
func (s NotifySetup) WatchTree() bool { return s[6] != 0 }

// SecurityDescParams is the parameter block of NT_TRANSACT_QUERY_SECURITY_DESC
// and NT_TRANSACT_SET_SECURITY_DESC (MS-CIFS 2.2.7.6.1, 2.2.7.3.1): FID,
// Reserved, SecurityInformation.
type SecurityDescParams []byte

// ParseSecurityDescParams validates the eight parameter bytes.
func ParseSecurityDescParams(p []byte) (SecurityDescParams, error) {
	if len(p) < 8 {
		return nil, StatusInvalidParameter
	}
	return SecurityDescParams(p), nil
}

// FID is the open file or directory.
func (p SecurityDescParams) FID() uint16 { return rd16(p, 0) }

// SecurityInformation says which parts are asked for or given.
func (p SecurityDescParams) SecurityInformation() uint32 { return rd32(p, 4) }

// SIDs of the fixed descriptor, in their MS-DTYP 2.4.2.2 encoding.
var (
	// sidAdministrators is S-1-5-32-544 (BUILTIN\Administrators).
	sidAdministrators = []byte{1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0}
	// sidUsers is S-1-5-32-545 (BUILTIN\Users).
	sidUsers = []byte{1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0}
	// sidEveryone is S-1-1-0.
	sidEveryone = []byte{1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}
)

// fileAllAccess is FILE_ALL_ACCESS (MS-SMB 2.2.1.4.1).
const fileAllAccess uint32 = 0x001F01FF

// Security descriptor control bits (MS-DTYP 2.4.6).
const (
	seDACLPresent  uint16 = 0x0004
	seSelfRelative uint16 = 0x8000
)

// AppendSecurityDescriptor appends the self-relative security descriptor
// (MS-DTYP 2.4.6) the server reports for every file: owner
// BUILTIN\Administrators, group BUILTIN\Users and a DACL with one ACE
// granting Everyone FILE_ALL_ACCESS, as a server without ACL mapping
// answers. Only the parts info asks for are present; a SACL is never
// present, the server keeps no audit settings.
func AppendSecurityDescriptor(dst []byte, info uint32) []byte {
	le := binary.LittleEndian
	start := len(dst)
	dst = append(dst, make([]byte, 20)...)
	hdr := dst[start:]
	hdr[0] = 1 // Revision
	control := seSelfRelative
	if info&OwnerSecurityInformation != 0 {
		le.PutUint32(dst[start+4:], uint32(len(dst)-start))
		dst = append(dst, sidAdministrators...)
	}
	if info&GroupSecurityInformation != 0 {
		le.PutUint32(dst[start+8:], uint32(len(dst)-start))
		dst = append(dst, sidUsers...)
	}
	if info&DACLSecurityInformation != 0 {
		control |= seDACLPresent
		le.PutUint32(dst[start+16:], uint32(len(dst)-start))
		// MS-DTYP 2.4.5 ACL header, then one ACCESS_ALLOWED_ACE
		// (2.4.4.2): type 0, no inheritance flags.
		aceSize := 8 + len(sidEveryone)
		dst = append(dst, 2, 0, 0, 0, 1, 0, 0, 0)
		le.PutUint16(dst[len(dst)-6:], uint16(8+aceSize))
		dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
		le.PutUint16(dst[len(dst)-6:], uint16(aceSize))
		le.PutUint32(dst[len(dst)-4:], fileAllAccess)
		dst = append(dst, sidEveryone...)
	}
	le.PutUint16(dst[start+2:], control)
	return dst
}
