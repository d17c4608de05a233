package smb

import "testing"

// TestTruncateDropsAndXBlock is the regression test for a panic smbtorture's
// raw.open found: READ_ANDX on a write-only FID began its AndX response,
// failed, truncated it away, and the error reply (Empty) then linked from
// the block that no longer existed.
func TestTruncateDropsAndXBlock(t *testing.T) {
	h := Header(cmdMsg(ComReadAndX, cmdOEM, nil, nil)[:HeaderLen])

	var r Response
	r.Begin(nil, h, cmdOEM)
	start := r.Pos()
	BeginReadAndXResponse(&r, 0xFFFF, 16)
	r.Truncate(start)
	r.Empty(ComReadAndX)
	b := cmdParseBack(t, r.Bytes(), 0, 0)
	if b.Offset != start {
		t.Errorf("error block at %d, want %d", b.Offset, start)
	}

	// In a chain, the predecessor's link must lead to the error block.
	r = Response{}
	r.Begin(nil, Header(cmdMsg(ComOpenAndX, cmdOEM, nil, nil)[:HeaderLen]), cmdOEM)
	OpenAndXResponse{FID: 1}.Encode(&r)
	start = r.Pos()
	BeginReadAndXResponse(&r, 0xFFFF, 16)
	r.Truncate(start)
	r.Empty(ComReadAndX)
	m, err := ParseMessage(r.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	next, off := m.First.AndX()
	if next != ComReadAndX || int(off) != start || len(r.Bytes()) != start+3 {
		t.Errorf("OPEN_ANDX links to %#x at %d; error block at %d, message %d bytes", next, off, start, len(r.Bytes()))
	}
}
