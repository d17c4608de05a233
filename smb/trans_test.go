package smb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// trFindFirst2Hex is a TRANS2 FIND_FIRST2 request laid out as smbclient sends
// one: Unicode, "\*", level SMB_FIND_FILE_BOTH_DIRECTORY_INFO, flags
// CLOSE_AT_EOS|RETURN_RESUME_KEYS, parameters at offset 68.
const trFindFirst2Hex = `
ff534d42 32 00000000 18 07c8 0000 0000000000000000 0000 0100 2a00 6400 0500
0f
1200 0000 0a00 0040 00 00 0000 00000000 0000
1200 4400 0000 5600 01 00 0100
1500
000000
1600 5605 0600 0401 00000000 5c002a00 0000`

func TestParseTransRequestFindFirst2(t *testing.T) {
	msg := trHex(trFindFirst2Hex)
	m, err := ParseMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseTransRequest(m.First)
	if err != nil {
		t.Fatal(err)
	}
	if req.Command != ComTransaction2 || !req.Unicode {
		t.Errorf("command %#x unicode %v", req.Command, req.Unicode)
	}
	if req.TotalParameterCount != 18 || req.TotalDataCount != 0 ||
		req.MaxParameterCount != 10 || req.MaxDataCount != 0x4000 {
		t.Errorf("counts %+v", req)
	}
	if req.SetupCount() != 1 || req.Subcommand() != Trans2FindFirst2 || req.SetupWord(1) != 0 {
		t.Errorf("setup %x", req.Setup)
	}
	if !req.Complete() || len(req.Params) != 18 || len(req.Data) != 0 {
		t.Fatalf("params %x data %x", req.Params, req.Data)
	}
	if &req.Params[0] != &msg[68] {
		t.Error("Params does not alias the message")
	}
	p, err := ParseFindFirst2Params(req.Params, req.Unicode)
	if err != nil {
		t.Fatal(err)
	}
	if p.SearchAttributes() != 0x16 || p.SearchCount() != 1366 ||
		p.Flags() != FindCloseAtEOS|FindReturnResumeKeys ||
		p.InformationLevel() != LevelFindFileBothDirectoryInfo || p.SearchStorageType() != 0 {
		t.Errorf("params %x", req.Params)
	}
	if got := string(DecodeString(nil, p.FileName(), true)); got != `\*` {
		t.Errorf("FileName %q", got)
	}
}

