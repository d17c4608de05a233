package vfs

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// forEachFs runs fn against a writable Share over MemMapFs and over a
// RootFs on a temporary directory.
func forEachFs(t *testing.T, fn func(t *testing.T, s *Share)) {
	t.Run("mem", func(t *testing.T) { fn(t, NewShare(afero.NewMemMapFs(), false)) })
	t.Run("root", func(t *testing.T) {
		fsys, err := NewRootFs(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fsys.(*RootFs).Close() })
		fn(t, NewShare(fsys, false))
	})
}

var (
	rw      = AccessGenericRead | AccessGenericWrite
	rwd     = rw | AccessDelete
	openRW  = CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen}
	openDir = CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen, CreateOptions: FileDirectoryFile}
)

func mustMkdir(t *testing.T, s *Share, p string) {
	t.Helper()
	if err := s.Mkdir(p); err != nil {
		t.Fatalf("Mkdir(%s): %v", p, err)
	}
}

func mustWrite(t *testing.T, s *Share, p, data string) {
	t.Helper()
	f, _, err := s.Create(p, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwriteIf})
	if err != nil {
		t.Fatalf("Create(%s): %v", p, err)
	}
	if _, err := f.WriteAt([]byte(data), 0); err != nil {
		t.Fatalf("WriteAt(%s): %v", p, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close(%s): %v", p, err)
	}
}

func readAll(t *testing.T, s *Share, p string) string {
	t.Helper()
	f, _, err := s.Create(p, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen})
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer f.Close()
	buf := make([]byte, 1<<16)
	n, err := f.ReadAt(buf, 0)
	if err != nil {
		t.Fatalf("ReadAt(%s): %v", p, err)
	}
	return string(buf[:n])
}

func exists(s *Share, p string) bool {
	_, err := s.Stat(p)
	return err == nil
}

func TestCreateDispositions(t *testing.T) {
	tests := []struct {
		disp       uint32
		exists     bool
		wantAction CreateAction
		wantErr    error
		wantData   string // content after the open, when it succeeds
	}{
		{FileSupersede, true, FileSuperseded, nil, ""},
		{FileSupersede, false, FileCreated, nil, ""},
		{FileOpen, true, FileOpened, nil, "old"},
		{FileOpen, false, 0, smb.StatusObjectNameNotFound, ""},
		{FileCreate, true, 0, smb.StatusObjectNameCollision, ""},
		{FileCreate, false, FileCreated, nil, ""},
		{FileOpenIf, true, FileOpened, nil, "old"},
		{FileOpenIf, false, FileCreated, nil, ""},
		{FileOverwrite, true, FileOverwritten, nil, ""},
		{FileOverwrite, false, 0, smb.StatusObjectNameNotFound, ""},
		{FileOverwriteIf, true, FileOverwritten, nil, ""},
		{FileOverwriteIf, false, FileCreated, nil, ""},
		{6, true, 0, smb.StatusInvalidParameter, ""},
	}
	forEachFs(t, func(t *testing.T, s *Share) {
		for _, tt := range tests {
			s.Fs().Remove("/f")
			if tt.exists {
				mustWrite(t, s, `\f`, "old")
			}
			f, action, err := s.Create(`\F`, CreateParams{DesiredAccess: rw, CreateDisposition: tt.disp})
			if err != tt.wantErr || action != tt.wantAction {
				t.Errorf("disposition %d, exists %v: action %d, %v; want %d, %v",
					tt.disp, tt.exists, action, err, tt.wantAction, tt.wantErr)
			}
			if err != nil {
				if f != nil {
					t.Error("a File came back with an error")
				}
				continue
			}
			fi, _ := f.Stat()
			want := "/f"
			if !tt.exists {
				want = "/F" // created with the client's spelling
			}
			if f.Path() != want || f.IsDir() || fi.Size() != int64(len(tt.wantData)) {
				t.Errorf("disposition %d, exists %v: path %q, dir %v, size %d",
					tt.disp, tt.exists, f.Path(), f.IsDir(), fi.Size())
			}
			f.Close()
			if got := readAll(t, s, `\f`); got != tt.wantData {
				t.Errorf("disposition %d, exists %v: content %q, want %q", tt.disp, tt.exists, got, tt.wantData)
			}
			s.Fs().Remove(f.Path())
		}
	})
}

