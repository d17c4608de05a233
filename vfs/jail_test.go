package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// escapeTree makes parent/share with a secret beside it and symlinks that
// lead out in every way: absolute, relative, to a directory, dangling
// towards a file that does not exist yet. It returns the share directory.
func escapeTree(t *testing.T) (parent, dir string) {
	t.Helper()
	parent = t.TempDir()
	dir = filepath.Join(parent, "share")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(dir, 0o755))
	must(os.WriteFile(filepath.Join(parent, "secret"), []byte("outside"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "real"), []byte("inside"), 0o644))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(os.Symlink(filepath.Join(parent, "secret"), filepath.Join(dir, "abs")))
	must(os.Symlink("../secret", filepath.Join(dir, "rel")))
	must(os.Symlink(parent, filepath.Join(dir, "updir")))
	must(os.Symlink("../planted", filepath.Join(dir, "dangling")))
	must(os.Symlink("real", filepath.Join(dir, "alias")))
	must(os.Symlink("sub", filepath.Join(dir, "subalias")))
	return parent, dir
}

// TestBasePathFsFollowsSymlinks documents why the jail exists: a share
// over a bare BasePathFs serves the file a symlink points to outside.
func TestBasePathFsFollowsSymlinks(t *testing.T) {
	_, dir := escapeTree(t)
	bare := &Share{shareCore: &shareCore{fs: afero.NewBasePathFs(afero.NewOsFs(), dir)}}
	if got := readAll(t, bare, `\abs`); got != "outside" {
		t.Fatalf("bare BasePathFs read %q through the symlink; the jail test below proves nothing", got)
	}
}

