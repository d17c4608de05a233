package smb

import (
	"errors"
	"testing"
)

func TestParseLogoffRequest(t *testing.T) {
	if err := ParseLogoffRequest(cmdFirst(t, cmdGolden(t, "logoff_req"))); err != nil {
		t.Fatal(err)
	}
	if err := ParseLogoffRequest(cmdFirst(t, cmdMsg(ComLogoffAndX, 0, nil, nil))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
}

func TestEncodeEmptyResponse(t *testing.T) {
	gold := cmdGolden(t, "logoff_resp")
	r := cmdReply(gold)
	EncodeEmptyResponse(r, ComLogoffAndX)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 2, 0)

	gold = cmdGolden(t, "close_resp")
	r = cmdReply(gold)
	EncodeEmptyResponse(r, ComClose)
	cmdSame(t, r.Bytes(), gold)
}

// TestEmptyResponseInChain checks that an AndX response followed by a
// no-field one links the follower.
func TestEmptyResponseInChain(t *testing.T) {
	req := cmdMsg(ComLogoffAndX, 0, cmdHex("ff000000"), nil)
	var r Response
	r.Begin(nil, Header(req[:HeaderLen]), 0)
	EncodeEmptyResponse(&r, ComLogoffAndX)
	EncodeEmptyResponse(&r, ComSessionSetupAndX)
	m, err := ParseMessage(r.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var cmds []uint8
	for c := m.Chain(); c.Next(); {
		cmds = append(cmds, c.Block().Command)
	}
	if len(cmds) != 2 || cmds[1] != ComSessionSetupAndX {
		t.Fatalf("chain = %x", cmds)
	}
}
