package smb

import (
	"errors"
	"testing"
)

func TestParseQueryInformationRequest(t *testing.T) {
	q, err := ParseQueryInformationRequest(cmdFirst(t, cmdGolden(t, "queryinformation_req")), false)
	if err != nil || string(q.FileName()) != `\f.txt` {
		t.Fatalf("FileName = %q, err %v", q.FileName(), err)
	}
	uni := cmdMsg(ComQueryInformation, cmdUni, nil, append([]byte{4}, cmdU16("\\f\x00")...))
	q, err = ParseQueryInformationRequest(cmdFirst(t, uni), true)
	if err != nil || cmdStr(q.FileName(), true) != `\f` {
		t.Fatalf("FileName = %q, err %v", q.FileName(), err)
	}
	if _, err := ParseQueryInformationRequest(cmdFirst(t, cmdMsg(ComQueryInformation, 0, nil, nil)), false); !errors.Is(err, errBufferFormat) {
		t.Fatalf("err = %v, want errBufferFormat", err)
	}
	if _, err := ParseQueryInformationRequest(cmdFirst(t, cmdMsg(ComQueryInformation, 0, cmdHex("0000"), []byte("\x04a"))), false); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
}

func TestQueryInformationResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "queryinformation_resp")
	r := cmdReply(gold)
	QueryInformationResponse{FileAttributes: 0x20, LastWriteTime: 0x6b078899, FileSize: 12}.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	b := cmdParseBack(t, r.Bytes(), 10, 0)
	if rd32(b.Words, 6) != 12 {
		t.Errorf("FileSize parsed back = %d", rd32(b.Words, 6))
	}
}
