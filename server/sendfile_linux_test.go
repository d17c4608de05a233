//go:build !tinysmbd_nocore

package server_test

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// TestReadAndXSendfile reads a disk share's file over TCP with READ_ANDX
// replies whose data goes out with sendfile(2), and the same reads with
// sendfile off: every reply carries the file's bytes, DataLength stops at
// the end of the file, a read past it is empty, and small reads (copied,
// so they keep coalescing) agree too.
func TestReadAndXSendfile(t *testing.T) {
	content := make([]byte, 200<<10)
	rand.NewChaCha8([32]byte{1, 2}).Read(content)
	reads := []struct {
		off int
		n   uint16
	}{
		{0, 61440},                   // one large read
		{100003, 61440},              // unaligned
		{len(content) - 1000, 61440}, // across the end: 1000 bytes
		{len(content), 61440},        // at the end: none
		{len(content) + 5, 61440},    // past it: none
		{4096, 512},                  // small: copied
		{8192, 16 << 10},             // the sendfile threshold exactly
	}
	for _, noSendfile := range []bool{false, true} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "f.bin"), content, 0o644); err != nil {
			t.Fatal(err)
		}
		fs, err := vfs.NewRootFs(dir)
		if err != nil {
			t.Fatal(err)
		}
		cfg := segConfig()
		cfg.Logger = slog.New(slog.DiscardHandler)
		cfg.Shares = []server.Share{{Name: "share", Fs: fs}}
		cfg.Sendfile = !noSendfile
		l, _ := listenDirect(t)
		startServer(t, cfg, served{l, server.FramingNetBT})
		s := (&hostileServer{addr: l.Addr().String()}).login(t)
		s.tid = s.treeConnect(t)
		fid := s.ntCreate(t, `f.bin`, accessReadWrite, dispOpenIf, statusSuccess)

		before := server.SectionsSent()
		for _, rd := range reads {
			w := readAndXWords(fid, rd.n)
			binary.LittleEndian.PutUint32(w[6:], uint32(rd.off))
			r := s.call(t, hCmdReadAndX, s.uid, s.tid, w, nil, statusSuccess)
			// MS-CIFS 2.2.4.42.2: DataLength is word 5, DataOffset word 6.
			length, doff := int(binary.LittleEndian.Uint16(r.words[10:])), int(binary.LittleEndian.Uint16(r.words[12:]))
			got := r.data[doff-(32+1+len(r.words)+2):]
			want := content[min(rd.off, len(content)):min(rd.off+int(rd.n), len(content))]
			if length != len(want) || !bytes.Equal(got, want) {
				t.Errorf("sendfile off=%v: READ_ANDX of %d at %d: DataLength %d, %d data bytes, match %v; want %d bytes",
					noSendfile, rd.n, rd.off, length, len(got), bytes.Equal(got, want), len(want))
			}
		}
		// Four reads qualify (16 KiB or more, before the end).
		sent := server.SectionsSent() - before
		if noSendfile && sent != 0 {
			t.Errorf("sendfile = false, yet %d replies used sendfile", sent)
		}
		if !noSendfile && sent != 4 {
			t.Errorf("%d replies used sendfile, want 4", sent)
		}
	}
}
