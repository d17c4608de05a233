package smb

import (
	"errors"
	"testing"
)

func TestParseSetInformationRequest(t *testing.T) {
	s, err := ParseSetInformationRequest(cmdFirst(t, cmdGolden(t, "setinformation_req")), false)
	if err != nil {
		t.Fatal(err)
	}
	if s.FileAttributes() != 0x20 || s.LastWriteTime() != 0 || string(s.FileName()) != `\f.txt` {
		t.Errorf("got %#x %#x %q", s.FileAttributes(), s.LastWriteTime(), s.FileName())
	}
	msg := cmdMsg(ComSetInformation, cmdUni, cmdHex("0100 78563412 00000000000000000000"), append([]byte{4}, cmdU16("\\g\x00")...))
	s, err = ParseSetInformationRequest(cmdFirst(t, msg), true)
	if err != nil || s.FileAttributes() != 1 || s.LastWriteTime() != 0x12345678 || cmdStr(s.FileName(), true) != `\g` {
		t.Fatalf("got %#x %#x %q, err %v", s.FileAttributes(), s.LastWriteTime(), s.FileName(), err)
	}
	if _, err := ParseSetInformationRequest(cmdFirst(t, cmdMsg(ComSetInformation, 0, make([]byte, 14), []byte("\x04a\x00"))), false); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
}
