package smb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzTransRequest feeds arbitrary messages to the transaction parsers:
// they must refuse or return slices inside the message, never panic.
func FuzzTransRequest(f *testing.F) {
	f.Add(trHex(trFindFirst2Hex))
	f.Add(trPrimary(trPrimarySpec{cmd: ComTransaction, unicode: true, name: `\PIPE\`, setup: []uint16{0x26, 1}, data: trPattern(20, 1), totalP: -1, totalD: -1}))
	f.Add(trPrimary(trPrimarySpec{cmd: ComNTTransact, setup: []uint16{1, 2, 3}, params: trPattern(9, 2), data: trPattern(33, 3), totalP: 100, totalD: 100, function: NTTransactIOCTL}))
	f.Add(trSecondary(trSecondarySpec{cmd: ComTransaction2Secondary, params: trPattern(3, 1), data: trPattern(5, 1), pdisp: 1, ddisp: 2, totalP: 10, totalD: 10}))
	f.Add(trSecondary(trSecondarySpec{cmd: ComNTTransactSecondary, data: trPattern(5, 1), ddisp: 2, totalD: 10}))
	f.Add(trSecondary(trSecondarySpec{cmd: ComTransactionSecondary, params: trPattern(1, 1), totalP: 1}))
	f.Add(append(trHeader(ComFindClose2, false), 1, 2, 3, 0, 0))
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := ParseMessage(msg)
		if err != nil {
			return
		}
		b := m.First
		switch b.Command {
		case ComTransaction, ComTransaction2, ComNTTransact:
			req, err := ParseTransRequest(b)
			if err != nil {
				if !IsMalformed(err) {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
				return
			}
			if uint32(len(req.Params)) > req.TotalParameterCount || uint32(len(req.Data)) > req.TotalDataCount {
				t.Fatal("fragment larger than total")
			}
			if len(req.Setup)%2 != 0 || (req.Command == ComTransaction2 && req.SetupCount() < 1) {
				t.Fatalf("setup %x", req.Setup)
			}
			// Parameters and data never reach into the header or words.
			trInData(t, b, req.Params)
			trInData(t, b, req.Data)
			var r Reassembly
			if done, err := r.Start(req, 1<<20); err == nil && done != req.Complete() {
				t.Fatal("Start disagrees with Complete")
			}
		case ComTransactionSecondary, ComTransaction2Secondary, ComNTTransactSecondary:
			s, err := ParseTransSecondary(b)
			if err != nil {
				return
			}
			trInData(t, b, s.Params)
			trInData(t, b, s.Data)
		case ComFindClose2:
			if r, err := ParseFindClose2(b); err == nil {
				_ = r.SearchHandle()
			}
		}
	})
}

// trInData fails unless p is empty or lies in b's data block.
func trInData(t *testing.T, b Block, p []byte) {
	t.Helper()
	if len(p) == 0 {
		return
	}
	for off := b.DataOffset(); off+len(p) <= b.DataOffset()+len(b.Data); off++ {
		if &b.Msg[off] == &p[0] {
			return
		}
	}
	t.Fatal("slice outside the data block")
}

// trModel is the reference for Reassembly: one bool per byte.
type trModel struct {
	p, d []bool
}

func (m *trModel) maxEnd(c []bool) int {
	for i := len(c) - 1; i >= 0; i-- {
		if c[i] {
			return i + 1
		}
	}
	return 0
}

// trPieces is the number of runs in c with [lo, hi) set.
func trPieces(c []bool, lo, hi int) int {
	n, in := 0, false
	for i, v := range c {
		v = v || (i >= lo && i < hi)
		if v && !in {
			n++
		}
		in = v
	}
	return n
}

func trAnySet(c []bool, lo, hi int) bool {
	for _, v := range c[lo:hi] {
		if v {
			return true
		}
	}
	return false
}

func trCount(c []bool) int {
	n := 0
	for _, v := range c {
		if v {
			n++
		}
	}
	return n
}

// add predicts the error Reassembly.Add must return, and applies the
// fragment when there is none.
func (m *trModel) add(tp, td, pd, pc, dd, dc int) error {
	switch {
	case tp > len(m.p) || td > len(m.d):
		return errTransGrow
	case m.maxEnd(m.p) > tp || m.maxEnd(m.d) > td:
		return errTransShrink
	case pd+pc > tp || dd+dc > td:
		return errTransDisp
	case trAnySet(m.p, pd, pd+pc):
		return errTransOverlap
	case pc > 0 && trPieces(m.p, pd, pd+pc) > maxTransPieces:
		return errTransFragments
	case trAnySet(m.d[:td], dd, dd+dc):
		return errTransOverlap
	case dc > 0 && trPieces(m.d[:td], dd, dd+dc) > maxTransPieces:
		return errTransFragments
	}
	m.p, m.d = m.p[:tp], m.d[:td]
	for i := pd; i < pd+pc; i++ {
		m.p[i] = true
	}
	for i := dd; i < dd+dc; i++ {
		m.d[i] = true
	}
	return nil
}

// FuzzTransReassembly builds a primary and secondaries from the fuzz bytes —
// displacements, counts, changed totals — sends them through the parsers
// into a Reassembly, and checks every decision against a byte-per-byte
// model, and the reassembled bytes against the payload they were cut from.
func FuzzTransReassembly(f *testing.F) {
	// cmd, totalP, totalD, pc0, dc0, then 10-byte fragments: pd, pc, dd,
	// dc (16-bit), totals change P, D (signed bytes: <0 shrink, >0 grow).
	f.Add([]byte{1, 30, 0, 100, 0, 30, 10, 0, 0, 0, 0, 10, 0, 40, 0, 0, 0, 0, 0, 0, 0, 50, 0, 50, 0, 0, 0})
	f.Add([]byte{2, 20, 0, 100, 0, 0, 10, 0, 0, 0, 0, 70, 0, 30, 0, 0, 0, 10, 0, 10, 0, 30, 0, 20, 0, 0, 0})
	f.Add([]byte{0, 10, 0, 100, 0, 10, 10, 0, 0, 0, 0, 10, 0, 30, 0, 0, 216})
	f.Add([]byte{1, 10, 0, 100, 0, 10, 10, 0, 0, 0, 0, 10, 0, 10, 0, 0, 1})
	f.Add([]byte{1, 10, 0, 100, 0, 10, 10, 0, 0, 0, 0, 10, 0, 45, 0, 0, 0, 0, 0, 0, 0, 10, 0, 45, 0, 0, 0})
	f.Add([]byte{2, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 7 {
			return
		}
		cmd := [3]uint8{ComTransaction, ComTransaction2, ComNTTransact}[in[0]%3]
		sec := trSecondaryOf(cmd)
		tp := int(binary.LittleEndian.Uint16(in[1:])) % 1024
		td := int(binary.LittleEndian.Uint16(in[3:])) % 4096
		pc0, dc0 := int(in[5])%(tp+1), int(in[6])*16%(td+1)
		payP, payD := trPattern(tp+8192, 1), trPattern(td+16384, 2)
		var setup []uint16
		if cmd == ComTransaction2 {
			setup = []uint16{Trans2FindFirst2}
		}
		req, err := ParseTransRequest(trBlock(trPrimary(trPrimarySpec{
			cmd: cmd, setup: setup, params: payP[:pc0], data: payD[:dc0], totalP: tp, totalD: td,
		})))
		if err != nil {
			t.Fatal(err)
		}
		var r Reassembly
		done, err := r.Start(req, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		m := trModel{p: make([]bool, tp), d: make([]bool, td)}
		_ = m.add(tp, td, 0, pc0, 0, dc0)
		for rec := in[7:]; len(rec) >= 10 && !done; rec = rec[10:] {
			pd := int(binary.LittleEndian.Uint16(rec[0:])) % 4096
			pc := int(binary.LittleEndian.Uint16(rec[2:])) % 2048
			dd := int(binary.LittleEndian.Uint16(rec[4:])) % 8192
			dc := int(binary.LittleEndian.Uint16(rec[6:])) % 4096
			ntp := max(len(m.p)+int(int8(rec[8])), 0)
			ntd := max(len(m.d)+int(int8(rec[9]))*8, 0)
			s, err := ParseTransSecondary(trBlock(trSecondary(trSecondarySpec{
				cmd: sec, params: payP[pd : pd+pc], data: payD[dd : dd+dc],
				pdisp: pd, ddisp: dd, totalP: ntp, totalD: ntd,
			})))
			if err != nil {
				t.Fatal(err)
			}
			want := m.add(ntp, ntd, pd, pc, dd, dc)
			done, err = r.Add(s)
			if !errors.Is(err, want) || (want == nil) != (err == nil) {
				t.Fatalf("Add(p %d+%d d %d+%d totals %d %d) = %v, model says %v", pd, pc, dd, dc, ntp, ntd, err, want)
			}
			if err != nil {
				if r.Pending() || r.Complete() {
					t.Fatal("transaction survived an error")
				}
				return
			}
			if wantDone := trCount(m.p) == len(m.p) && trCount(m.d) == len(m.d); done != wantDone {
				t.Fatalf("done %v, model says %v", done, wantDone)
			}
		}
		if !done {
			return
		}
		got := r.Request()
		if !bytes.Equal(got.Params, payP[:len(m.p)]) || !bytes.Equal(got.Data, payD[:len(m.d)]) {
			t.Fatal("reassembled bytes differ from the payload")
		}
		if got.Command != cmd || !got.Complete() {
			t.Fatalf("request %+v", got)
		}
	})
}

// trSecondaryOf is the inverse of TransPrimary, for the tests.
func trSecondaryOf(cmd uint8) uint8 {
	switch cmd {
	case ComTransaction:
		return ComTransactionSecondary
	case ComTransaction2:
		return ComTransaction2Secondary
	}
	return ComNTTransactSecondary
}

// FuzzTrans2Params runs every trans2 parameter parser over the same bytes.
func FuzzTrans2Params(f *testing.F) {
	f.Add(trHex(`1600 5605 0600 0401 00000000 5c002a00 0000`), true)
	f.Add(trHex(`0300 6400 0401 efbeadde 0e00 61002e00740078007400 0000`), true)
	f.Add(trHex(`0701 00000000 5c0061002e00740078007400 0000`), true)
	f.Add([]byte("\x16\x00\x00\x01\x06\x00\x01\x00\x00\x00\x00\x00\\*\x00"), false)
	f.Add(trHex(`0140 fc03 0000`), false)
	f.Add(trHex(`00000000 5c0064000000`), true)
	f.Add(trHex(`c4000900 0140 01 00`), false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, p []byte, unicode bool) {
		if q, err := ParseFindFirst2Params(p, unicode); err == nil {
			_ = q.SearchAttributes() + q.SearchCount() + q.Flags() + q.InformationLevel()
			_ = q.SearchStorageType()
			trWithin(t, p, q.FileName())
		} else if err != StatusInvalidParameter {
			t.Fatal(err)
		}
		if q, err := ParseFindNext2Params(p, unicode); err == nil {
			_ = q.SID() + q.SearchCount() + q.InformationLevel() + q.Flags()
			_ = q.ResumeKey()
			trWithin(t, p, q.FileName())
		} else if err != StatusInvalidParameter {
			t.Fatal(err)
		}
		if q, err := ParsePathInfoParams(p, unicode); err == nil {
			_ = q.InformationLevel()
			_ = q.Reserved()
			trWithin(t, p, q.FileName())
		}
		if q, err := ParseFileInfoParams(p); err == nil {
			_ = q.FID() + q.InformationLevel()
		}
		if q, err := ParseFSInfoParams(p); err == nil {
			_ = q.InformationLevel()
		}
		if q, err := ParseCreateDirectoryParams(p, unicode); err == nil {
			_ = q.Reserved()
			trWithin(t, p, q.DirectoryName())
		}
		if q, err := ParseIoctlSetup(p); err == nil {
			_, _, _, _ = q.FunctionCode(), q.FID(), q.IsFsctl(), q.IsFlags()
		}
	})
}

func trWithin(t *testing.T, p, s []byte) {
	t.Helper()
	if len(s) == 0 {
		return
	}
	for i := range p {
		if &p[i] == &s[0] && i+len(s) <= len(p) {
			return
		}
	}
	t.Fatal("string outside its block")
}

// FuzzSetInfo checks ParseSetInfo refuses or returns slices inside the data.
func FuzzSetInfo(f *testing.F) {
	f.Add(uint16(LevelPassthrough+FileRenameInformation), trHex(`01 000000 00000000 0a000000 62002e00740078007400`))
	f.Add(uint16(LevelInfoSetEAs), trHex(`0c000000 00 01 0200 6100 6262 ff`))
	f.Add(uint16(LevelInfoStandard), trHex(`0000 0000 2128 0000 2128 0000`))
	f.Add(uint16(LevelSetFileBasicInfo), make([]byte, 40))
	f.Add(uint16(LevelSetFileEndOfFileInfo), make([]byte, 8))
	f.Fuzz(func(t *testing.T, level uint16, data []byte) {
		s, err := ParseSetInfo(level, data)
		if err != nil {
			if err != StatusInvalidParameter && err != StatusInvalidLevel {
				t.Fatal(err)
			}
			return
		}
		if s.Class == 0 {
			t.Fatal("no class")
		}
		if len(s.FileName)+12 > len(data) && s.Class == SetRename {
			t.Fatal("name overruns")
		}
		if len(s.EAList)+4 > len(data) && s.Class == SetEAs {
			t.Fatal("EA list overruns")
		}
	})
}

// FuzzFindEntry checks FindEntryLen against what AppendFindEntry appends,
// and that an NT entry's name reads back through FileNameLength.
func FuzzFindEntry(f *testing.F) {
	f.Add(uint16(LevelFindFileBothDirectoryInfo), "a.txt", "A.TXT", true, false, uint8(0))
	f.Add(uint16(LevelInfoStandard), "some file", "", true, true, uint8(3))
	f.Add(uint16(LevelInfoQueryEASize), "é", "", false, false, uint8(1))
	f.Add(uint16(LevelFindFileNamesInfo), "\U0001F600", "", true, false, uint8(5))
	f.Fuzz(func(t *testing.T, level uint16, name, short string, unicode, resume bool, off uint8) {
		ff := FindFormat{Level: level, Unicode: unicode, ResumeKeys: resume}
		fi := trFile
		fi.Name, fi.ShortName = name, short
		dst := make([]byte, off)
		n := FindEntryLen(ff, len(dst), &fi)
		out, entry, err := AppendFindEntry(dst, ff, &fi, 1, -1)
		if err != nil {
			if n != 0 || len(out) != len(dst) {
				t.Fatalf("error %v with length %d", err, n)
			}
			return
		}
		if len(out)-len(dst) != n {
			t.Fatalf("FindEntryLen %d, appended %d", n, len(out)-len(dst))
		}
		fixed, nt := findFixed(ff)
		if !nt || !unicode || !utf8.ValidString(name) {
			return
		}
		nlOff := 60
		if level == LevelFindFileNamesInfo {
			nlOff = 8
		}
		nl := int(binary.LittleEndian.Uint32(out[entry+nlOff:]))
		if entry+fixed+nl != len(out) || string(DecodeString(nil, out[entry+fixed:], true)) != name {
			t.Fatalf("name %x", out[entry+fixed:])
		}
	})
}
