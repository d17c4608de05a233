package smb

import (
	"errors"
	"testing"
)

func TestParseCloseRequest(t *testing.T) {
	tests := []struct {
		name  string
		msg   []byte
		fid   uint16
		mtime uint32
		err   error
	}{
		{name: "smbclient", msg: cmdGolden(t, "close_req"), fid: 0x08b5, mtime: 0xFFFFFFFF},
		{name: "with time", msg: cmdMsg(ComClose, 0, cmdHex("0200 78563412"), nil), fid: 2, mtime: 0x12345678},
		{name: "WordCount 2", msg: cmdMsg(ComClose, 0, cmdHex("0200 7856"), nil), err: errWords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCloseRequest(cmdFirst(t, tt.msg))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && (c.FID() != tt.fid || c.LastTimeModified() != tt.mtime) {
				t.Errorf("FID, LastTimeModified = %#x, %#x", c.FID(), c.LastTimeModified())
			}
		})
	}
}

func TestParseClosePrintFileRequest(t *testing.T) {
	c, err := ParseClosePrintFileRequest(cmdFirst(t, cmdMsg(ComClosePrintFile, 0, cmdHex("0140"), nil)))
	if err != nil || c.FID() != 0x4001 {
		t.Fatalf("FID = %#x, err %v", c.FID(), err)
	}
	if _, err := ParseClosePrintFileRequest(cmdFirst(t, cmdMsg(ComClosePrintFile, 0, nil, nil))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
}