func TestCreateDirectories(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustWrite(t, s, `\file`, "x")
		mustMkdir(t, s, `\dir`)
		dirCreate := func(disp uint32) CreateParams {
			return CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: disp, CreateOptions: FileDirectoryFile}
		}
		tests := []struct {
			name    string
			path    string
			p       CreateParams
			action  CreateAction
			err     error
			wantDir bool
		}{
			{"root", `\`, openDir, FileOpened, nil, true},
			{"empty path is the root", ``, openRW, FileOpened, nil, true},
			{"root without options", `\`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpenIf}, FileOpened, nil, true},
			{"create root", `\`, dirCreate(FileCreate), 0, smb.StatusObjectNameCollision, false},
			{"open dir", `\DIR`, openDir, FileOpened, nil, true},
			{"mkdir", `\new`, dirCreate(FileCreate), FileCreated, nil, true},
			{"mkdir open-if", `\new2`, dirCreate(FileOpenIf), FileCreated, nil, true},
			{"mkdir existing", `\dir`, dirCreate(FileCreate), 0, smb.StatusObjectNameCollision, false},
			{"dir option on a file", `\file`, openDir, 0, smb.StatusNotADirectory, false},
			{"non-dir option on a dir", `\dir`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen, CreateOptions: FileNonDirectoryFile}, 0, smb.StatusFileIsADirectory, false},
			{"non-dir option on the root", `\`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen, CreateOptions: FileNonDirectoryFile}, 0, smb.StatusFileIsADirectory, false},
			{"both options", `\dir`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen, CreateOptions: FileDirectoryFile | FileNonDirectoryFile}, 0, smb.StatusInvalidParameter, false},
			{"dir option with overwrite", `\dir`, dirCreate(FileOverwriteIf), 0, smb.StatusInvalidParameter, false},
			{"overwrite a dir", `\dir`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwriteIf}, 0, smb.StatusInvalidParameter, false},
			{"overwrite-only a dir", `\dir`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwrite}, 0, smb.StatusInvalidParameter, false},
			{"supersede a dir", `\dir`, CreateParams{DesiredAccess: rw, CreateDisposition: FileSupersede}, 0, smb.StatusInvalidParameter, false},
			{"create a dir without options", `\dir`, CreateParams{DesiredAccess: rw, CreateDisposition: FileCreate}, 0, smb.StatusObjectNameCollision, false},
			{"path not found", `\missing\x`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpenIf}, 0, smb.StatusObjectPathNotFound, false},
			{"parent is a file", `\file\x`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpenIf}, 0, smb.StatusObjectPathNotFound, false},
			{"bad name", `\a*b`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpenIf}, 0, smb.StatusObjectNameInvalid, false},
			{"escape", `\..\..\etc\passwd`, openRW, 0, smb.StatusObjectPathSyntaxBad, false},
			{"delete root", `\`, CreateParams{DesiredAccess: rwd, CreateDisposition: FileOpen, CreateOptions: FileDeleteOnClose}, 0, smb.StatusAccessDenied, false},
		}
		for _, tt := range tests {
			f, action, err := s.Create(tt.path, tt.p)
			if err != tt.err || action != tt.action {
				t.Errorf("%s: action %d, %v; want %d, %v", tt.name, action, err, tt.action, tt.err)
				continue
			}
			if err != nil {
				continue
			}
			if f.IsDir() != tt.wantDir {
				t.Errorf("%s: IsDir %v", tt.name, f.IsDir())
			}
			if fi, err := f.Stat(); err != nil || fi.IsDir() != tt.wantDir {
				t.Errorf("%s: Stat %v, %v", tt.name, fi, err)
			}
			if _, err := f.ReadAt(make([]byte, 1), 0); err != smb.StatusInvalidDeviceRequest {
				t.Errorf("%s: ReadAt on a directory: %v", tt.name, err)
			}
			f.Close()
		}
	})
}

func TestCaseInsensitiveOpen(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\Docs`)
		mustWrite(t, s, `\Docs\ReadMe.TXT`, "hello")
		for _, p := range []string{`\Docs\ReadMe.TXT`, `\docs\readme.txt`, `\DOCS\README.TXT`, `/docs/Readme.txt`} {
			if got := readAll(t, s, p); got != "hello" {
				t.Errorf("read %s = %q", p, got)
			}
		}
		// Opening an existing name in another case opens that file rather
		// than creating a sibling.
		f, action, err := s.Create(`\DOCS\readme.txt`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpenIf})
		if err != nil || action != FileOpened || f.Path() != "/Docs/ReadMe.TXT" {
			t.Fatalf("open-if = %v, %d, %v", f, action, err)
		}
		f.Close()
		// A new file in an existing directory keeps the directory's case.
		f, action, err = s.Create(`\DOCS\New.txt`, CreateParams{DesiredAccess: rw, CreateDisposition: FileCreate})
		if err != nil || action != FileCreated || f.Path() != "/Docs/New.txt" {
			t.Fatalf("create = %v, %d, %v", f, action, err)
		}
		f.Close()
		entries, err := s.List(`\docs`, "*")
		if err != nil {
			t.Fatal(err)
		}
		if got := names(entries); !reflect.DeepEqual(got, []string{".", "..", "New.txt", "ReadMe.TXT"}) {
			t.Errorf("listing = %v", got)
		}
	})
}

