//go:build !tinysmbd_nocore

package server_test

// Tests of CLOSE and CLOSE_PRINT_FILE over a real connection.

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/vfs"
)

const (
	cmdClosePrintFile = 0xC2
)

// TestCloseSetsWriteTimeOnly checks CLOSE's LastTimeModified moves the
// write time and leaves the access time alone, as smbtorture's raw.close
// expects.
func TestCloseSetsWriteTimeOnly(t *testing.T) {
	dir := t.TempDir()
	cc := newCoreClient(t, afero.NewBasePathFs(afero.NewOsFs(), dir))
	fid := cc.createNew(`\T.TXT`)
	atime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "T.TXT"), atime, atime); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	cc.ok(hCmdClose, 0, le32(le16(fid), uint32(mtime.Unix())), nil)
	fi, err := os.Stat(filepath.Join(dir, "T.TXT"))
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(mtime) {
		t.Errorf("write time %v, want %v", fi.ModTime(), mtime)
	}
	// Only Linux's stat record gives vfs the access time.
	if got := vfs.FileTimes(fi).Access; runtime.GOOS == "linux" && !got.Equal(atime) {
		t.Errorf("access time %v, want it left at %v", got, atime)
	}
}

// TestClosePrintFile checks CLOSE_PRINT_FILE on a disk file is
// ERRSRV/ERRerror, as smbtorture's raw.close "splclose" expects, and leaves
// the file open.
func TestClosePrintFile(t *testing.T) {
	cc := newCoreClient(t, afero.NewMemMapFs())
	fid := cc.createNew(`\P.TXT`)
	r := cc.call(cmdClosePrintFile, coreFlags2, le16(fid), nil)
	if r.status != hStatusInvalidSMB {
		t.Errorf("on a disk file: %v", r)
	}
	if r := cc.call(cmdClosePrintFile, coreFlags2, le16(fid+1), nil); r.status != statusInvalidHandle {
		t.Errorf("on a bad FID: %v", r)
	}
	cc.ok(hCmdClose, 0, le32(le16(fid), 0), nil)
}