// TestConfineBasePathFs: NewShare confines a BasePathFs over OsFs, so no
// symlink leads out, whatever the operation; links inside still work.
func TestConfineBasePathFs(t *testing.T) {
	parent, dir := escapeTree(t)
	s := NewShare(afero.NewBasePathFs(afero.NewOsFs(), dir), false)
	if _, ok := s.Fs().(*jailFs); !ok {
		t.Fatalf("NewShare left %T unconfined", s.Fs())
	}
	open := CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen}
	for p, want := range map[string]error{
		`\abs`:          smb.StatusObjectNameNotFound,
		`\REL`:          smb.StatusObjectNameNotFound,
		`\updir\secret`: smb.StatusObjectPathNotFound,
		`\dangling`:     smb.StatusObjectNameNotFound,
	} {
		if _, _, err := s.Create(p, open); err != want {
			t.Errorf("open %s: %v, want %v", p, err, want)
		}
		if _, err := s.Stat(p); err != want {
			t.Errorf("Stat %s: %v, want %v", p, err, want)
		}
	}
	rwOpenIf := CreateParams{DesiredAccess: rw, CreateDisposition: FileOpenIf}
	if _, _, err := s.Create(`\dangling`, rwOpenIf); err != smb.StatusObjectNameNotFound {
		t.Errorf("create through a dangling link out: %v", err)
	}
	if _, _, err := s.Create(`\updir\new`, rwOpenIf); err != smb.StatusObjectPathNotFound {
		t.Errorf("create below a link out: %v", err)
	}
	if err := s.Mkdir(`\updir\newdir`); err != smb.StatusObjectPathNotFound {
		t.Errorf("Mkdir below a link out: %v", err)
	}
	if err := s.Rename(`\real`, `\updir\moved`, false); err != smb.StatusObjectPathNotFound {
		t.Errorf("Rename into a link out: %v", err)
	}
	if err := s.SetTimes(`\abs`, time.Unix(0, 0), time.Unix(0, 0)); err != smb.StatusObjectNameNotFound {
		t.Errorf("SetTimes through a link out: %v", err)
	}
	if err := s.SetAttributes(`\rel`, AttrReadonly); err != smb.StatusObjectNameNotFound {
		t.Errorf("SetAttributes through a link out: %v", err)
	}
	if err := s.Remove(`\updir\secret`); err != smb.StatusObjectPathNotFound {
		t.Errorf("Remove through a link out: %v", err)
	}
	entries, err := s.List(`\`, "*")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(entries); !reflect.DeepEqual(got, []string{".", "..", "alias", "real", "sub", "subalias"}) {
		t.Errorf("listing = %v", got)
	}
	if got := readAll(t, s, `\ALIAS`); got != "inside" {
		t.Errorf("symlink inside the share: %q", got)
	}
	mustWrite(t, s, `\subalias\f`, "via link")
	if b, _ := os.ReadFile(filepath.Join(dir, "sub", "f")); string(b) != "via link" {
		t.Errorf("write through an inside directory link: %q", b)
	}
	for _, name := range []string{"secret", "planted", "moved", "newdir", "new"} {
		if name == "secret" {
			fi, err := os.Stat(filepath.Join(parent, name))
			if b, _ := os.ReadFile(filepath.Join(parent, name)); err != nil || string(b) != "outside" || fi.ModTime().Unix() == 0 || fi.Mode().Perm()&0o200 == 0 {
				t.Errorf("the file outside was touched: %q %v", b, err)
			}
			continue
		}
		if _, err := os.Lstat(filepath.Join(parent, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s appeared outside the share: %v", name, err)
		}
	}
}

// swapFs turns the share's directory "d" into a symlink to outside just
// before it opens a file: the window between the jail's check and the
// open, which an attacker with a shell on the host could hit by chance.
type swapFs struct {
	afero.Fs
	dir, outside string
}

func (s *swapFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	if name != "/" {
		d := filepath.Join(s.dir, "d")
		os.RemoveAll(d)
		os.Symlink(s.outside, d)
	}
	return s.Fs.OpenFile(name, flag, perm)
}

// Open is OpenFile for reading: afero.ReadOnlyFs opens with Open.
func (s *swapFs) Open(name string) (afero.File, error) { return s.OpenFile(name, os.O_RDONLY, 0) }

// LstatIfPossible and ReadlinkIfPossible pass through, so that Confined
// walks a ReadOnlyFs over a swapFs.
func (s *swapFs) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	return s.Fs.(afero.Lstater).LstatIfPossible(name)
}

func (s *swapFs) ReadlinkIfPossible(name string) (string, error) {
	return s.Fs.(afero.LinkReader).ReadlinkIfPossible(name)
}

// TestConfineSwappedSymlink: a directory swapped for a link out between
// the check and the open is caught after the open, from the descriptor.
func TestConfineSwappedSymlink(t *testing.T) {
	parent, dir := escapeTree(t)
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "secret"), []byte("decoy"), 0o644)
	fsys, err := Confine(&swapFs{Fs: afero.NewBasePathFs(afero.NewOsFs(), dir), dir: dir, outside: parent}, dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fsys.Open("/d/secret")
	if err == nil {
		b := make([]byte, 16)
		n, _ := f.Read(b)
		f.Close()
		t.Fatalf("opened %q through a swapped symlink", b[:n])
	}
	if !errors.Is(err, ErrPathEscapes) {
		t.Fatalf("open after the swap: %v, want ErrPathEscapes", err)
	}
}

// TestConfineWrapped: Confine works on a BasePathFs wrapped in
// ReadOnlyFs, which NewShare sees through the confinement: the share is
// read-only.
func TestConfineWrapped(t *testing.T) {
	_, dir := escapeTree(t)
	ro := afero.NewReadOnlyFs(afero.NewBasePathFs(afero.NewOsFs(), dir))
	fsys, err := Confine(ro, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := NewShare(fsys, false)
	if _, _, err := s.Create(`\abs`, CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen}); err != smb.StatusObjectNameNotFound {
		t.Errorf("open through a link out: %v", err)
	}
	if got := readAll(t, s, `\real`); got != "inside" {
		t.Errorf("read: %q", got)
	}
	if !s.ReadOnly() {
		t.Error("Confine's wrapper hid the ReadOnlyFs: the share is not read-only")
	}
	if rs := NewShare(ro, false); !rs.ReadOnly() || rs.Remove(`\real`) != smb.StatusMediaWriteProtected {
		t.Error("a share over afero.ReadOnlyFs is not read-only")
	}
}

// TestNewShareLeavesOtherFsAlone: only an OS-backed BasePathFs is wrapped.
func TestNewShareLeavesOtherFsAlone(t *testing.T) {
	mem := afero.NewBasePathFs(afero.NewMemMapFs(), "/x")
	if s := NewShare(mem, false); s.Fs() != mem {
		t.Errorf("BasePathFs over MemMapFs wrapped as %T", s.Fs())
	}
	osfs := afero.NewOsFs()
	if s := NewShare(osfs, false); s.Fs() != osfs {
		t.Errorf("OsFs wrapped as %T", s.Fs())
	}
}
