package vfs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// listed materializes a Listing as List would return it.
func listed(l *Listing) []Entry {
	var out []Entry
	for i := range l.Names {
		if e, ok := l.Entry(i); ok {
			out = append(out, e)
		}
	}
	return out
}

// TestListNamesAgreesWithList: reading the names first and stat'ing each
// entry later gives List's entries, names, order, dot flags and
// attributes, for every pattern form.
func TestListNamesAgreesWithList(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\d\Sub`)
		for _, n := range []string{"b.txt", "A.TXT", "c.doc", "noext", "x.y.txt"} {
			mustWrite(t, s, `\d\`+n, n)
		}
		if err := s.SetAttributes(`\d\c.doc`, AttrHidden); err != nil {
			t.Fatal(err)
		}
		for _, pattern := range []string{"*", "", "*.txt", "?.txt", "sub", "B.TXT", "missing", ".", "..", ConvertLegacyPattern("*.")} {
			want, err := s.List(`\D`, pattern)
			if err != nil {
				t.Fatal(err)
			}
			l, err := s.ListNames(`\D`, pattern)
			if err != nil {
				t.Fatalf("ListNames(%q): %v", pattern, err)
			}
			got := listed(l)
			if !reflect.DeepEqual(names(got), names(want)) {
				t.Errorf("ListNames(%q) = %v, List %v", pattern, names(got), names(want))
				continue
			}
			for i := range got {
				if got[i].Dot != want[i].Dot || got[i].Attributes() != want[i].Attributes() || got[i].Info.IsDir() != want[i].Info.IsDir() {
					t.Errorf("ListNames(%q)[%d] = %+v, List %+v", pattern, i, got[i], want[i])
				}
			}
		}
		// A name removed after the names were read is left out.
		l, err := s.ListNames(`\d`, "*")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Remove(`\d\noext`); err != nil {
			t.Fatal(err)
		}
		if got := names(listed(l)); !reflect.DeepEqual(got, []string{".", "..", "A.TXT", "Sub", "b.txt", "c.doc", "x.y.txt"}) {
			t.Errorf("after a remove: %v", got)
		}
		if _, err := s.ListNames(`\d\b.txt`, "*"); err != smb.StatusNotADirectory {
			t.Errorf("ListNames(file): %v", err)
		}
		if _, err := s.ListNames(`\nodir`, "*"); err != smb.StatusObjectNameNotFound {
			t.Errorf("ListNames(missing dir): %v", err)
		}
	})
}

// TestListNamesRootFsSymlinks: links are followed and links out of the
// share or to nowhere left out, as List does.
func TestListNamesRootFsSymlinks(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "share")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(parent, "secret"), []byte("s"), 0o644)
	os.WriteFile(filepath.Join(dir, "real"), []byte("r"), 0o644)
	os.Symlink("../secret", filepath.Join(dir, "out"))
	os.Symlink("real", filepath.Join(dir, "alias"))
	os.Symlink("nowhere", filepath.Join(dir, "dangling"))
	fsys, err := NewRootFs(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.(*RootFs).Close()
	s := NewShare(fsys, false)
	l, err := s.ListNames(`\`, "*")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(listed(l)); !reflect.DeepEqual(got, []string{".", "..", "alias", "real"}) {
		t.Errorf("listing = %v", got)
	}
}
