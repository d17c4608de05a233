package vfs

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

func TestOpenTable(t *testing.T) {
	var tab OpenTable // the zero value works
	f := &File{}
	seen := map[uint16]bool{}
	for i := 0; i < MaxOpenFiles; i++ {
		fid, err := tab.Add(f)
		if err != nil {
			t.Fatalf("Add #%d: %v", i, err)
		}
		if fid == 0 || fid == 0xFFFF || seen[fid] {
			t.Fatalf("Add #%d gave FID %#x", i, fid)
		}
		seen[fid] = true
	}
	if _, err := tab.Add(f); err != smb.StatusTooManyOpenedFiles {
		t.Fatalf("Add to a full table: %v", err)
	}
	if got, err := tab.Remove(7); got != f || err != nil {
		t.Fatalf("Remove(7) = %v, %v", got, err)
	}
	if fid, err := tab.Add(f); fid != 7 || err != nil {
		t.Fatalf("the only free FID: %d, %v", fid, err)
	}
	if _, err := tab.Get(0); err != smb.StatusInvalidHandle {
		t.Errorf("Get(0): %v", err)
	}
	if _, err := tab.Get(0xFFFF); err != smb.StatusInvalidHandle {
		t.Errorf("Get(0xFFFF): %v", err)
	}
}

func TestOpenTableReusesLate(t *testing.T) {
	tab := NewOpenTable(3)
	f := &File{}
	a, _ := tab.Add(f)
	b, _ := tab.Add(f)
	tab.Remove(a)
	c, _ := tab.Add(f)
	if c == a || c == b {
		t.Errorf("FID %d reused at once (had %d, %d)", c, a, b)
	}
	if _, err := tab.Add(f); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Add(f); err != smb.StatusTooManyOpenedFiles {
		t.Errorf("limit 3 not enforced: %v", err)
	}
	if _, err := tab.Remove(a); err != smb.StatusInvalidHandle {
		t.Errorf("Remove of a removed FID: %v", err)
	}
}

func TestOpenTableClose(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	tab := NewOpenTable(0)
	var fids []uint16
	for i, name := range []string{`\a`, `\b`, `\c`} {
		f, _, err := s.Create(name, CreateParams{
			DesiredAccess:     AccessGenericAll,
			CreateDisposition: FileCreate,
			CreateOptions:     FileDeleteOnClose,
		})
		if err != nil {
			t.Fatal(err)
		}
		f.Owner = i
		fid, _ := tab.Add(f)
		fids = append(fids, fid)
	}
	n := 0
	tab.Range(func(uint16, *File) bool { n++; return true })
	if n != 3 || tab.Len() != 3 {
		t.Errorf("Range saw %d, Len %d", n, tab.Len())
	}
	if err := tab.CloseWhere(func(_ uint16, f *File) bool { return f.Owner == 1 }); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Get(fids[1]); err != smb.StatusInvalidHandle || tab.Len() != 2 {
		t.Error("CloseWhere left the file in the table")
	}
	if _, err := s.Stat(`\b`); err != smb.StatusObjectNameNotFound {
		t.Errorf("delete-on-close through CloseWhere: %v", err)
	}
	if err := tab.CloseAll(); err != nil || tab.Len() != 0 {
		t.Errorf("CloseAll: %v, Len %d", err, tab.Len())
	}
	for _, name := range []string{`\a`, `\c`} {
		if _, err := s.Stat(name); err != smb.StatusObjectNameNotFound {
			t.Errorf("%s after CloseAll: %v", name, err)
		}
	}
}
