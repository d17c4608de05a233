package smb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cmdParsers is the fuzz tests' dispatcher: by command code, a function
// that parses a block as the server would and then reads every accessor,
// which must be safe on anything the parser accepted.
var cmdParsers = [256]func(b Block, unicode bool) error{
	ComNegotiate: func(b Block, _ bool) error {
		n, err := ParseNegotiateRequest(b)
		if err == nil {
			for it := n.Dialects(); it.Next(); {
				_ = it.Name()
			}
			_ = n.IndexOf(DialectNTLM012) + n.Count()
		}
		return err
	},
	ComSessionSetupAndX: func(b Block, u bool) error {
		s, err := ParseSessionSetupRequest(b, u)
		if err == nil {
			_, _, _, _, _ = s.MaxBufferSize(), s.MaxMpxCount(), s.VcNumber(), s.SessionKey(), s.Capabilities()
			_, _, _ = s.SecurityBlob(), s.OEMPassword(), s.UnicodePassword()
			_, _, _, _ = s.AccountName(), s.PrimaryDomain(), s.NativeOS(), s.NativeLanMan()
			_, _ = s.ExtendedSecurity(), s.LANMAN()
		}
		return err
	},
	ComLogoffAndX: func(b Block, _ bool) error { return ParseLogoffRequest(b) },
	ComTreeConnectAndX: func(b Block, u bool) error {
		t, err := ParseTreeConnectRequest(b, u)
		if err == nil {
			_, _, _, _ = t.Flags(), t.Password(), t.Path(), t.Service()
		}
		return err
	},
	ComTreeDisconnect: func(b Block, _ bool) error { return ParseTreeDisconnectRequest(b) },
	ComEcho: func(b Block, _ bool) error {
		e, err := ParseEchoRequest(b)
		if err == nil {
			_, _ = e.EchoCount(), e.Data()
		}
		return err
	},
	ComNTCreateAndX: func(b Block, u bool) error {
		c, err := ParseNTCreateRequest(b, u)
		if err == nil {
			_, _, _, _, _ = c.NameLength(), c.Flags(), c.RootDirectoryFID(), c.DesiredAccess(), c.AllocationSize()
			_, _, _, _, _ = c.ExtFileAttributes(), c.ShareAccess(), c.CreateDisposition(), c.CreateOptions(), c.ImpersonationLevel()
			_, _ = c.SecurityFlags(), c.FileName()
		}
		return err
	},
	ComOpenAndX: func(b Block, u bool) error {
		o, err := ParseOpenAndXRequest(b, u)
		if err == nil {
			_, _, _, _, _ = o.Flags(), o.AccessMode(), o.SearchAttrs(), o.FileAttrs(), o.CreationTime()
			_, _, _, _ = o.OpenMode(), o.AllocationSize(), o.Timeout(), o.FileName()
		}
		return err
	},
	ComReadAndX: func(b Block, _ bool) error {
		q, err := ParseReadAndXRequest(b)
		if err == nil {
			_, _, _, _ = q.FID(), q.Offset(), q.MinCountOfBytesToReturn(), q.Timeout()
			_, _, _ = q.MaxCount(), q.Remaining(), q.OffsetHigh()
		}
		return err
	},
	ComWriteAndX: func(b Block, _ bool) error {
		q, err := ParseWriteAndXRequest(b)
		if err == nil {
			_, _, _, _, _ = q.FID(), q.Offset(), q.Timeout(), q.WriteMode(), q.Remaining()
			_, _, _ = q.DataLengthHigh(), q.DataOffset(), q.OffsetHigh()
			if uint32(len(q.Data())) != q.DataLength() {
				panic("WRITE_ANDX Data length differs from DataLength")
			}
		}
		return err
	},
	ComClose: func(b Block, _ bool) error {
		c, err := ParseCloseRequest(b)
		if err == nil {
			_, _ = c.FID(), c.LastTimeModified()
		}
		return err
	},
	ComClosePrintFile: func(b Block, _ bool) error {
		c, err := ParseClosePrintFileRequest(b)
		if err == nil {
			_ = c.FID()
		}
		return err
	},
	ComLockingAndX: func(b Block, _ bool) error {
		q, err := ParseLockingAndXRequest(b)
		if err == nil {
			_, _, _, _ = q.FID(), q.TypeOfLock(), q.NewOplockLevel(), q.Timeout()
			for i := range int(q.NumberOfRequestedUnlocks()) {
				_ = q.Unlock(i)
			}
			for i := range int(q.NumberOfRequestedLocks()) {
				_ = q.Lock(i)
			}
		}
		return err
	},
	ComLockByteRange: func(b Block, _ bool) error {
		q, err := ParseByteRangeRequest(b)
		if err == nil {
			_, _, _ = q.FID(), q.CountOfBytes(), q.OffsetInBytes()
		}
		return err
	},
	ComFlush: func(b Block, _ bool) error {
		f, err := ParseFlushRequest(b)
		if err == nil {
			_ = f.FID()
		}
		return err
	},
	ComDelete: func(b Block, u bool) error {
		d, err := ParseDeleteRequest(b, u)
		if err == nil {
			_, _ = d.SearchAttributes(), d.FileName()
		}
		return err
	},
	ComRename: func(b Block, u bool) error {
		r, err := ParseRenameRequest(b, u)
		if err == nil {
			_, _, _ = r.SearchAttributes(), r.OldFileName(), r.NewFileName()
		}
		return err
	},
	ComNTRename: func(b Block, u bool) error {
		r, err := ParseNTRenameRequest(b, u)
		if err == nil {
			_, _, _ = r.SearchAttributes(), r.InformationLevel(), r.ClusterCount()
			_, _ = r.OldFileName(), r.NewFileName()
		}
		return err
	},
	ComCreateDirectory: func(b Block, u bool) error { _, err := ParseCreateDirectoryRequest(b, u); return err },
	ComDeleteDirectory: func(b Block, u bool) error { _, err := ParseDeleteDirectoryRequest(b, u); return err },
	ComCheckDirectory:  func(b Block, u bool) error { _, err := ParseCheckDirectoryRequest(b, u); return err },
	ComQueryInformation: func(b Block, u bool) error {
		q, err := ParseQueryInformationRequest(b, u)
		if err == nil {
			_ = q.FileName()
		}
		return err
	},
	ComSetInformation: func(b Block, u bool) error {
		s, err := ParseSetInformationRequest(b, u)
		if err == nil {
			_, _, _ = s.FileAttributes(), s.LastWriteTime(), s.FileName()
		}
		return err
	},
	ComQueryInformationDisk: func(b Block, _ bool) error { return ParseQueryInformationDiskRequest(b) },
	ComOpen: func(b Block, u bool) error {
		o, err := ParseOpenRequest(b, u)
		if err == nil {
			_, _, _ = o.AccessMode(), o.SearchAttributes(), o.FileName()
		}
		return err
	},
	ComCreate:    cmdParseCreate,
	ComCreateNew: cmdParseCreate,
	ComCreateTemporary: func(b Block, u bool) error {
		c, err := ParseCreateTemporaryRequest(b, u)
		if err == nil {
			_, _, _ = c.FileAttributes(), c.CreationTime(), c.DirectoryName()
		}
		return err
	},
	ComRead: func(b Block, _ bool) error {
		q, err := ParseReadRequest(b)
		if err == nil {
			_, _, _, _ = q.FID(), q.CountOfBytesToRead(), q.ReadOffsetInBytes(), q.EstimateOfRemainingBytesToBeRead()
		}
		return err
	},
	ComWrite: func(b Block, _ bool) error {
		q, err := ParseWriteRequest(b)
		if err == nil {
			_, _, _ = q.FID(), q.WriteOffsetInBytes(), q.EstimateOfRemainingBytesToBeWritten()
			if len(q.Data()) != int(q.CountOfBytesToWrite()) {
				panic("WRITE Data length differs from CountOfBytesToWrite")
			}
		}
		return err
	},
	ComLockAndRead: func(b Block, _ bool) error {
		q, err := ParseLockAndReadRequest(b)
		if err == nil {
			_, _, _, _ = q.FID(), q.CountOfBytesToRead(), q.ReadOffsetInBytes(), q.EstimateOfRemainingBytesToBeRead()
		}
		return err
	},
	ComWriteAndUnlock: func(b Block, _ bool) error {
		q, err := ParseWriteAndUnlockRequest(b)
		if err == nil {
			_, _, _ = q.FID(), q.WriteOffsetInBytes(), q.EstimateOfRemainingBytesToBeWritten()
			if len(q.Data()) != int(q.CountOfBytesToWrite()) {
				panic("WRITE_AND_UNLOCK Data length differs from CountOfBytesToWrite")
			}
		}
		return err
	},
	ComWriteAndClose: func(b Block, _ bool) error {
		q, err := ParseWriteAndCloseRequest(b)
		if err == nil {
			_, _, _ = q.FID(), q.WriteOffsetInBytes(), q.LastWriteTime()
			if len(q.Data()) != int(q.CountOfBytesToWrite()) {
				panic("WRITE_AND_CLOSE Data length differs from CountOfBytesToWrite")
			}
		}
		return err
	},
	ComSeek: func(b Block, _ bool) error {
		q, err := ParseSeekRequest(b)
		if err == nil {
			_, _, _ = q.FID(), q.Mode(), q.Offset()
		}
		return err
	},
	ComQueryInformation2: func(b Block, _ bool) error {
		q, err := ParseQueryInformation2Request(b)
		if err == nil {
			_ = q.FID()
		}
		return err
	},
	ComSetInformation2: func(b Block, _ bool) error {
		s, err := ParseSetInformation2Request(b)
		if err == nil {
			_, _, _, _ = s.FID(), s.CreateDate(), s.CreationTime(), s.LastAccessDate()
			_, _, _ = s.LastAccessTime(), s.LastWriteDate(), s.LastWriteTime()
		}
		return err
	},
	ComProcessExit: func(b Block, _ bool) error { return ParseProcessExitRequest(b) },
	ComSearch:      cmdParseSearch,
	ComFind:        cmdParseSearch,
	ComFindUnique:  cmdParseSearch,
	ComFindClose:   cmdParseSearch,
}

