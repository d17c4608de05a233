package smb

import (
	"errors"
	"testing"
)

func TestParseEchoRequest(t *testing.T) {
	e, err := ParseEchoRequest(cmdFirst(t, cmdGolden(t, "echo_req")))
	if err != nil {
		t.Fatal(err)
	}
	if e.EchoCount() != 1 || string(e.Data()) != "hi" {
		t.Errorf("EchoCount, Data = %d, %q", e.EchoCount(), e.Data())
	}
	if _, err := ParseEchoRequest(cmdFirst(t, cmdMsg(ComEcho, 0, nil, []byte("x")))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
}

func TestEchoResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "echo_resp")
	r := cmdReply(gold)
	EncodeEchoResponse(r, 1, []byte("hi"))
	cmdSame(t, r.Bytes(), gold)
	b := cmdParseBack(t, r.Bytes(), 1, 2)
	if b.Word(0) != 1 {
		t.Errorf("SequenceNumber = %d", b.Word(0))
	}
}