func TestNotFound(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\dir`)
		mustWrite(t, s, `\dir\file`, "x")
		tests := []struct {
			path string
			err  error
		}{
			{`\nofile`, smb.StatusObjectNameNotFound},
			{`\dir\nofile`, smb.StatusObjectNameNotFound},
			{`\nodir\file`, smb.StatusObjectPathNotFound},
			{`\dir\nodir\file`, smb.StatusObjectPathNotFound},
			{`\dir\file\x`, smb.StatusObjectPathNotFound},
		}
		for _, tt := range tests {
			if _, _, err := s.Create(tt.path, openRW); err != tt.err {
				t.Errorf("Create(%s): %v, want %v", tt.path, err, tt.err)
			}
			if _, err := s.Stat(tt.path); err != tt.err {
				t.Errorf("Stat(%s): %v, want %v", tt.path, err, tt.err)
			}
			if err := s.Remove(tt.path); err != tt.err {
				t.Errorf("Remove(%s): %v, want %v", tt.path, err, tt.err)
			}
		}
		if err := s.CheckDirectory(`\dir`); err != nil {
			t.Error(err)
		}
		if err := s.CheckDirectory(`\DIR\FILE`); err != smb.StatusNotADirectory {
			t.Errorf("CheckDirectory(file): %v", err)
		}
		if err := s.CheckDirectory(`\nodir`); err != smb.StatusObjectNameNotFound {
			t.Errorf("CheckDirectory(nodir): %v", err)
		}
		if err := s.CheckDirectory(`\`); err != nil {
			t.Errorf("CheckDirectory(root): %v", err)
		}
	})
}

func TestReadWrite(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		f, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileCreate})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.WriteAt([]byte("abc"), 5); n != 3 || err != nil {
			t.Fatalf("WriteAt past EOF = %d, %v", n, err)
		}
		buf := make([]byte, 16)
		n, err := f.ReadAt(buf, 0)
		if err != nil || !bytes.Equal(buf[:n], []byte("\x00\x00\x00\x00\x00abc")) {
			t.Errorf("ReadAt = %q, %v", buf[:n], err)
		}
		if n, err := f.ReadAt(buf, 8); n != 0 || err != nil {
			t.Errorf("ReadAt at EOF = %d, %v", n, err)
		}
		if n, err := f.ReadAt(buf, 100); n != 0 || err != nil {
			t.Errorf("ReadAt past EOF = %d, %v", n, err)
		}
		if _, err := f.ReadAt(buf, -1); err != smb.StatusInvalidParameter {
			t.Errorf("ReadAt(-1): %v", err)
		}
		if err := f.Truncate(2); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(4); err != nil {
			t.Fatal(err)
		}
		if fi, _ := f.Stat(); fi.Size() != 4 {
			t.Errorf("size after truncate = %d", fi.Size())
		}
		if err := f.Sync(); err != nil {
			t.Error(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != smb.StatusFileClosed {
			t.Errorf("second Close: %v", err)
		}
		if _, err := f.WriteAt([]byte("x"), 0); err != smb.StatusFileClosed {
			t.Errorf("WriteAt after Close: %v", err)
		}
		if got := readAll(t, s, `\f`); got != "\x00\x00\x00\x00" {
			t.Errorf("content %q", got)
		}

		// Access is enforced per handle.
		ro, _, err := s.Create(`\f`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ro.WriteAt([]byte("x"), 0); err != smb.StatusAccessDenied {
			t.Errorf("WriteAt on a read handle: %v", err)
		}
		if err := ro.Truncate(0); err != smb.StatusAccessDenied {
			t.Errorf("Truncate on a read handle: %v", err)
		}
		if err := ro.SetTimes(time.Now(), time.Time{}); err != smb.StatusAccessDenied {
			t.Errorf("SetTimes on a read handle: %v", err)
		}
		if err := ro.SetDeleteOnClose(true); err != smb.StatusAccessDenied {
			t.Errorf("SetDeleteOnClose without DELETE: %v", err)
		}
		ro.Close()
		wo, _, err := s.Create(`\f`, CreateParams{DesiredAccess: AccessWriteData, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wo.ReadAt(buf, 0); err != smb.StatusAccessDenied {
			t.Errorf("ReadAt on a write handle: %v", err)
		}
		wo.Close()
		// An attributes-only open needs no permission to read the data.
		if err := s.Fs().Chmod("/f", 0); err != nil {
			t.Fatal(err)
		}
		st, _, err := s.Create(`\f`, CreateParams{DesiredAccess: AccessReadAttributes | AccessWriteAttributes, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatalf("stat open: %v", err)
		}
		if fi, err := st.Stat(); err != nil || fi.Size() != 4 {
			t.Errorf("Stat on a stat open = %v, %v", fi, err)
		}
		if _, err := st.ReadAt(buf, 0); err != smb.StatusAccessDenied {
			t.Errorf("ReadAt on a stat open: %v", err)
		}
		if err := st.SetAttributes(AttrArchive); err != nil {
			t.Errorf("SetAttributes on a stat open: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
		// So does a zero DesiredAccess, which Samba accepts.
		if z, _, err := s.Create(`\f`, CreateParams{CreateDisposition: FileOpen}); err != nil {
			t.Errorf("zero access: %v", err)
		} else {
			if _, err := z.Stat(); err != nil {
				t.Error(err)
			}
			z.Close()
		}
		if fi, _ := s.Stat(`\f`); fi.Mode().Perm()&0o200 == 0 {
			t.Errorf("mode after clearing READONLY = %v", fi.Mode())
		}
		s.Fs().Chmod("/f", 0o644)
		// Overwrite on a handle that asked only for read still truncates.
		ov, action, err := s.Create(`\f`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOverwrite})
		if err != nil || action != FileOverwritten {
			t.Fatalf("overwrite: %d, %v", action, err)
		}
		if fi, _ := ov.Stat(); fi.Size() != 0 {
			t.Errorf("size after overwrite = %d", fi.Size())
		}
		ov.Close()
	})
}

func TestMaxFileSize(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	if s.MaxFileSize != DefaultMaxFileSize {
		t.Fatalf("MaxFileSize = %d", s.MaxFileSize)
	}
	s.MaxFileSize = 100
	f, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileCreate})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, 10), 90); err != nil {
		t.Errorf("write up to the limit: %v", err)
	}
	if _, err := f.WriteAt(make([]byte, 1), 100); err != smb.StatusDiskFull {
		t.Errorf("write past the limit: %v", err)
	}
	if _, err := f.WriteAt(make([]byte, 1), 1<<62); err != smb.StatusDiskFull {
		t.Errorf("write at a huge offset: %v", err)
	}
	if err := f.Truncate(101); err != smb.StatusDiskFull {
		t.Errorf("truncate past the limit: %v", err)
	}
	fsys, err := NewRootFs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.(*RootFs).Close()
	if NewShare(fsys, false).MaxFileSize != 0 {
		t.Error("a RootFs share is capped")
	}
}

func TestDeleteOnClose(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		// Created with the option: gone after Close.
		f, _, err := s.Create(`\tmp`, CreateParams{DesiredAccess: rwd, CreateDisposition: FileCreate, CreateOptions: FileDeleteOnClose})
		if err != nil {
			t.Fatal(err)
		}
		if !f.DeleteOnClose() || !exists(s, `\tmp`) {
			t.Error("file missing before Close")
		}
		f.WriteAt([]byte("data"), 0)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if exists(s, `\tmp`) {
			t.Error("delete-on-close file survived Close")
		}

		// The option without DELETE access is refused.
		mustWrite(t, s, `\keep`, "x")
		if _, _, err := s.Create(`\keep`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen, CreateOptions: FileDeleteOnClose}); err != smb.StatusInvalidParameter {
			t.Errorf("delete-on-close without DELETE: %v", err)
		}

		// Set through the handle, then cleared again.
		f, _, err = s.Create(`\keep`, CreateParams{DesiredAccess: rwd, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetDeleteOnClose(true); err != nil {
			t.Fatal(err)
		}
		if err := f.SetDeleteOnClose(false); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if !exists(s, `\keep`) {
			t.Error("cleared delete-on-close still deleted")
		}
		f, _, _ = s.Create(`\KEEP`, CreateParams{DesiredAccess: AccessDelete, CreateDisposition: FileOpen})
		if err := f.SetDeleteOnClose(true); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if exists(s, `\keep`) {
			t.Error("SetDeleteOnClose file survived Close")
		}

		// Directories: empty ones go, non-empty ones refuse.
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\full`)
		mustWrite(t, s, `\full\x`, "x")
		d, _, err := s.Create(`\d`, CreateParams{DesiredAccess: AccessDelete, CreateDisposition: FileOpen, CreateOptions: FileDirectoryFile})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetDeleteOnClose(true); err != nil {
			t.Fatal(err)
		}
		d.Close()
		if exists(s, `\d`) {
			t.Error("empty directory survived delete-on-close")
		}
		d, _, err = s.Create(`\full`, CreateParams{DesiredAccess: AccessDelete, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetDeleteOnClose(true); err != smb.StatusDirectoryNotEmpty {
			t.Errorf("SetDeleteOnClose on a full directory: %v", err)
		}
		d.Close()
		d, _, err = s.Create(`\full`, CreateParams{DesiredAccess: AccessDelete, CreateDisposition: FileOpen, CreateOptions: FileDeleteOnClose})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != smb.StatusDirectoryNotEmpty {
			t.Errorf("Close of a full delete-on-close directory: %v", err)
		}
		if !exists(s, `\full\x`) {
			t.Error("contents of a full directory lost")
		}

		// A read-only file cannot be deleted.
		mustWrite(t, s, `\ro`, "x")
		if err := s.SetAttributes(`\ro`, AttrReadonly); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Create(`\ro`, CreateParams{DesiredAccess: AccessDelete, CreateDisposition: FileOpen, CreateOptions: FileDeleteOnClose}); err != smb.StatusCannotDelete {
			t.Errorf("delete-on-close of a read-only file: %v", err)
		}
		f, _, _ = s.Create(`\ro`, CreateParams{DesiredAccess: AccessDelete, CreateDisposition: FileOpen})
		if err := f.SetDeleteOnClose(true); err != smb.StatusCannotDelete {
			t.Errorf("SetDeleteOnClose of a read-only file: %v", err)
		}
		f.Close()
	})
}

