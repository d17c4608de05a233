package smb

import "testing"

func TestStatusNamesAndDOS(t *testing.T) {
	tests := []struct {
		s       NTStatus
		name    string
		dos     DOSError
		wireDOS uint32
		isError bool
	}{
		{StatusSuccess, "STATUS_SUCCESS", DOSError{0, 0}, 0, false},
		{StatusObjectNameNotFound, "STATUS_OBJECT_NAME_NOT_FOUND", DOSError{ErrClassDOS, 2}, 0x00020001, true},
		{StatusObjectPathNotFound, "STATUS_OBJECT_PATH_NOT_FOUND", DOSError{ErrClassDOS, 3}, 0x00030001, true},
		{StatusLogonFailure, "STATUS_LOGON_FAILURE", DOSError{ErrClassServer, 2}, 0x00020002, true},
		{StatusDiskFull, "STATUS_DISK_FULL", DOSError{ErrClassHardware, 39}, 0x00270003, true},
		{StatusNoMoreFiles, "STATUS_NO_MORE_FILES", DOSError{ErrClassDOS, 18}, 0x00120001, false},
		// Not in the table: ERRHRD/ERRgeneral, as Samba's ntstatus_to_dos.
		{NTStatus(0xC0FFEE01), "NTSTATUS 0xc0ffee01", DOSError{ErrClassHardware, 31}, 0x001F0003, true},
	}
	for _, tt := range tests {
		if got := tt.s.Error(); got != tt.name {
			t.Errorf("%#x.Error() = %q, want %q", uint32(tt.s), got, tt.name)
		}
		if got := tt.s.DOS(); got != tt.dos {
			t.Errorf("%s.DOS() = %+v, want %+v", tt.name, got, tt.dos)
		}
		if got := tt.s.Wire(false); got != tt.wireDOS {
			t.Errorf("%s.Wire(false) = %#08x, want %#08x", tt.name, got, tt.wireDOS)
		}
		if got := tt.s.Wire(true); got != uint32(tt.s) {
			t.Errorf("%s.Wire(true) = %#08x, want the status itself", tt.name, got)
		}
		if got := tt.s.IsError(); got != tt.isError {
			t.Errorf("%s.IsError() = %v, want %v", tt.name, got, tt.isError)
		}
	}
}

// TestStatusTableGenerated keeps status_table.go in step with status.txt:
// every generated constant has a name and a DOS mapping.
func TestStatusTableGenerated(t *testing.T) {
	if len(statusNames) != len(statusDOSErrors) {
		t.Fatalf("%d names but %d DOS mappings: run go generate ./smb", len(statusNames), len(statusDOSErrors))
	}
	for s := range statusNames {
		if _, ok := statusDOSErrors[s]; !ok {
			t.Errorf("%s has no DOS mapping", s)
		}
	}
}

func TestDOSOnly(t *testing.T) {
	for _, s := range []NTStatus{StatusInvalidSMB, StatusSMBBadTID, StatusSMBBadFID, StatusSMBBadCommand, StatusSMBBadUID, StatusOS2InvalidLevel} {
		if !s.DOSOnly() {
			t.Errorf("%s.DOSOnly() = false", s)
		}
	}
	for _, s := range []NTStatus{StatusSuccess, StatusPending, StatusNoMoreFiles, StatusBufferOverflow, StatusAccessDenied, StatusObjectNameExists} {
		if s.DOSOnly() {
			t.Errorf("%s.DOSOnly() = true", s)
		}
	}
	var r Response
	req := make([]byte, HeaderLen)
	copy(req, ProtocolSMB1[:])
	r.Begin(nil, Header(req), Flags2NTStatus|Flags2Unicode)
	r.Empty(ComClose)
	r.SetStatus(StatusSMBBadUID)
	h := r.Header()
	if h.Flags2()&Flags2NTStatus != 0 || h.Status() != 0x005B0002 {
		t.Errorf("flags2 %#04x status %#08x: want NT_STATUS cleared and ERRSRV/ERRbaduid", h.Flags2(), h.Status())
	}
}
