package smb

import "strconv"

//go:generate go run ./internal/genstatus status.txt status_table.go

// NTStatus is a 32-bit NT status code (MS-ERREF 2.3). It implements error so
// a handler can return one directly; StatusSuccess is not an error and
// handlers return nil instead.
type NTStatus uint32

func (s NTStatus) Error() string {
	if name, ok := statusNames[s]; ok {
		return name
	}
	return "NTSTATUS 0x" + strconv.FormatUint(uint64(s), 16)
}

// IsError reports whether the severity bits say error (MS-ERREF 2.3: Sev 11).
func (s NTStatus) IsError() bool { return s>>30 == 3 }

// DOS error classes (MS-CIFS 2.2.2.4).
const (
	ErrClassDOS      uint8 = 0x01
	ErrClassServer   uint8 = 0x02
	ErrClassHardware uint8 = 0x03
)

// DOSError is the class/code pair sent in place of an NTSTATUS to a client
// that did not set FLAGS2_NT_STATUS (MS-CIFS 2.2.3.1: the Status field is then
// ErrorClass, a reserved byte and ErrorCode).
type DOSError struct {
	Class uint8
	Code  uint16
}

// DOS maps s to the DOS error class and code Windows sends for it. Statuses
// without an entry map to ERRHRD/ERRgeneral, as Samba's ntstatus_to_dos does.
func (s NTStatus) DOS() DOSError {
	if e, ok := statusDOSErrors[s]; ok {
		return e
	}
	return DOSError{ErrClassHardware, 31}
}

// DOSOnly reports whether s is one of the SMB-specific codes that MS-CIFS
// 2.2.2.4 writes as a DOS class and code in NTSTATUS form (ErrorCode<<16 |
// ErrorClass, such as STATUS_SMB_BAD_UID 0x005B0002). They are not NT
// status codes, so they go out in DOS form with FLAGS2_NT_STATUS cleared, as
// Windows and Samba send them; a client reading them as NTSTATUS would take
// their zero severity for success.
func (s NTStatus) DOSOnly() bool {
	class := uint8(s)
	return s>>30 == 0 && s&0xFF00 == 0 && s>>16 != 0 && class >= ErrClassDOS && class <= ErrClassHardware
}

// Wire returns the value for the header Status field: s itself when the
// client speaks NT status codes, otherwise its DOS encoding.
func (s NTStatus) Wire(ntStatus bool) uint32 {
	if ntStatus {
		return uint32(s)
	}
	e := s.DOS()
	return uint32(e.Class) | uint32(e.Code)<<16
}