func TestReadOnlyAttribute(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		f, _, err := s.Create(`\ro`, CreateParams{DesiredAccess: rw, CreateDisposition: FileCreate, FileAttributes: AttrReadonly})
		if err != nil {
			t.Fatal(err)
		}
		// The creating handle may still write.
		if _, err := f.WriteAt([]byte("x"), 0); err != nil {
			t.Errorf("write through the creating handle: %v", err)
		}
		f.Close()
		fi, _ := s.Stat(`\ro`)
		if Attributes(fi)&AttrReadonly == 0 {
			t.Fatalf("attributes %#x", Attributes(fi))
		}
		if _, _, err := s.Create(`\ro`, openRW); err != smb.StatusAccessDenied {
			t.Errorf("write open of a read-only file: %v", err)
		}
		if _, _, err := s.Create(`\ro`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOverwriteIf}); err != smb.StatusAccessDenied {
			t.Errorf("overwrite of a read-only file: %v", err)
		}
		if err := s.Remove(`\ro`); err != smb.StatusCannotDelete {
			t.Errorf("Remove of a read-only file: %v", err)
		}
		// MAXIMUM_ALLOWED settles for read.
		f, _, err = s.Create(`\ro`, CreateParams{DesiredAccess: AccessMaximumAllowed, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if f.Access()&AccessWriteData != 0 || f.Access()&AccessReadData == 0 {
			t.Errorf("granted %#x", f.Access())
		}
		f.Close()
		if err := s.SetAttributes(`\ro`, AttrArchive); err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(`\ro`); err != nil {
			t.Errorf("Remove after clearing READONLY: %v", err)
		}
	})
}