func cmdParseCreate(b Block, u bool) error {
	c, err := ParseCreateRequest(b, u)
	if err == nil {
		_, _, _ = c.FileAttributes(), c.CreationTime(), c.FileName()
	}
	return err
}

func cmdParseSearch(b Block, u bool) error {
	s, err := ParseSearchRequest(b, u)
	if err == nil {
		_, _, _ = s.MaxCount(), s.SearchAttributes(), s.FileName()
		if k := s.ResumeKey(); k != nil {
			if len(k) != ResumeKeyLen {
				panic("SEARCH resume key of a length other than 21")
			}
			_, _, _ = k.Reserved(), k.ServerState(), k.ClientState()
		}
	}
	return err
}

// cmdGoldenAll returns every golden capture, requests and responses.
func cmdGoldenAll(tb testing.TB) [][]byte {
	names, err := filepath.Glob(filepath.Join("testdata", "golden", "*.xxd"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no golden captures: %v", err)
	}
	var all [][]byte
	for _, n := range names {
		all = append(all, cmdGolden(tb, strings.TrimSuffix(filepath.Base(n), ".xxd")))
	}
	return all
}

// FuzzParseMessage parses any message, walks its AndX chain and runs the
// command parser of every block. Nothing may panic, every error must be a
// parse error, and a parsed READ_ANDX or ECHO must round-trip through its
// response encoder.
func FuzzParseMessage(f *testing.F) {
	for _, m := range cmdGoldenAll(f) {
		f.Add(m)
	}
	for _, m := range [][]byte{lockAndReadReq, writeAndUnlockReq, ntRenameReq} {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := ParseMessage(msg)
		if err != nil {
			if !IsMalformed(err) {
				t.Fatalf("ParseMessage error %v is not IsMalformed", err)
			}
			return
		}
		unicode := m.Header.Unicode()
		last, n := -1, 0
		for c := m.Chain(); c.Next(); {
			b := c.Block()
			if b.Offset <= last {
				t.Fatalf("block at %d after block at %d", b.Offset, last)
			}
			last = b.Offset
			if n++; n > MaxAndXDepth {
				t.Fatalf("chain longer than MaxAndXDepth")
			}
			p := cmdParsers[b.Command]
			if p == nil {
				continue
			}
			if err := p(b, unicode); err != nil && !IsMalformed(err) {
				t.Fatalf("%s: error %v is not IsMalformed", CommandName(b.Command), err)
			}
			cmdRoundTrip(t, m.Header, b)
		}
	})
}

