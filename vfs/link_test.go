package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"github.com/tinysmbd/tinysmbd/smb"
)

// statAttrs returns the link count and attributes Stat reports for p.
func statAttrs(t *testing.T, s *Share, p string) (uint32, uint32) {
	t.Helper()
	fi, err := s.Stat(p)
	if err != nil {
		t.Fatalf("Stat(%s): %v", p, err)
	}
	return LinkCount(fi), Attributes(fi)
}

func TestShareLink(t *testing.T) {
	fsys, err := NewRootFs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.(*RootFs).Close() })
	s := NewShare(fsys, false)
	mustWrite(t, s, `\a.txt`, "data")
	mustMkdir(t, s, `\d`)
	if err := s.SetAttributes(`\a.txt`, AttrHidden); err != nil {
		t.Fatal(err)
	}
	if err := s.Link(`\A.TXT`, `\b.txt`); err != nil {
		t.Fatalf("Link: %v", err)
	}
	// The new name carries the attributes the file already had.
	if n, a := statAttrs(t, s, `\b.txt`); n != 2 || a != AttrHidden {
		t.Errorf("b.txt after link: links %d attrs %#x, want 2 HIDDEN", n, a)
	}
	if got := readAll(t, s, `\b.txt`); got != "data" {
		t.Errorf("b.txt holds %q", got)
	}
	// Attributes set through one name show through the other, in a
	// listing too.
	if err := s.SetAttributes(`\a.txt`, AttrSystem); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{`\a.txt`, `\b.txt`} {
		if n, a := statAttrs(t, s, p); n != 2 || a != AttrSystem {
			t.Errorf("%s: links %d attrs %#x, want 2 SYSTEM", p, n, a)
		}
	}
	es, err := s.List(`\`, "b.txt")
	if err != nil || len(es) != 1 || es[0].Attributes() != AttrSystem {
		t.Errorf("List b.txt: %v %+v", err, es)
	}
	// So do attributes set through an open of one name.
	f, _, err := s.Create(`\b.txt`, CreateParams{DesiredAccess: AccessWriteAttributes, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttributes(AttrHidden); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n, a := statAttrs(t, s, `\a.txt`); n != 2 || a != AttrHidden {
		t.Errorf("a.txt after a set through b.txt: links %d attrs %#x, want 2 HIDDEN", n, a)
	}
	if err := s.SetAttributes(`\b.txt`, AttrNormal); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(`\b.txt`); err != nil {
		t.Fatal(err)
	}
	if n, a := statAttrs(t, s, `\a.txt`); n != 1 || a != AttrNormal {
		t.Errorf("a.txt after unlink: links %d attrs %#x, want 1 NORMAL", n, a)
	}
	for _, tt := range []struct {
		name, from, to string
		want           error
	}{
		{"target exists", `\a.txt`, `\d`, smb.StatusObjectNameCollision},
		{"source missing", `\x`, `\y`, smb.StatusObjectNameNotFound},
		{"directory", `\d`, `\e`, smb.StatusFileIsADirectory},
		{"target parent missing", `\a.txt`, `\no\b`, smb.StatusObjectPathNotFound},
	} {
		if err := s.Link(tt.from, tt.to); err != tt.want {
			t.Errorf("%s: Link = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestShareLinkUnsupported(t *testing.T) {
	if err := NewShare(afero.NewMemMapFs(), false).Link(`\a`, `\b`); err != smb.StatusObjectNameNotFound {
		t.Errorf("MemMapFs, no source: %v", err)
	}
	s := NewShare(afero.NewMemMapFs(), false)
	mustWrite(t, s, `\a`, "x")
	if err := s.Link(`\a`, `\b`); err != smb.StatusNotSupported {
		t.Errorf("MemMapFs: Link = %v, want STATUS_NOT_SUPPORTED", err)
	}
	// A jail around a BasePathFs wrapped further cannot link underneath.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o644)
	j, err := Confine(afero.NewCopyOnWriteFs(afero.NewBasePathFs(afero.NewOsFs(), dir), afero.NewMemMapFs()), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.(Linker).Link("/a", "/b"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("jail over a copy-on-write Fs: Link = %v", err)
	}
	if err := NewShare(afero.NewReadOnlyFs(afero.NewMemMapFs()), false).Link(`\a`, `\b`); err != smb.StatusMediaWriteProtected {
		t.Errorf("read-only share: %v", err)
	}
}

func TestJailLink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	s := NewShare(afero.NewBasePathFs(afero.NewOsFs(), dir), false)
	if err := s.Link(`\a`, `\b`); err != nil {
		t.Fatalf("Link: %v", err)
	}
	if n, _ := statAttrs(t, s, `\b`); n != 2 {
		t.Errorf("links %d, want 2", n)
	}
	if err := s.Fs().(Linker).Link("/out/secret", "/c"); !errors.Is(err, ErrPathEscapes) {
		t.Errorf("link from outside: %v", err)
	}
	if err := s.Fs().(Linker).Link("/a", "/out/a"); !errors.Is(err, ErrPathEscapes) {
		t.Errorf("link to outside: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "a")); err == nil {
		t.Error("link created outside the jail")
	}
}

func TestShareCopy(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustWrite(t, s, `\a.txt`, "payload")
		mustMkdir(t, s, `\d`)
		if err := s.SetAttributes(`\a.txt`, AttrHidden); err != nil {
			t.Fatal(err)
		}
		if err := s.Copy(`\a.txt`, `\b.txt`); err != nil {
			t.Fatalf("Copy: %v", err)
		}
		if got := readAll(t, s, `\b.txt`); got != "payload" {
			t.Errorf("b.txt holds %q", got)
		}
		if n, a := statAttrs(t, s, `\b.txt`); n != 1 || a != AttrHidden {
			t.Errorf("b.txt: links %d attrs %#x, want 1 HIDDEN", n, a)
		}
		// The copy is a file of its own.
		if err := s.SetAttributes(`\a.txt`, AttrSystem); err != nil {
			t.Fatal(err)
		}
		if _, a := statAttrs(t, s, `\b.txt`); a != AttrHidden {
			t.Errorf("b.txt attrs %#x after a change to a.txt", a)
		}
		for _, tt := range []struct {
			name, from, to string
			want           error
		}{
			{"target exists", `\a.txt`, `\b.txt`, smb.StatusObjectNameCollision},
			{"directory", `\d`, `\e`, smb.StatusFileIsADirectory},
			{"source missing", `\x`, `\y`, smb.StatusObjectNameNotFound},
		} {
			if err := s.Copy(tt.from, tt.to); err != tt.want {
				t.Errorf("%s: Copy = %v, want %v", tt.name, err, tt.want)
			}
		}
		// An open that does not share reading keeps the copy out.
		f, _, err := s.Create(`\a.txt`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen, ShareAccess: ShareWrite})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Copy(`\a.txt`, `\c.txt`); err != smb.StatusSharingViolation {
			t.Errorf("Copy under a deny-read open = %v", err)
		}
		f.Close()
		if exists(s, `\c.txt`) {
			t.Error("c.txt created")
		}
		if err := s.Copy(`\a.txt`, `\c.txt`); err != nil {
			t.Errorf("Copy after close: %v", err)
		}
		// Longer than copyData's buffer, not a multiple of it, and short
		// enough for readAll.
		long := strings.Repeat("0123456789abcdef", copyBufferSize*3/2/16) + "tail"
		mustWrite(t, s, `\long.bin`, long)
		if err := s.Copy(`\long.bin`, `\long2.bin`); err != nil {
			t.Fatalf("Copy of %d bytes: %v", len(long), err)
		}
		if got := readAll(t, s, `\long2.bin`); got != long {
			t.Errorf("long2.bin holds %d bytes, want the %d of long.bin", len(got), len(long))
		}
		s.MaxFileSize = 3
		if err := s.Copy(`\a.txt`, `\big.txt`); err != smb.StatusDiskFull {
			t.Errorf("Copy over MaxFileSize = %v", err)
		}
	})
}