func TestParseTransRequest(t *testing.T) {
	params := trPattern(10, 1)
	data := trPattern(7, 2)
	tests := []struct {
		name string
		spec trPrimarySpec
		edit func(msg []byte)
		want error
	}{
		{name: "trans2", spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{Trans2QueryPathInformation}, params: params, data: data, totalP: -1, totalD: -1}},
		{name: "trans2 partial", spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{8}, params: params, data: data, totalP: 100, totalD: 200}},
		{name: "nt", spec: trPrimarySpec{cmd: ComNTTransact, setup: []uint16{1, 2}, params: params, data: data, totalP: -1, totalD: -1, function: NTTransactNotifyChange}},
		{name: "trans pipe", spec: trPrimarySpec{cmd: ComTransaction, unicode: true, name: `\PIPE\`, setup: []uint16{0x26, 0x4000}, params: nil, data: data, totalP: -1, totalD: -1}},
		{name: "trans oem", spec: trPrimarySpec{cmd: ComTransaction, name: `\PIPE\LANMAN`, params: params, totalP: -1, totalD: -1}},
		{name: "trans2 no setup", spec: trPrimarySpec{cmd: ComTransaction2, params: params, totalP: -1, totalD: -1}, want: errTransSetup},
		{name: "param count over total", spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{1}, params: params, totalP: 9, totalD: 0}, want: errTransCount},
		{name: "data count over total", spec: trPrimarySpec{cmd: ComNTTransact, params: params, data: data, totalP: -1, totalD: 6}, want: errTransCount},
		{
			name: "param offset into header",
			spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{1}, params: params, totalP: -1, totalD: -1},
			edit: func(m []byte) { binary.LittleEndian.PutUint16(m[HeaderLen+1+20:], 4) },
			want: errTransOffset,
		},
		{
			name: "param offset into words",
			spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{1}, params: params, totalP: -1, totalD: -1},
			edit: func(m []byte) { binary.LittleEndian.PutUint16(m[HeaderLen+1+20:], HeaderLen+3) },
			want: errTransOffset,
		},
		{
			name: "data past end",
			spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{1}, params: params, data: data, totalP: -1, totalD: -1},
			edit: func(m []byte) { binary.LittleEndian.PutUint16(m[HeaderLen+1+24:], uint16(len(m)-6)) },
			want: errTransOffset,
		},
		{
			name: "nt offset wraps",
			spec: trPrimarySpec{cmd: ComNTTransact, params: params, totalP: -1, totalD: -1},
			edit: func(m []byte) { binary.LittleEndian.PutUint32(m[HeaderLen+1+23:], 0xFFFFFFF8) },
			want: errTransOffset,
		},
		{
			name: "setup count past words",
			spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{1}, params: params, totalP: -1, totalD: -1},
			edit: func(m []byte) { m[HeaderLen+1+26] = 2 },
			want: errTransWords,
		},
		{
			name: "zero count ignores offset",
			spec: trPrimarySpec{cmd: ComTransaction2, setup: []uint16{1}, params: params, totalP: -1, totalD: -1},
			edit: func(m []byte) { binary.LittleEndian.PutUint16(m[HeaderLen+1+24:], 0xFFFF) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := trPrimary(tc.spec)
			if tc.edit != nil {
				tc.edit(msg)
			}
			req, err := ParseTransRequest(trBlock(msg))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if err != nil {
				if !IsMalformed(err) {
					t.Errorf("%v is not ErrMalformed", err)
				}
				return
			}
			s := tc.spec
			if !bytes.Equal(req.Params, s.params) || !bytes.Equal(req.Data, s.data) {
				t.Errorf("params %x data %x", req.Params, req.Data)
			}
			if req.SetupCount() != len(s.setup) {
				t.Errorf("setup %x", req.Setup)
			}
			for i, v := range s.setup {
				if req.SetupWord(i) != v {
					t.Errorf("setup[%d] %#x", i, req.SetupWord(i))
				}
			}
			if req.Function != s.function {
				t.Errorf("function %d", req.Function)
			}
			if got := string(DecodeString(nil, req.Name, req.Unicode)); got != s.name {
				t.Errorf("name %q", got)
			}
			wantComplete := s.totalP < 0 || (s.totalP == len(s.params) && s.totalD == len(s.data))
			if req.Complete() != wantComplete {
				t.Errorf("Complete %v", req.Complete())
			}
		})
	}
}

func TestParseTransRequestShort(t *testing.T) {
	for _, cmd := range []uint8{ComTransaction, ComTransaction2, ComNTTransact} {
		msg := trHeader(cmd, false)
		msg = append(msg, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		if _, err := ParseTransRequest(trBlock(msg)); !errors.Is(err, errTransWords) {
			t.Errorf("%s: %v", CommandName(cmd), err)
		}
	}
	// A message cut inside its parameters, ByteCount adjusted.
	cut := trHex(trFindFirst2Hex)[:0x44+4]
	binary.LittleEndian.PutUint16(cut[63:], 7)
	if _, err := ParseTransRequest(trBlock(cut)); !errors.Is(err, errTransOffset) {
		t.Errorf("truncated: %v", err)
	}
	msg := trHeader(ComEcho, false)
	msg = append(msg, 0, 0, 0)
	if _, err := ParseTransRequest(trBlock(msg)); !errors.Is(err, errTransCommand) {
		t.Errorf("echo: %v", err)
	}
	if _, err := ParseTransSecondary(trBlock(msg)); !errors.Is(err, errTransCommand) {
		t.Errorf("echo: %v", err)
	}
}

func TestParseTransSecondary(t *testing.T) {
	p, d := trPattern(5, 3), trPattern(9, 4)
	for _, cmd := range []uint8{ComTransactionSecondary, ComTransaction2Secondary, ComNTTransactSecondary} {
		msg := trSecondary(trSecondarySpec{cmd: cmd, params: p, data: d, pdisp: 11, ddisp: 22, totalP: 100, totalD: 200, fid: 0x4001})
		s, err := ParseTransSecondary(trBlock(msg))
		if err != nil {
			t.Fatalf("%s: %v", CommandName(cmd), err)
		}
		if s.Command != cmd || s.TotalParameterCount != 100 || s.TotalDataCount != 200 ||
			s.ParameterDisplacement != 11 || s.DataDisplacement != 22 ||
			!bytes.Equal(s.Params, p) || !bytes.Equal(s.Data, d) {
			t.Errorf("%s: %+v", CommandName(cmd), s)
		}
		wantFID := uint16(0)
		if cmd == ComTransaction2Secondary {
			wantFID = 0x4001
		}
		if s.FID != wantFID {
			t.Errorf("%s: FID %#x", CommandName(cmd), s.FID)
		}
		// Truncating the words must fail cleanly.
		short := bytes.Clone(msg[:HeaderLen])
		short = append(short, 7)
		short = append(short, make([]byte, 16)...)
		if _, err := ParseTransSecondary(trBlock(short)); !errors.Is(err, errTransWords) {
			t.Errorf("%s short: %v", CommandName(cmd), err)
		}
	}
	// TRANSACTION2_SECONDARY without its FID word, as some clients send it.
	msg := trSecondary(trSecondarySpec{cmd: ComTransactionSecondary, params: p, totalP: 5})
	msg[4] = ComTransaction2Secondary
	s, err := ParseTransSecondary(trBlock(msg))
	if err != nil || s.FID != 0 || !bytes.Equal(s.Params, p) {
		t.Errorf("8-word trans2 secondary: %+v %v", s, err)
	}
	// A secondary's fragment may not point outside its data block.
	msg = trSecondary(trSecondarySpec{cmd: ComTransaction2Secondary, params: p, totalP: 5})
	binary.LittleEndian.PutUint16(msg[HeaderLen+1+6:], 0)
	if _, err := ParseTransSecondary(trBlock(msg)); !errors.Is(err, errTransOffset) {
		t.Errorf("offset 0: %v", err)
	}
}

func TestTransPrimary(t *testing.T) {
	for sec, prim := range map[uint8]uint8{
		ComTransactionSecondary:  ComTransaction,
		ComTransaction2Secondary: ComTransaction2,
		ComNTTransactSecondary:   ComNTTransact,
		ComTransaction2:          0,
	} {
		if got := TransPrimary(sec); got != prim {
			t.Errorf("TransPrimary(%#x) = %#x", sec, got)
		}
	}
}

// trFrag is one secondary fragment for the reassembly tests.
type trFrag struct {
	pd, pc, dd, dc int
	totalP, totalD int // 0: keep the primary's totals
}

// trReassemble starts a TRANS2 with the first pc0/dc0 bytes and adds frags,
// returning the Reassembly and the first error.
func trReassemble(t *testing.T, cmd uint8, totalP, totalD, pc0, dc0 int, frags []trFrag) (*Reassembly, bool, error) {
	t.Helper()
	// Slack past the totals lets a test send a fragment that overruns them.
	params, data := trPattern(totalP+64, 1), trPattern(totalD+64, 2)
	var setup []uint16
	if cmd == ComTransaction2 {
		setup = []uint16{Trans2SetFileInformation}
	}
	req, err := ParseTransRequest(trBlock(trPrimary(trPrimarySpec{
		cmd: cmd, setup: setup, params: params[:pc0], data: data[:dc0], totalP: totalP, totalD: totalD,
	})))
	if err != nil {
		t.Fatal(err)
	}
	var r Reassembly
	done, err := r.Start(req, 1<<20)
	if err != nil {
		return &r, done, err
	}
	sec := map[uint8]uint8{ComTransaction: ComTransactionSecondary, ComTransaction2: ComTransaction2Secondary, ComNTTransact: ComNTTransactSecondary}[cmd]
	for _, f := range frags {
		tp, td := totalP, totalD
		if f.totalP != 0 || f.totalD != 0 {
			tp, td = f.totalP, f.totalD
		}
		s, err := ParseTransSecondary(trBlock(trSecondary(trSecondarySpec{
			cmd: sec, params: params[f.pd : f.pd+f.pc], data: data[f.dd : f.dd+f.dc],
			pdisp: f.pd, ddisp: f.dd, totalP: tp, totalD: td,
		})))
		if err != nil {
			t.Fatal(err)
		}
		if done, err = r.Add(s); err != nil {
			return &r, done, err
		}
	}
	return &r, done, nil
}

func TestReassembly(t *testing.T) {
	tests := []struct {
		name           string
		cmd            uint8
		totalP, totalD int
		pc0, dc0       int
		frags          []trFrag
		want           error
		done           bool
		wantP, wantD   int // sizes after shrinking; 0: totals
	}{
		{name: "in order", cmd: ComTransaction2, totalP: 30, totalD: 100, pc0: 30, dc0: 10,
			frags: []trFrag{{dd: 10, dc: 40}, {dd: 50, dc: 50}}, done: true},
		{name: "params split", cmd: ComTransaction, totalP: 30, totalD: 10, pc0: 5, dc0: 0,
			frags: []trFrag{{pd: 5, pc: 25, dd: 0, dc: 10}}, done: true},
		{name: "out of order", cmd: ComNTTransact, totalP: 20, totalD: 100, pc0: 0, dc0: 10,
			frags: []trFrag{{dd: 70, dc: 30}, {pd: 10, pc: 10, dd: 30, dc: 20}, {pd: 0, pc: 10, dd: 10, dc: 20}, {dd: 50, dc: 20}}, done: true},
		{name: "not yet", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 50, dc: 50}}, done: false},
		{name: "shrinking totals", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 10, dc: 30, totalP: 10, totalD: 60}, {dd: 40, dc: 20, totalP: 10, totalD: 60}}, done: true, wantD: 60},
		{name: "shrink to complete", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 40,
			frags: []trFrag{{totalP: 10, totalD: 40}}, done: true, wantD: 40},
		{name: "growing totals", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 10, dc: 10, totalP: 10, totalD: 101}}, want: errTransGrow},
		{name: "shrink below received", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 80, dc: 20}, {dd: 10, dc: 10, totalP: 10, totalD: 90}}, want: errTransShrink},
		{name: "displacement overflow", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 90, dc: 20, totalP: 10, totalD: 110}}, want: errTransGrow},
		{name: "displacement past total", cmd: ComNTTransact, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 95, dc: 10, totalP: 10, totalD: 100}}, want: errTransDisp},
		{name: "duplicate fragment", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 10, dc: 45}, {dd: 10, dc: 45}}, want: errTransOverlap},
		{name: "duplicate primary bytes", cmd: ComTransaction2, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 0, dc: 10}}, want: errTransOverlap},
		{name: "partial overlap", cmd: ComNTTransact, totalP: 10, totalD: 100, pc0: 10, dc0: 10,
			frags: []trFrag{{dd: 50, dc: 20}, {dd: 40, dc: 11}}, want: errTransOverlap},
		{name: "params overlap", cmd: ComTransaction, totalP: 40, totalD: 0, pc0: 10, dc0: 0,
			frags: []trFrag{{pd: 20, pc: 10}, {pd: 29, pc: 11}}, want: errTransOverlap},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, done, err := trReassemble(t, tc.cmd, tc.totalP, tc.totalD, tc.pc0, tc.dc0, tc.frags)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if err != nil {
				if r.Pending() {
					t.Error("transaction still pending after an error")
				}
				return
			}
			if done != tc.done || r.Complete() != tc.done {
				t.Fatalf("done %v Complete %v, want %v", done, r.Complete(), tc.done)
			}
			if !done {
				return
			}
			wp, wd := tc.totalP, tc.totalD
			if tc.wantP != 0 {
				wp = tc.wantP
			}
			if tc.wantD != 0 {
				wd = tc.wantD
			}
			req := r.Request()
			if req.Command != tc.cmd || !req.Complete() {
				t.Errorf("request %+v", req)
			}
			if !bytes.Equal(req.Params, trPattern(tc.totalP, 1)[:wp]) || !bytes.Equal(req.Data, trPattern(tc.totalD, 2)[:wd]) {
				t.Errorf("reassembled params %x\ndata %x", req.Params, req.Data)
			}
			if tc.cmd == ComTransaction2 && req.Subcommand() != Trans2SetFileInformation {
				t.Errorf("subcommand %d", req.Subcommand())
			}
		})
	}
}

func TestReassemblyRules(t *testing.T) {
	var r Reassembly
	s := TransSecondary{Command: ComTransaction2Secondary, TotalParameterCount: 4, Params: []byte{1, 2, 3, 4}}
	if _, err := r.Add(s); !errors.Is(err, errTransNoPrimary) {
		t.Errorf("no primary: %v", err)
	}
	req := TransRequest{Command: ComTransaction2, TotalParameterCount: 8, Params: []byte{9, 9, 9, 9}, Setup: []byte{1, 0}}
	if _, err := r.Start(req, 100); err != nil {
		t.Fatal(err)
	}
	s.Command = ComNTTransactSecondary
	s.TotalParameterCount = 8
	if _, err := r.Add(s); !errors.Is(err, errTransMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	if r.Pending() {
		t.Error("pending after mismatch")
	}
	if _, err := r.Start(TransRequest{Command: ComTransaction2, TotalParameterCount: 60, TotalDataCount: 41}, 100); !errors.Is(err, errTransTooLarge) {
		t.Errorf("limit: %v", err)
	}
	if _, err := r.Start(TransRequest{Command: ComTransaction2Secondary}, 100); !errors.Is(err, errTransCommand) {
		t.Errorf("secondary as primary: %v", err)
	}
	if _, err := r.Start(TransRequest{Command: ComTransaction2, TotalParameterCount: 1, Params: []byte{1, 2}}, 100); !errors.Is(err, errTransCount) {
		t.Errorf("fragment over total: %v", err)
	}
	// A complete primary is complete at once.
	done, err := r.Start(TransRequest{Command: ComTransaction, TotalDataCount: 2, Data: []byte{5, 6}, Name: []byte("x")}, 100)
	if err != nil || !done {
		t.Fatalf("complete primary: %v %v", done, err)
	}
	if got := r.Request(); string(got.Name) != "x" || !bytes.Equal(got.Data, []byte{5, 6}) {
		t.Errorf("request %+v", got)
	}
}

// Scattered one-byte fragments beyond maxTransPieces are refused, so a
// client cannot make each fragment cost more than a constant.
func TestReassemblyTooManyPieces(t *testing.T) {
	var r Reassembly
	if _, err := r.Start(TransRequest{Command: ComTransaction2, TotalDataCount: 1000}, 1000); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 2*maxTransPieces && err == nil; i++ {
		_, err = r.Add(TransSecondary{Command: ComTransaction2Secondary, TotalDataCount: 1000, DataDisplacement: uint32(10 * i), Data: []byte{1}})
	}
	if !errors.Is(err, errTransFragments) {
		t.Fatalf("err %v", err)
	}
}

// Adjacent fragments merge, so in-order transfers of any length keep one
// piece.
func TestReassemblyManyInOrder(t *testing.T) {
	var r Reassembly
	const n = 1000
	if _, err := r.Start(TransRequest{Command: ComNTTransact, TotalDataCount: n}, n); err != nil {
		t.Fatal(err)
	}
	var done bool
	for i := n - 1; i >= 0; i-- { // backwards, which merges on the other side
		var err error
		done, err = r.Add(TransSecondary{Command: ComNTTransactSecondary, TotalDataCount: n, DataDisplacement: uint32(i), Data: []byte{byte(i)}})
		if err != nil {
			t.Fatal(i, err)
		}
	}
	if !done || r.dspans.n != 1 {
		t.Fatalf("done %v trPieces %d", done, r.dspans.n)
	}
	for i, b := range r.Request().Data {
		if b != byte(i) {
			t.Fatalf("byte %d = %d", i, b)
		}
	}
}

func TestReassemblyNoAllocs(t *testing.T) {
	params, data := trPattern(40, 1), trPattern(3000, 2)
	primary := trPrimary(trPrimarySpec{cmd: ComTransaction2, setup: []uint16{Trans2SetPathInformation}, params: params, data: data[:1000], totalP: -1, totalD: len(data)})
	sec1 := trSecondary(trSecondarySpec{cmd: ComTransaction2Secondary, data: data[2000:], ddisp: 2000, totalP: len(params), totalD: len(data)})
	sec2 := trSecondary(trSecondarySpec{cmd: ComTransaction2Secondary, data: data[1000:2000], ddisp: 1000, totalP: len(params), totalD: len(data)})
	var r Reassembly
	run := func() {
		req, err := ParseTransRequest(trBlock(primary))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Start(req, 1<<16); err != nil {
			t.Fatal(err)
		}
		for _, m := range [][]byte{sec1, sec2} {
			s, err := ParseTransSecondary(trBlock(m))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Add(s); err != nil {
				t.Fatal(err)
			}
		}
		if !r.Complete() {
			t.Fatal("not complete")
		}
	}
	run()
	if !bytes.Equal(r.Request().Data, data) || !bytes.Equal(r.Request().Params, params) {
		t.Fatal("reassembled bytes differ")
	}
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("steady-state reassembly allocates %v times", n)
	}
}

func TestParseFindFirst2NoAllocs(t *testing.T) {
	msg := trHex(trFindFirst2Hex)
	n := testing.AllocsPerRun(100, func() {
		m, err := ParseMessage(msg)
		if err != nil {
			t.Fatal(err)
		}
		req, err := ParseTransRequest(m.First)
		if err != nil || !req.Complete() {
			t.Fatal(err)
		}
		p, err := ParseFindFirst2Params(req.Params, req.Unicode)
		if err != nil || p.InformationLevel() != LevelFindFileBothDirectoryInfo {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("parsing FIND_FIRST2 allocates %v times", n)
	}
}

// trRespond begins a response to a request header and appends one
// transaction response message.
func trRespond(cmd uint8, setup []uint16, params, data []byte, pd, dd, tp, td int) []byte {
	var r Response
	req := Header(trHeader(cmd, true))
	r.Begin(make([]byte, 4, 256), req, Flags2Unicode|Flags2NTStatus|Flags2LongNames)
	AppendTransResponse(&r, cmd, setup, params, data, pd, dd, tp, td)
	return r.Bytes()[4:]
}

func TestAppendTrans2Response(t *testing.T) {
	params := []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a}
	data := []byte{0xd0, 0xd1, 0xd2}
	msg := trRespond(ComTransaction2, nil, params, data, 0, 0, 10, 3)
	want := trHex(`
ff534d42 32 00000000 98 01c0 0000 0000000000000000 0000 0100 2a00 6400 0500
0a
0a00 0300 0000 0a00 3800 0000 0300 4400 0000 00 00
10 00
00 0102030405060708090a 0000 d0d1d2`)
	if !bytes.Equal(msg, want) {
		t.Fatalf("got\n%x\nwant\n%x", msg, want)
	}
	trCheckResponse(t, msg, ComTransaction2, params, data)
}

// A transaction answering the final secondary carries the primary's
// command; one following an AndX command leaves the header alone.
func TestAppendTransResponseCommand(t *testing.T) {
	var r Response
	r.Begin(nil, Header(trHeader(ComTransaction2Secondary, true)), Flags2Unicode)
	AppendTransResponse(&r, ComTransaction2, nil, nil, nil, 0, 0, 0, 0)
	if c := r.Header().Command(); c != ComTransaction2 {
		t.Errorf("command %#x", c)
	}
	r.Begin(nil, Header(trHeader(ComTreeConnectAndX, true)), Flags2Unicode)
	r.BeginWords(ComTreeConnectAndX)
	r.U16(0)
	r.BeginData()
	r.End()
	andx := r.Pos()
	AppendTransResponse(&r, ComTransaction, nil, []byte{1}, nil, 0, 0, 1, 0)
	msg := r.Bytes()
	if c := r.Header().Command(); c != ComTreeConnectAndX {
		t.Errorf("chained: command %#x", c)
	}
	if msg[HeaderLen+1] != ComTransaction || int(rd16(msg, HeaderLen+3)) != andx {
		t.Errorf("AndX link %x", msg[HeaderLen:HeaderLen+5])
	}
}

func TestAppendNTTransactResponse(t *testing.T) {
	params := []byte{1, 2, 3, 4, 5}
	data := []byte{9, 8, 7, 6, 5, 4, 3, 2}
	msg := trRespond(ComNTTransact, []uint16{0xBEEF}, params, data, 0, 0, 5, 8)
	want := trHex(`
ff534d42 a0 00000000 98 01c0 0000 0000000000000000 0000 0100 2a00 6400 0500
13
000000 05000000 08000000 05000000 4c000000 00000000 08000000 54000000 00000000 01 efbe
13 00
000000 0102030405 000000 0908070605040302`)
	if !bytes.Equal(msg, want) {
		t.Fatalf("got\n%x\nwant\n%x", msg, want)
	}
	trCheckResponse(t, msg, ComNTTransact, params, data)
}

// trCheckResponse parses a response message back and checks its
// offsets: 4-aligned and pointing at params and data.
func trCheckResponse(t *testing.T, msg []byte, cmd uint8, params, data []byte) {
	t.Helper()
	m, err := ParseMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	w := m.First.Words
	var pc, po, dc, do int
	if cmd == ComNTTransact {
		pc, po = int(binary.LittleEndian.Uint32(w[11:])), int(binary.LittleEndian.Uint32(w[15:]))
		dc, do = int(binary.LittleEndian.Uint32(w[23:])), int(binary.LittleEndian.Uint32(w[27:]))
	} else {
		pc, po, dc, do = int(rd16(w, 6)), int(rd16(w, 8)), int(rd16(w, 12)), int(rd16(w, 14))
	}
	if po%4 != 0 || (dc > 0 && do%4 != 0) {
		t.Errorf("offsets %d %d not 4-aligned", po, do)
	}
	end := m.First.DataOffset() + len(m.First.Data)
	if po+pc > end || do+dc > end || po < m.First.DataOffset() {
		t.Errorf("offsets outside the data block")
	}
	if !bytes.Equal(msg[po:po+pc], params) || !bytes.Equal(msg[do:do+dc], data) {
		t.Errorf("params %x data %x", msg[po:po+pc], msg[do:do+dc])
	}
}

// A response larger than the client's buffer goes out in several messages;
// trPut back together by displacement they give the original blocks, and none
// exceeds the buffer.
func TestTransResponseSplit(t *testing.T) {
	for _, cmd := range []uint8{ComTransaction, ComTransaction2, ComNTTransact} {
		for _, maxMsg := range []int{100, 101, 102, 103, 500, 4356} {
			params, data := trPattern(37, 5), trPattern(3001, 6)
			room := TransResponseRoom(cmd, 0, maxMsg)
			if room <= 0 {
				t.Fatalf("no room in %d", maxMsg)
			}
			gotP, gotD := make([]byte, len(params)), make([]byte, len(data))
			for pd, dd, n := 0, 0, 0; ; n++ {
				pc := min(len(params)-pd, room)
				dc := min(len(data)-dd, room-pc)
				msg := trRespond(cmd, nil, params[pd:pd+pc], data[dd:dd+dc], pd, dd, len(params), len(data))
				if len(msg) > maxMsg {
					t.Fatalf("%s max %d: message of %d bytes", CommandName(cmd), maxMsg, len(msg))
				}
				m, err := ParseMessage(msg)
				if err != nil {
					t.Fatal(err)
				}
				w := m.First.Words
				var po, pdisp, do, ddisp int
				if cmd == ComNTTransact {
					po, pdisp = int(binary.LittleEndian.Uint32(w[15:])), int(binary.LittleEndian.Uint32(w[19:]))
					do, ddisp = int(binary.LittleEndian.Uint32(w[27:])), int(binary.LittleEndian.Uint32(w[31:]))
				} else {
					po, pdisp, do, ddisp = int(rd16(w, 8)), int(rd16(w, 10)), int(rd16(w, 14)), int(rd16(w, 16))
				}
				copy(gotP[pdisp:], msg[po:po+pc])
				copy(gotD[ddisp:], msg[do:do+dc])
				pd, dd = pd+pc, dd+dc
				if pd == len(params) && dd == len(data) {
					break
				}
				if n > 1000 {
					t.Fatal("no progress")
				}
			}
			if !bytes.Equal(gotP, params) || !bytes.Equal(gotD, data) {
				t.Errorf("%s max %d: reassembled response differs", CommandName(cmd), maxMsg)
			}
		}
	}
	if TransResponseRoom(ComTransaction2, 0, 40) != 0 {
		t.Error("room in a 40-byte message")
	}
}

func TestAppendTransResponseNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	params, data := trPattern(10, 1), trPattern(200, 2)
	req := Header(trHeader(ComTransaction2, true))
	var r Response
	n := testing.AllocsPerRun(100, func() {
		r.Begin(buf[:4], req, Flags2Unicode)
		AppendTransResponse(&r, ComTransaction2, nil, params, data, 0, 0, len(params), len(data))
	})
	if n != 0 {
		t.Errorf("AppendTransResponse allocates %v times", n)
	}
}

func BenchmarkFindFirst2Parse(b *testing.B) {
	msg := trHex(trFindFirst2Hex)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		m, err := ParseMessage(msg)
		if err != nil {
			b.Fatal(err)
		}
		req, err := ParseTransRequest(m.First)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseFindFirst2Params(req.Params, req.Unicode); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReassembly(b *testing.B) {
	data := trPattern(60000, 2)
	primary := trPrimary(trPrimarySpec{cmd: ComTransaction2, setup: []uint16{Trans2SetPathInformation}, params: trPattern(20, 1), data: data[:16000], totalP: -1, totalD: len(data)})
	var secs [][]byte
	for off := 16000; off < len(data); off += 16000 {
		end := min(off+16000, len(data))
		secs = append(secs, trSecondary(trSecondarySpec{cmd: ComTransaction2Secondary, data: data[off:end], ddisp: off, totalP: 20, totalD: len(data)}))
	}
	var r Reassembly
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		req, _ := ParseTransRequest(trBlock(primary))
		if _, err := r.Start(req, 1<<17); err != nil {
			b.Fatal(err)
		}
		for _, m := range secs {
			s, _ := ParseTransSecondary(trBlock(m))
			if _, err := r.Add(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppendTransResponse(b *testing.B) {
	buf := make([]byte, 0, 8192)
	params, data := trPattern(10, 1), trPattern(4000, 2)
	req := Header(trHeader(ComTransaction2, true))
	var r Response
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r.Begin(buf[:4], req, Flags2Unicode)
		AppendTransResponse(&r, ComTransaction2, nil, params, data, 0, 0, len(params), len(data))
	}
}