// cmdRoundTrip encodes the response to a parsed READ_ANDX or ECHO block and
// checks that it parses back with the lengths it promised.
func cmdRoundTrip(t *testing.T, h Header, b Block) {
	var r Response
	switch b.Command {
	case ComReadAndX:
		q, err := ParseReadAndXRequest(b)
		if err != nil {
			return
		}
		n := int(min(q.MaxCount(), 4096))
		r.Begin(nil, h, h.Flags2())
		off := BeginReadAndXResponse(&r, 0xFFFF, n)
		r.Zeros(n)
		m, err := ParseMessage(r.Bytes())
		if err != nil {
			t.Fatalf("READ_ANDX response does not parse: %v", err)
		}
		w := m.First
		if int(w.Word(6)) != off || int(w.Word(5)) != n || off+n != len(r.Bytes()) {
			t.Fatalf("READ_ANDX response: DataOffset %d DataLength %d, message %d", w.Word(6), w.Word(5), len(r.Bytes()))
		}
	case ComEcho:
		e, err := ParseEchoRequest(b)
		if err != nil {
			return
		}
		r.Begin(nil, h, h.Flags2())
		EncodeEchoResponse(&r, 1, e.Data())
		m, err := ParseMessage(r.Bytes())
		if err != nil || string(m.First.Data) != string(e.Data()) {
			t.Fatalf("ECHO response does not round-trip: %v", err)
		}
	}
}

