//go:build !tinysmbd_nocore

package server_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinysmbd/tinysmbd/vfs"
)

// TestLargeFileOffsets writes and reads a directory-backed share's file at
// offsets above 4 GiB with WRITE_ANDX and READ_ANDX's high offset words
// (MS-CIFS 2.2.4.42.1, 2.2.4.43.1: OffsetHigh), sparse on disk: the data
// lands at the 64-bit offset, the hole before it reads as zeros, and the
// file's size is the 64-bit end.
func TestLargeFileOffsets(t *testing.T) {
	dir := t.TempDir()
	fs, err := vfs.NewRootFs(dir)
	if err != nil {
		t.Fatal(err)
	}
	hs := serveFault(t, fs)
	s := hs.login(t)
	s.tid = s.treeConnect(t)
	fid := s.ntCreate(t, `big.bin`, accessReadWrite, dispOpenIf, statusSuccess)

	var off uint64 = 5<<30 + 3 // past 4 GiB, and not aligned
	write := writeAndXWords(fid, 4, writeAndXDataOff)
	binary.LittleEndian.PutUint32(write[6:], uint32(off))
	binary.LittleEndian.PutUint32(write[24:], uint32(off>>32))
	s.call(t, hCmdWriteAndX, s.uid, s.tid, write, []byte("\x00tail"), statusSuccess)

	read := func(at uint64, n uint16) []byte {
		t.Helper()
		w := readAndXWords(fid, n)
		binary.LittleEndian.PutUint32(w[6:], uint32(at))
		binary.LittleEndian.PutUint32(w[20:], uint32(at>>32))
		r := s.call(t, hCmdReadAndX, s.uid, s.tid, w, nil, statusSuccess)
		// MS-CIFS 2.2.4.42.2: DataLength is word 5, DataOffset word 6.
		length, doff := binary.LittleEndian.Uint16(r.words[10:]), int(binary.LittleEndian.Uint16(r.words[12:]))
		return r.data[doff-(32+1+len(r.words)+2):][:length]
	}
	if got := read(off, 16); string(got) != "tail" {
		t.Errorf("READ_ANDX at 5 GiB+3 = %q, want %q", got, "tail")
	}
	if got := read(off-2, 4); !bytes.Equal(got, []byte("\x00\x00ta")) {
		t.Errorf("READ_ANDX across the end of the hole = %q", got)
	}
	if got := read(4<<30, 8); !bytes.Equal(got, make([]byte, 8)) {
		t.Errorf("READ_ANDX in the hole at 4 GiB = %q, want zeros", got)
	}
	fi, err := os.Stat(filepath.Join(dir, "big.bin"))
	if err != nil || uint64(fi.Size()) != off+4 {
		t.Fatalf("big.bin on disk: %v, %v; want %d bytes", fi.Size(), err, off+4)
	}
}
