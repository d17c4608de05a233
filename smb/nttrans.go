package smb

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
