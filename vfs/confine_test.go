package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// intruderTree is escapeTree with the links an intruder tries next: a link
// to "/", relative links that climb out from the root and from a
// subdirectory, ".." after a link (once staying inside, once leaving), a
// chain of links inside, a loop, and links inside that reach their
// target through "..".
func intruderTree(t *testing.T) (parent, dir string) {
	t.Helper()
	parent, dir = escapeTree(t)
	for link, target := range map[string]string{
		"root":      "/",
		"reldir":    "..",
		"sub/out":   "../../secret",
		"sub/up":    "..",
		"sub/inner": "../real",
		"updot":     "subalias/..",
		"climb":     "subalias/../..",
		"chain":     "alias",
		"loop1":     "loop2",
		"loop2":     "loop1",
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	return parent, dir
}

// confineKinds are the Fs an embedder may hand in over the host directory
// dir, each as it reaches vfs.NewShare: through Confined, or, for the
// wrappers that offer no Lstat, through Confine.
var confineKinds = []struct {
	name string
	ro   bool
	fs   func(t *testing.T, dir string) (afero.Fs, error)
}{
	{"RootFs", false, func(t *testing.T, dir string) (afero.Fs, error) { return confinedRootFs(t, dir) }},
	{"BasePathFs", false, func(t *testing.T, dir string) (afero.Fs, error) { return Confined(osBase(dir)) }},
	{"ReadOnlyFs", true, func(t *testing.T, dir string) (afero.Fs, error) {
		return Confined(afero.NewReadOnlyFs(osBase(dir)))
	}},
	{"ReadOnlyFs/RootFs", true, func(t *testing.T, dir string) (afero.Fs, error) {
		r, err := confinedRootFs(t, dir)
		if err != nil {
			return nil, err
		}
		return Confined(afero.NewReadOnlyFs(r))
	}},
	{"CopyOnWriteFs", false, func(t *testing.T, dir string) (afero.Fs, error) {
		return Confined(afero.NewCopyOnWriteFs(osBase(dir), afero.NewMemMapFs()))
	}},
	{"RegexpFs", false, func(t *testing.T, dir string) (afero.Fs, error) {
		return Confine(afero.NewRegexpFs(osBase(dir), regexp.MustCompile(`.`)), dir)
	}},
	{"CacheOnReadFs", false, func(t *testing.T, dir string) (afero.Fs, error) {
		return Confine(afero.NewCacheOnReadFs(osBase(dir), afero.NewMemMapFs(), 0), dir)
	}},
}

func osBase(dir string) afero.Fs { return afero.NewBasePathFs(afero.NewOsFs(), dir) }

func confinedRootFs(t *testing.T, dir string) (afero.Fs, error) {
	r, err := NewRootFs(dir)
	if err == nil {
		t.Cleanup(func() { r.(*RootFs).Close() })
	}
	return r, err
}

// TestConfinedKinds: on every kind of Fs, each way out through a symlink
// is a missing name for opens, stats, listings, renames to and from,
// mkdir, remove and set-times, as on a RootFs; links that stay inside
// work; nothing outside is read or changed.
func TestConfinedKinds(t *testing.T) {
	escapes := map[string]error{
		`\abs`:             smb.StatusObjectNameNotFound,
		`\rel`:             smb.StatusObjectNameNotFound,
		`\dangling`:        smb.StatusObjectNameNotFound,
		`\root`:            smb.StatusObjectNameNotFound,
		`\reldir`:          smb.StatusObjectNameNotFound,
		`\climb`:           smb.StatusObjectNameNotFound,
		`\sub\out`:         smb.StatusObjectNameNotFound,
		`\updir\secret`:    smb.StatusObjectPathNotFound,
		`\root\etc\passwd`: smb.StatusObjectPathNotFound,
		`\reldir\secret`:   smb.StatusObjectPathNotFound,
		`\climb\secret`:    smb.StatusObjectPathNotFound,
		`\sub\up\abs`:      smb.StatusObjectNameNotFound,
		`\subalias\out`:    smb.StatusObjectNameNotFound,
		`\updot\reldir\d`:  smb.StatusObjectPathNotFound,
		`\loop1`:           smb.StatusObjectPathNotFound,
	}
	inside := []string{`\alias`, `\chain`, `\sub\inner`, `\updot\real`, `\sub\up\real`, `\SUBALIAS\..\Real`, `\updot\sub\up\chain`}
	open := CreateParams{DesiredAccess: AccessGenericRead, CreateDisposition: FileOpen}
	for _, k := range confineKinds {
		t.Run(k.name, func(t *testing.T) {
			parent, dir := intruderTree(t)
			fsys, err := k.fs(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			s := NewShare(fsys, false)
			if s.ReadOnly() != k.ro {
				t.Errorf("ReadOnly() = %v", s.ReadOnly())
			}
			for p, want := range escapes {
				if _, _, err := s.Create(p, open); err != want {
					t.Errorf("open %s: %v, want %v", p, err, want)
				}
				if _, err := s.Stat(p); err != want {
					t.Errorf("Stat %s: %v, want %v", p, err, want)
				}
			}
			for _, p := range inside {
				if got := readAll(t, s, p); got != "inside" {
					t.Errorf("%s reads %q", p, got)
				}
			}
			for dir, want := range map[string][]string{
				`\`:    {".", "..", "alias", "chain", "real", "sub", "subalias", "updot"},
				`\sub`: {".", "..", "inner", "up"},
			} {
				entries, err := s.List(dir, "*")
				if err != nil {
					t.Fatal(err)
				}
				if got := names(entries); !reflect.DeepEqual(got, want) {
					t.Errorf("listing of %s = %v, want %v", dir, got, want)
				}
			}
			mutations := []struct {
				what string
				err  error
				want error
			}{
				{"rename into a link out", s.Rename(`\real`, `\updir\moved`, false), smb.StatusObjectPathNotFound},
				{"rename of a link out", s.Rename(`\abs`, `\moved`, false), smb.StatusObjectNameNotFound},
				{"rename of a file below a link out", s.Rename(`\updir\secret`, `\moved`, false), smb.StatusObjectPathNotFound},
				{"mkdir below a link out", s.Mkdir(`\updir\newdir`), smb.StatusObjectPathNotFound},
				{"remove below a link out", s.Remove(`\updir\secret`), smb.StatusObjectPathNotFound},
				{"set times through a link out", s.SetTimes(`\abs`, time.Unix(0, 0), time.Unix(0, 0)), smb.StatusObjectNameNotFound},
			}
			for _, m := range mutations {
				want := m.want
				if k.ro {
					want = smb.StatusMediaWriteProtected
				}
				if m.err != want {
					t.Errorf("%s: %v, want %v", m.what, m.err, want)
				}
			}
			// A create through a link out finds a missing name
			// (CopyOnWriteFs would copy the target up, or create a
			// file that hides the link, if let through).
			for _, p := range []string{`\dangling`, `\rel`} {
				want := smb.StatusObjectNameNotFound
				if k.ro {
					want = smb.StatusAccessDenied
				}
				for _, disp := range []uint32{FileOpenIf, FileOverwriteIf, FileCreate} {
					if _, _, err := s.Create(p, CreateParams{DesiredAccess: rw, CreateDisposition: disp}); err != want {
						t.Errorf("create %s (disposition %d) through a link out: %v, want %v", p, disp, err, want)
					}
				}
				if got, err := s.Stat(p); err != smb.StatusObjectNameNotFound {
					t.Errorf("after the creates, %s is %v, %v", p, got, err)
				}
			}
			// A rename onto the name of a link out replaces the link,
			// as rename(2) does, and leaves its target be. (RegexpFs
			// and CacheOnReadFs cannot create the file, CopyOnWriteFs
			// cannot rename one of its base.)
			from, want := `\real`, "inside"
			if k.name == "CopyOnWriteFs" {
				from, want = `\new`, "new"
				mustWrite(t, s, from, want)
			}
			err = s.Rename(from, `\rel`, true)
			switch {
			case k.ro:
				if err != smb.StatusMediaWriteProtected {
					t.Errorf("rename onto a link out: %v", err)
				}
			case err != nil:
				t.Errorf("rename onto a link out: %v", err)
			default:
				if got := readAll(t, s, `\rel`); got != want {
					t.Errorf("after a rename onto a link out, it reads %q", got)
				}
			}
			if b, err := os.ReadFile(filepath.Join(parent, "secret")); err != nil || string(b) != "outside" {
				t.Errorf("the secret outside: %q, %v", b, err)
			}
			if fi, err := os.Stat(filepath.Join(parent, "secret")); err != nil || fi.ModTime().Unix() == 0 {
				t.Errorf("the secret outside changed times: %v", err)
			}
			for _, name := range []string{"planted", "moved", "newdir"} {
				if _, err := os.Lstat(filepath.Join(parent, name)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s appeared outside the share: %v", name, err)
				}
			}
		})
	}
}

// TestConfinedChoice: which Fs Confined leaves alone, walks, jails or
// refuses.
func TestConfinedChoice(t *testing.T) {
	_, dir := escapeTree(t)
	root, err := confinedRootFs(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	mem := afero.NewMemMapFs()
	mem.Mkdir("/x", 0o755)
	cases := []struct {
		name string
		fs   afero.Fs
		want string // "same", "jail", "walk" or "refused"
	}{
		{"RootFs", root, "same"},
		{"MemMapFs", mem, "same"},
		{"OsFs", afero.NewOsFs(), "same"},
		{"BasePathFs/MemMapFs", afero.NewBasePathFs(mem, "/x"), "same"},
		{"RegexpFs/MemMapFs", afero.NewRegexpFs(mem, regexp.MustCompile(`.`)), "same"},
		{"embedded MemMapFs", struct{ afero.Fs }{mem}, "same"},
		{"BasePathFs/OsFs", osBase(dir), "jail"},
		{"ReadOnlyFs/BasePathFs", afero.NewReadOnlyFs(osBase(dir)), "walk"},
		{"ReadOnlyFs/RootFs", afero.NewReadOnlyFs(root), "walk"},
		{"CopyOnWriteFs", afero.NewCopyOnWriteFs(osBase(dir), mem), "walk"},
		{"RegexpFs/BasePathFs", afero.NewRegexpFs(osBase(dir), regexp.MustCompile(`.`)), "refused"},
		{"CacheOnReadFs/BasePathFs", afero.NewCacheOnReadFs(osBase(dir), afero.NewMemMapFs(), 0), "refused"},
		{"ReadOnlyFs/RegexpFs/BasePathFs", afero.NewReadOnlyFs(afero.NewRegexpFs(osBase(dir), nil)), "walk"},
		{"embedded BasePathFs", struct{ afero.Fs }{osBase(dir)}, "refused"},
	}
	for _, c := range cases {
		got, err := Confined(c.fs)
		var kind string
		switch j, _ := got.(*jailFs); {
		case errors.Is(err, ErrUncheckable):
			kind = "refused"
		case err != nil:
			t.Fatalf("%s: %v", c.name, err)
		case got == c.fs:
			kind = "same"
		case j != nil && j.walk != nil:
			kind = "walk"
		case j != nil:
			kind = "jail"
		}
		if kind != c.want {
			t.Errorf("Confined(%s) is %q, want %q", c.name, kind, c.want)
		}
	}
}

// TestConfinedSwappedSymlink: a directory swapped for a link out between
// the walk and the open is caught after the open, from the descriptor.
func TestConfinedSwappedSymlink(t *testing.T) {
	parent, dir := escapeTree(t)
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "secret"), []byte("decoy"), 0o644)
	fsys, err := Confined(afero.NewReadOnlyFs(&swapFs{Fs: osBase(dir), dir: dir, outside: parent}))
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := fsys.(*jailFs); j == nil || j.walk == nil || len(j.walk.roots) != 1 {
		t.Fatalf("Confined gave %#v, want a walk with the host root", fsys)
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

// BenchmarkConfinedStat measures a Stat of a name four components deep
// on each kind of Fs; "unconfined" is a ReadOnlyFs over a BasePathFs
// without the walk, the cost the walk adds to.
func BenchmarkConfinedStat(b *testing.B) {
	dir := b.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deep, "f"), []byte("x"), 0o644); err != nil {
		b.Fatal(err)
	}
	root, err := NewRootFs(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.(*RootFs).Close()
	jail, _ := Confined(osBase(dir))
	walk, _ := Confined(afero.NewReadOnlyFs(osBase(dir)))
	walkRoot, _ := Confined(afero.NewReadOnlyFs(root))
	for _, k := range []struct {
		name string
		fs   afero.Fs
	}{
		{"RootFs", root},
		{"unconfined", afero.NewReadOnlyFs(osBase(dir))},
		{"jail", jail},
		{"walk", walk},
		{"walk-RootFs", walkRoot},
	} {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.fs.Stat("/a/b/c/f"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRootFsReadlink: RootFs reads a link's text through the link's
// directory opened inside the root, long targets included, and refuses
// a link reached through a link out.
func TestRootFsReadlink(t *testing.T) {
	_, dir := intruderTree(t)
	long := strings.Repeat("x/", 300) + "y"
	if err := os.Symlink(long, filepath.Join(dir, "sub", "long")); err != nil {
		t.Fatal(err)
	}
	fsys, err := confinedRootFs(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	r := fsys.(afero.LinkReader)
	for name, want := range map[string]string{"alias": "real", "/sub/inner": "../real", "sub/long": long, "subalias/up": ".."} {
		if got, err := r.ReadlinkIfPossible(name); err != nil || got != want {
			t.Errorf("ReadlinkIfPossible(%s) = %q, %v, want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"real", "sub", "/", "missing", "updir/share", "../x"} {
		if got, err := r.ReadlinkIfPossible(name); err == nil {
			t.Errorf("ReadlinkIfPossible(%s) = %q", name, got)
		}
	}
}