func TestRemoveMkdirRmdir(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		if err := s.Mkdir(`\D`); err != smb.StatusObjectNameCollision {
			t.Errorf("Mkdir existing: %v", err)
		}
		if err := s.Mkdir(`\`); err != smb.StatusObjectNameCollision {
			t.Errorf("Mkdir root: %v", err)
		}
		if err := s.Mkdir(`\x\y`); err != smb.StatusObjectPathNotFound {
			t.Errorf("Mkdir without parent: %v", err)
		}
		mustMkdir(t, s, `\d\sub`)
		mustWrite(t, s, `\d\sub\f`, "x")
		if err := s.Remove(`\d`); err != smb.StatusFileIsADirectory {
			t.Errorf("Remove of a directory: %v", err)
		}
		if err := s.Rmdir(`\d`); err != smb.StatusDirectoryNotEmpty {
			t.Errorf("Rmdir of a non-empty directory: %v", err)
		}
		if err := s.Rmdir(`\d\sub\f`); err != smb.StatusNotADirectory {
			t.Errorf("Rmdir of a file: %v", err)
		}
		if err := s.Rmdir(`\`); err != smb.StatusAccessDenied {
			t.Errorf("Rmdir of the root: %v", err)
		}
		if !exists(s, `\d\sub\f`) {
			t.Fatal("a refused Rmdir lost files")
		}
		if err := s.Remove(`\D\SUB\F`); err != nil {
			t.Error(err)
		}
		if err := s.Rmdir(`\D\Sub`); err != nil {
			t.Error(err)
		}
		if err := s.Rmdir(`\d`); err != nil {
			t.Error(err)
		}
		if exists(s, `\d`) {
			t.Error("directory survived Rmdir")
		}
	})
}

func TestRename(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\a`)
		mustMkdir(t, s, `\b`)
		mustWrite(t, s, `\a\one`, "1")
		mustWrite(t, s, `\a\two`, "2")

		if err := s.Rename(`\a\one`, `\a\two`, false); err != smb.StatusObjectNameCollision {
			t.Errorf("onto existing: %v", err)
		}
		if err := s.Rename(`\a\one`, `\A\TWO`, false); err != smb.StatusObjectNameCollision {
			t.Errorf("onto existing in another case: %v", err)
		}
		if err := s.Rename(`\a\one`, `\a\two`, true); err != nil {
			t.Errorf("replace: %v", err)
		}
		if exists(s, `\a\one`) || readAll(t, s, `\a\two`) != "1" {
			t.Error("replace did not replace")
		}
		// Across directories, resolving the target's parent by case.
		if err := s.Rename(`\a\two`, `\B\moved`, false); err != nil {
			t.Fatal(err)
		}
		if readAll(t, s, `\b\moved`) != "1" {
			t.Error("cross-directory rename lost data")
		}
		// Case only.
		if err := s.Rename(`\b\moved`, `\b\MOVED`, false); err != nil {
			t.Fatal(err)
		}
		entries, _ := s.List(`\b`, "*")
		if got := names(entries); !reflect.DeepEqual(got, []string{".", "..", "MOVED"}) {
			t.Errorf("after case-only rename: %v", got)
		}
		if err := s.Rename(`\b\moved`, `\b\MOVED`, false); err != nil {
			t.Errorf("no-op rename: %v", err)
		}
		// Errors.
		if err := s.Rename(`\b\nothing`, `\b\x`, false); err != smb.StatusObjectNameNotFound {
			t.Errorf("missing source: %v", err)
		}
		if err := s.Rename(`\b\MOVED`, `\nodir\x`, false); err != smb.StatusObjectPathNotFound {
			t.Errorf("missing target directory: %v", err)
		}
		if err := s.Rename(`\a`, `\a\inside`, false); err != smb.StatusInvalidParameter {
			t.Errorf("directory into itself: %v", err)
		}
		if err := s.Rename(`\a`, `\b`, true); err != smb.StatusAccessDenied {
			t.Errorf("replace a directory: %v", err)
		}
		if err := s.Rename(`\`, `\x`, false); err != smb.StatusAccessDenied {
			t.Errorf("rename the root: %v", err)
		}
		if err := s.Rename(`\b\MOVED`, `\..\x`, false); err != smb.StatusObjectPathSyntaxBad {
			t.Errorf("rename out of the share: %v", err)
		}
		// Directories move with their contents.
		mustWrite(t, s, `\a\deep`, "d")
		if err := s.Rename(`\a`, `\b\a2`, false); err != nil {
			t.Fatal(err)
		}
		if readAll(t, s, `\b\a2\deep`) != "d" || exists(s, `\a`) {
			t.Error("directory rename lost contents")
		}
		// Through a handle, which then follows the file.
		f, _, err := s.Create(`\b\MOVED`, CreateParams{DesiredAccess: rwd, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Rename(`\handle`, false); err != nil {
			t.Fatal(err)
		}
		if f.Path() != "/handle" {
			t.Errorf("Path after Rename = %q", f.Path())
		}
		if _, err := f.WriteAt([]byte("2"), 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if readAll(t, s, `\handle`) != "12" {
			t.Error("write after handle rename lost")
		}
		g, _, _ := s.Create(`\handle`, openRW)
		if err := g.Rename(`\x`, false); err != smb.StatusAccessDenied {
			t.Errorf("handle rename without DELETE: %v", err)
		}
		g.Close()
	})
}

func TestSetTimes(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustWrite(t, s, `\f`, "x")
		mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		if err := s.SetTimes(`\F`, time.Time{}, mtime); err != nil {
			t.Fatal(err)
		}
		fi, _ := s.Stat(`\f`)
		if !fi.ModTime().Equal(mtime) {
			t.Errorf("mtime = %v", fi.ModTime())
		}
		if err := s.SetTimes(`\f`, time.Time{}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		// Set through a handle, the time survives later writes and Close.
		f, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		later := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := f.SetTimes(time.Time{}, later); err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte("more"), 1)
		f.Close()
		fi, _ = s.Stat(`\f`)
		if !fi.ModTime().Equal(later) {
			t.Errorf("mtime after Close = %v, want %v", fi.ModTime(), later)
		}
	})
}

func names(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}

func TestList(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\d\Sub`)
		for _, n := range []string{"b.txt", "A.TXT", "c.doc", "noext", "x.y.txt"} {
			mustWrite(t, s, `\d\`+n, n)
		}
		tests := []struct {
			pattern string
			want    []string
		}{
			{"*", []string{".", "..", "A.TXT", "Sub", "b.txt", "c.doc", "noext", "x.y.txt"}},
			{"", []string{".", "..", "A.TXT", "Sub", "b.txt", "c.doc", "noext", "x.y.txt"}},
			{"*.*", []string{".", "..", "A.TXT", "Sub", "b.txt", "c.doc", "noext", "x.y.txt"}},
			{"*.txt", []string{"A.TXT", "b.txt", "x.y.txt"}},
			{"<.TXT", []string{"A.TXT", "b.txt", "x.y.txt"}},
			{"?.txt", []string{"A.TXT", "b.txt"}},
			{"sub", []string{"Sub"}},
			{"B.TXT", []string{"b.txt"}},
			{"missing", nil},
			{"*.none", nil},
			{".", []string{"."}},
			{"..", []string{".."}},
			{ConvertLegacyPattern("*."), []string{".", "..", "Sub", "noext"}},
		}
		for _, tt := range tests {
			entries, err := s.List(`\D`, tt.pattern)
			if err != nil {
				t.Errorf("List(%q): %v", tt.pattern, err)
				continue
			}
			if got := names(entries); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List(%q) = %v, want %v", tt.pattern, got, tt.want)
			}
		}
		entries, _ := s.List(`\d`, "*")
		if !entries[0].Dot || !entries[1].Dot || entries[2].Dot {
			t.Error("Dot flags wrong")
		}
		if !entries[0].Info.IsDir() || !entries[1].Info.IsDir() {
			t.Error(". or .. is not a directory")
		}
		for _, e := range entries[2:] {
			if e.Info.Name() != e.Name {
				t.Errorf("entry %q has info for %q", e.Name, e.Info.Name())
			}
		}
		// The root lists "." and ".." too.
		entries, err := s.List(`\`, "*")
		if err != nil || !reflect.DeepEqual(names(entries), []string{".", "..", "d"}) {
			t.Errorf("List(root) = %v, %v", names(entries), err)
		}
		if _, err := s.List(`\nodir`, "*"); err != smb.StatusObjectNameNotFound {
			t.Errorf("List(missing dir): %v", err)
		}
		if _, err := s.List(`\nodir\sub`, "*"); err != smb.StatusObjectPathNotFound {
			t.Errorf("List(missing parent): %v", err)
		}
		if _, err := s.List(`\d\b.txt`, "*"); err != smb.StatusNotADirectory {
			t.Errorf("List(file): %v", err)
		}
		if _, err := s.List(`\d`, "a|b"); err != smb.StatusObjectNameInvalid {
			t.Errorf("List(bad name): %v", err)
		}
		// A directory handle takes a snapshot.
		d, _, err := s.Create(`\d`, openDir)
		if err != nil {
			t.Fatal(err)
		}
		first, err := d.ReadDir()
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, s, `\d\later`, "x")
		again, _ := d.ReadDir()
		if len(again) != len(first) || len(first) != 8 {
			t.Errorf("snapshot changed: %d then %d entries", len(first), len(again))
		}
		d.Close()
		f, _, _ := s.Create(`\d\later`, openRW)
		if _, err := f.ReadDir(); err != smb.StatusNotADirectory {
			t.Errorf("ReadDir on a file: %v", err)
		}
		f.Close()
	})
}

func TestListRootFsSymlinks(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "share")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(parent, "secret"), []byte("s"), 0o644)
	os.WriteFile(filepath.Join(dir, "real"), []byte("r"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Symlink("../secret", filepath.Join(dir, "out"))
	os.Symlink("/", filepath.Join(dir, "slash"))
	os.Symlink("real", filepath.Join(dir, "alias"))
	os.Symlink("sub", filepath.Join(dir, "subalias"))
	os.Symlink("nowhere", filepath.Join(dir, "dangling"))
	os.WriteFile(filepath.Join(dir, "bad:name"), []byte("x"), 0o644)
	fsys, err := NewRootFs(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.(*RootFs).Close()
	s := NewShare(fsys, false)

	entries, err := s.List(`\`, "*")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(entries); !reflect.DeepEqual(got, []string{".", "..", "alias", "real", "sub", "subalias"}) {
		t.Errorf("listing = %v", got)
	}
	for _, e := range entries {
		if e.Name == "subalias" && !e.Info.IsDir() {
			t.Error("symlink to a directory not followed")
		}
	}
	if readAll(t, s, `\ALIAS`) != "r" {
		t.Error("symlink inside the share not followed")
	}
	// A link out of the share is a missing name, as Samba 4.17 answers.
	for p, want := range map[string]error{
		`\out`:              smb.StatusObjectNameNotFound,
		`\slash\etc\passwd`: smb.StatusObjectPathNotFound,
		`\SLASH\etc\passwd`: smb.StatusObjectPathNotFound,
	} {
		if _, _, err := s.Create(p, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen}); err != want {
			t.Errorf("open %s: %v, want %v", p, err, want)
		}
	}
	if _, _, err := s.Create(`\out`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwriteIf}); err != smb.StatusObjectNameNotFound {
		t.Errorf("overwrite through an escaping symlink: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(parent, "secret")); string(b) != "s" {
		t.Error("the file outside the share changed")
	}
}

func TestReadOnlyShare(t *testing.T) {
	forEachFs(t, func(t *testing.T, w *Share) {
		mustMkdir(t, w, `\d`)
		mustWrite(t, w, `\d\f`, "data")
		s := NewShare(w.Fs(), true)
		if !s.ReadOnly() {
			t.Fatal("ReadOnly() false")
		}
		denied := map[string]error{
			"Remove":        s.Remove(`\d\f`),
			"Mkdir":         s.Mkdir(`\new`),
			"Rmdir":         s.Rmdir(`\d`),
			"Rename":        s.Rename(`\d\f`, `\d\g`, false),
			"SetTimes":      s.SetTimes(`\d\f`, time.Now(), time.Now()),
			"SetAttributes": s.SetAttributes(`\d\f`, AttrReadonly),
		}
		for _, p := range []CreateParams{
			{DesiredAccess: rw, CreateDisposition: FileOpen},
			{DesiredAccess: AccessGenericAll, CreateDisposition: FileOpen},
			{DesiredAccess: AccessWriteAttributes, CreateDisposition: FileOpen},
			{DesiredAccess: AccessGenericRead, CreateDisposition: FileOverwrite},
			{DesiredAccess: AccessGenericRead, CreateDisposition: FileSupersede},
			{DesiredAccess: AccessGenericRead | AccessDelete, CreateDisposition: FileOpen, CreateOptions: FileDeleteOnClose},
		} {
			_, _, err := s.Create(`\d\f`, p)
			denied["Create existing"] = err
			if err != smb.StatusAccessDenied {
				t.Errorf("Create(%+v): %v", p, err)
			}
		}
		// Samba 4.17 with "read only = yes" (checked with impacket and
		// smbclient): a create that asks for no write access finds
		// nothing; changes by path are STATUS_MEDIA_WRITE_PROTECTED.
		for _, p := range []CreateParams{
			{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpenIf},
			{DesiredAccess: AccessGenericRead, CreateDisposition: FileCreate, CreateOptions: FileDirectoryFile},
		} {
			if _, _, err := s.Create(`\d\new`, p); err != smb.StatusObjectNameNotFound {
				t.Errorf("Create new (%+v): %v", p, err)
			}
		}
		if _, _, err := s.Create(`\d\new`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpenIf}); err != smb.StatusAccessDenied {
			t.Errorf("Create new for writing: %v", err)
		}
		for op, err := range denied {
			want := smb.StatusMediaWriteProtected
			if op == "Create existing" {
				want = smb.StatusAccessDenied
			}
			if err != want {
				t.Errorf("%s on a read-only share: %v, want %v", op, err, want)
			}
		}
		// Reading works, and MAXIMUM_ALLOWED gets read access only.
		f, _, err := s.Create(`\D\F`, CreateParams{DesiredAccess: AccessMaximumAllowed, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if f.Access()&accessWrite != 0 {
			t.Errorf("granted %#x on a read-only share", f.Access())
		}
		if _, err := f.WriteAt([]byte("x"), 0); err != smb.StatusAccessDenied {
			t.Errorf("WriteAt: %v", err)
		}
		if err := f.SetDeleteOnClose(true); err != smb.StatusAccessDenied {
			t.Errorf("SetDeleteOnClose: %v", err)
		}
		f.Close()
		if readAll(t, s, `\d\f`) != "data" {
			t.Error("read-only share lost data")
		}
		if entries, err := s.List(`\d`, "*"); err != nil || len(entries) != 3 {
			t.Errorf("List: %v, %v", names(entries), err)
		}
	})
}

func TestDiskUsage(t *testing.T) {
	total, free, bs := NewShare(afero.NewMemMapFs(), false).DiskUsage()
	if total != 1<<40 || free != 1<<39 || bs != 4096 {
		t.Errorf("mem DiskUsage = %d, %d, %d", total, free, bs)
	}
	fsys, err := NewRootFs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.(*RootFs).Close()
	total, free, bs = NewShare(fsys, false).DiskUsage()
	if total == 0 || free > total || bs == 0 {
		t.Errorf("root DiskUsage = %d, %d, %d", total, free, bs)
	}
}

func TestOpenAndXParams(t *testing.T) {
	tests := []struct {
		openMode, accessMode uint16
		disp, access         uint32
		err                  error
	}{
		{0x0001, 0x0000, FileOpen, AccessFileGenericRead, nil},
		{0x0001, 0x0040, FileOpen, AccessFileGenericRead, nil}, // share mode bits ignored
		{0x0011, 0x0002, FileOpenIf, AccessFileGenericRead | AccessFileGenericWrite, nil},
		{0x0010, 0x0001, FileCreate, AccessFileGenericWrite, nil},
		{0x0002, 0x0002, FileOverwrite, AccessFileGenericRead | AccessFileGenericWrite, nil},
		{0x0012, 0x0001, FileOverwriteIf, AccessFileGenericWrite, nil},
		{0x0001, 0x0003, FileOpen, AccessFileGenericRead | AccessFileGenericExecute, nil},
		{0x0001, 0x00FF, FileOpen, AccessFileGenericRead | AccessFileGenericWrite, nil},
		{0x0000, 0x0000, 0, 0, smb.StatusSMBBadAccess},
		{0x0000, 0x0003, FileCreate, AccessFileGenericRead | AccessFileGenericExecute, nil}, // execute creates
		{0x0003, 0x0000, 0, 0, smb.StatusSMBBadAccess},
		{0x0001, 0x0004, 0, 0, smb.StatusSMBBadAccess},
	}
	for _, tt := range tests {
		p, err := OpenAndXParams(tt.openMode, tt.accessMode, uint16(AttrReadonly))
		if err != tt.err {
			t.Errorf("OpenAndXParams(%#x, %#x): %v, want %v", tt.openMode, tt.accessMode, err, tt.err)
			continue
		}
		if err == nil && (p.CreateDisposition != tt.disp || p.DesiredAccess != tt.access ||
			p.CreateOptions != FileNonDirectoryFile || p.FileAttributes != AttrReadonly) {
			t.Errorf("OpenAndXParams(%#x, %#x) = %+v", tt.openMode, tt.accessMode, p)
		}
	}
	// An OPEN_ANDX of a directory fails as on Windows.
	s := NewShare(afero.NewMemMapFs(), false)
	p, _ := OpenAndXParams(0x0001, 0, 0)
	if _, _, err := s.Create(`\`, p); err != smb.StatusFileIsADirectory {
		t.Errorf("OPEN_ANDX of a directory: %v", err)
	}
}

// TestShareView: a writable view of a read-only share changes it, a
// read-only view of a writable one refuses as a read-only share does, and
// both views meet the same open-file table.
func TestShareView(t *testing.T) {
	forEachFs(t, func(t *testing.T, w *Share) {
		mustWrite(t, w, `\f`, "data")
		ro := NewShare(w.Fs(), true)
		rwView := ro.View(false)
		if !ro.ReadOnly() || rwView.ReadOnly() || ro.View(true) != ro {
			t.Fatalf("ReadOnly: share %v, writable view %v", ro.ReadOnly(), rwView.ReadOnly())
		}
		mustWrite(t, rwView, `\g`, "new")
		if err := rwView.Mkdir(`\dir`); err != nil {
			t.Errorf("Mkdir through the writable view: %v", err)
		}
		if err := ro.Mkdir(`\dir2`); err != smb.StatusMediaWriteProtected {
			t.Errorf("Mkdir through the share: %v", err)
		}
		roView := rwView.View(true)
		if err := roView.Remove(`\g`); err != smb.StatusMediaWriteProtected {
			t.Errorf("Remove through the read-only view: %v", err)
		}
		if _, _, err := roView.Create(`\g`, openRW); err != smb.StatusAccessDenied {
			t.Errorf("open for writing through the read-only view: %v", err)
		}
		// A writer's exclusive open holds the read-only view's open off.
		f, _, err := rwView.Create(`\g`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := roView.Create(`\g`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen}); err != smb.StatusSharingViolation {
			t.Errorf("open while a writer denies sharing: %v, want STATUS_SHARING_VIOLATION", err)
		}
		f.Close()
		if got := readAll(t, roView, `\g`); got != "new" {
			t.Errorf("read %q through the read-only view", got)
		}
	})
	ro := NewShare(afero.NewReadOnlyFs(afero.NewMemMapFs()), false)
	if !ro.View(false).ReadOnly() {
		t.Error("a view of a share over afero.ReadOnlyFs is writable")
	}
}