// cmdChain builds an AndX chain: a header for the first command, then
// blocks at consecutive offsets, each linked to the next.
func cmdChain(cmds []uint8, words [][]byte, data [][]byte) []byte {
	msg := cmdMsg(cmds[0], cmdOEM, words[0], data[0])
	prev := HeaderLen
	for i := 1; i < len(cmds); i++ {
		msg[prev+1] = cmds[i]
		off := len(msg)
		msg[prev+3], msg[prev+4] = byte(off), byte(off>>8)
		blk := cmdMsg(cmds[i], cmdOEM, words[i], data[i])[HeaderLen:]
		msg = append(msg, blk...)
		prev = off
	}
	return msg
}

// FuzzAndXChain feeds the chain walker a fixed header and arbitrary blocks
// and checks the walk's invariants: offsets strictly increase, every block
// lies inside the message, followers are allowed after their predecessor,
// and the depth stays bounded (the CVE-2010-2063 lesson).
func FuzzAndXChain(f *testing.F) {
	andx := func(n int) []byte { return append(cmdHex("ff000000"), make([]byte, 2*n-4)...) }
	seeds := [][]byte{
		cmdChain([]uint8{ComSessionSetupAndX, ComTreeConnectAndX},
			[][]byte{andx(13), andx(4)}, [][]byte{[]byte("\x00\x00u\x00d\x00"), []byte("\x00\\\\s\\x\x00?????\x00")}),
		cmdChain([]uint8{ComNTCreateAndX, ComReadAndX, ComClose},
			[][]byte{andx(24), andx(12), make([]byte, 6)}, [][]byte{[]byte("\\f\x00"), nil, nil}),
		cmdChain([]uint8{ComWriteAndX, ComReadAndX},
			[][]byte{append(andx(10), cmdHex("0100 3b00")...), andx(10)}, [][]byte{[]byte("\x00a"), nil}),
		cmdChain([]uint8{ComLogoffAndX, ComSessionSetupAndX}, [][]byte{andx(2), andx(10)}, [][]byte{nil, nil}),
	}
	// A chain whose second block points back at the first.
	loop := cmdChain([]uint8{ComLockingAndX, ComWriteAndX}, [][]byte{andx(8), andx(12)}, [][]byte{nil, nil})
	second := HeaderLen + 1 + 2*8 + 2
	loop[second+1], loop[second+3] = ComReadAndX, HeaderLen
	seeds = append(seeds, loop)
	for _, m := range cmdGoldenAll(f) {
		seeds = append(seeds, m)
	}
	for _, s := range seeds {
		f.Add(s[4], s[HeaderLen:])
	}
	f.Fuzz(func(t *testing.T, first uint8, body []byte) {
		msg := cmdMsg(first, cmdOEM, nil, nil)[:HeaderLen]
		msg = append(msg, body...)
		m, err := ParseMessage(msg)
		if err != nil {
			return
		}
		var prev Block
		n := 0
		c := m.Chain()
		for c.Next() {
			b := c.Block()
			if n > 0 {
				if b.Offset <= prev.Offset {
					t.Fatalf("offset %d not past %d", b.Offset, prev.Offset)
				}
				if !FollowerAllowed(prev.Command, b.Command) {
					t.Fatalf("%s after %s", CommandName(b.Command), CommandName(prev.Command))
				}
			}
			if b.Offset < HeaderLen || b.DataOffset()+len(b.Data) > len(msg) || b.Command != msg[4] && n == 0 {
				t.Fatalf("block %+v outside message of %d", b, len(msg))
			}
			if n++; n > MaxAndXDepth {
				t.Fatal("chain deeper than MaxAndXDepth")
			}
			prev = b
		}
		if err := c.Err(); err != nil && !IsMalformed(err) {
			t.Fatalf("chain error %v is not IsMalformed", err)
		}
		if c.Next() {
			t.Fatal("Next after the end returned true")
		}
	})
}

// TestFuzzCorpusPresent keeps the checked-in seed corpus from going missing.
func TestFuzzCorpusPresent(t *testing.T) {
	ents, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzParseMessage"))
	if err != nil || len(ents) == 0 {
		t.Fatalf("seed corpus missing: %v", err)
	}
}
