package vfs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// newJail returns a RootFs on a fresh directory inside a parent that also
// holds a "secret" file the RootFs must never reach.
func newJail(t *testing.T) (afero.Fs, string, string) {
	t.Helper()
	parent := t.TempDir()
	secret := filepath.Join(parent, "secret")
	if err := os.WriteFile(secret, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "share")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fsys, err := NewRootFs(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.(*RootFs).Close() })
	return fsys, dir, secret
}

func TestRootFsInterfaces(t *testing.T) {
	var fsys afero.Fs = &RootFs{}
	if _, ok := fsys.(afero.Lstater); !ok {
		t.Error("RootFs is not an afero.Lstater")
	}
	if _, ok := fsys.(afero.Symlinker); !ok {
		t.Error("RootFs is not an afero.Symlinker")
	}
	if _, err := NewRootFs(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("NewRootFs of a missing directory succeeded")
	}
}

func TestRootFsEscapes(t *testing.T) {
	fsys, dir, secret := newJail(t)
	if err := os.Symlink(secret, filepath.Join(dir, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret", filepath.Join(dir, "rel")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(secret), filepath.Join(dir, "updir")); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{
		"abs", "/abs", "rel", "updir/secret", "../secret", "/../secret",
		"a/../../secret", "..", "../share/../secret",
	} {
		f, err := fsys.Open(name)
		if err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("Open(%q) succeeded, read %q", name, b)
			continue
		}
		if st := StatusFromError(err); st != smb.StatusAccessDenied {
			t.Errorf("Open(%q): %v maps to %v, want access denied", name, err, st)
		}
		if _, err := fsys.Stat(name); err == nil {
			t.Errorf("Stat(%q) succeeded", name)
		}
	}
	for _, name := range []string{"../x", "/../x"} {
		if _, err := fsys.Create(name); !errors.Is(err, ErrPathEscapes) {
			t.Errorf("Create(%q): %v, want ErrPathEscapes", name, err)
		}
		if err := fsys.Mkdir(name, 0o755); !errors.Is(err, ErrPathEscapes) {
			t.Errorf("Mkdir(%q): %v, want ErrPathEscapes", name, err)
		}
		if err := fsys.Rename("/", name); !errors.Is(err, ErrPathEscapes) {
			t.Errorf("Rename to %q: %v, want ErrPathEscapes", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x")); err == nil {
		t.Error("a file appeared outside the root")
	}

	// An absolute share path is inside the root, never the host's root.
	if _, err := fsys.Open("/etc/passwd"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(/etc/passwd): %v, want not found inside the share", err)
	}
	if err := fsys.MkdirAll("/etc", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := fsys.Create("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(dir, "etc", "passwd")); err != nil {
		t.Errorf("/etc/passwd was not created inside the root: %v", err)
	}

	// Lstat sees the link itself; a symlink that stays inside works.
	fi, ok, err := fsys.(afero.Lstater).LstatIfPossible("abs")
	if err != nil || !ok || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("LstatIfPossible(abs) = %v, %v, %v", fi, ok, err)
	}
	if err := fsys.(afero.Linker).SymlinkIfPossible("etc/passwd", "inside"); err != nil {
		t.Fatal(err)
	}
	if target, err := fsys.(afero.LinkReader).ReadlinkIfPossible("inside"); err != nil || target != "etc/passwd" {
		t.Errorf("ReadlinkIfPossible = %q, %v", target, err)
	}
	if _, err := fsys.Stat("inside"); err != nil {
		t.Errorf("Stat through an inside symlink: %v", err)
	}
}

func TestRootFsOperations(t *testing.T) {
	fsys, dir, _ := newJail(t)
	if fsys.Name() != "RootFs" || fsys.(*RootFs).Dir() != dir {
		t.Errorf("Name/Dir = %q, %q", fsys.Name(), fsys.(*RootFs).Dir())
	}
	if err := fsys.MkdirAll("/a/b", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := fsys.OpenFile("/a/b/f", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("hello")
	f.Close()
	if err := fsys.Chmod("/a/b/f", 0o400); err != nil {
		t.Error(err)
	}
	if err := fsys.Chown("/a/b/f", os.Getuid(), os.Getgid()); err != nil {
		t.Error(err)
	}
	if err := fsys.Rename("/a/b/f", "a/g"); err != nil {
		t.Error(err)
	}
	fi, err := fsys.Stat("a/g")
	if err != nil || fi.Size() != 5 || fi.Mode().Perm() != 0o400 {
		t.Errorf("Stat(a/g) = %v, %v", fi, err)
	}
	if err := fsys.Remove("/a"); err == nil {
		t.Error("Remove of a non-empty directory succeeded")
	}
	if err := fsys.RemoveAll("/a"); err != nil {
		t.Error(err)
	}
	if _, err := fsys.Stat("/a"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after RemoveAll: %v", err)
	}
	total, free, bs, err := fsys.(DiskUsager).DiskUsage()
	if err == nil && (total == 0 || free > total || bs == 0) {
		t.Errorf("DiskUsage = %d, %d, %d", total, free, bs)
	}
}
