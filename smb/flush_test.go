package smb

import (
	"errors"
	"testing"
)

func TestParseFlushRequest(t *testing.T) {
	f, err := ParseFlushRequest(cmdFirst(t, cmdGolden(t, "flush_req")))
	if err != nil || f.FID() != 0x8e18 {
		t.Fatalf("FID = %#x, err %v", f.FID(), err)
	}
	f, err = ParseFlushRequest(cmdFirst(t, cmdMsg(ComFlush, 0, cmdHex("ffff"), nil)))
	if err != nil || f.FID() != FlushAllFIDs {
		t.Fatalf("FID = %#x, err %v", f.FID(), err)
	}
	if _, err := ParseFlushRequest(cmdFirst(t, cmdMsg(ComFlush, 0, nil, nil))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
	gold := cmdGolden(t, "close_resp")
	r := cmdReply(gold)
	EncodeEmptyResponse(r, ComClose)
	cmdSame(t, r.Bytes(), gold)
}
