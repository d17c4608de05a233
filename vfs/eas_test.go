package vfs

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

func TestEAStore(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	f, _, err := s.Create(`\a.txt`, CreateParams{DesiredAccess: AccessFileAll, CreateDisposition: FileCreate, ShareAccess: ShareAll,
		EAs: []EA{{Name: EAName([]byte("one")), Value: []byte("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetEAs([]EA{{Name: "TWO", Value: []byte("22")}, {Name: "ONE"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.EAs(); len(got) != 1 || got[0].Name != "TWO" || string(got[0].Value) != "22" {
		t.Fatalf("EAs %+v", got)
	}
	// 4 + 5 + len("TWO") + len("22")
	if n := s.EASize("/a.txt"); n != 14 {
		t.Errorf("EASize %d", n)
	}
	f.Close()
	if err := s.Rename(`\a.txt`, `\b.txt`, false); err != nil {
		t.Fatal(err)
	}
	if s.EAs("/a.txt") != nil || len(s.EAsOf(`\B.TXT`)) != 1 {
		t.Error("EAs did not follow the rename")
	}
	if err := s.Remove(`\b.txt`); err != nil {
		t.Fatal(err)
	}
	if s.EAs("/b.txt") != nil || s.eas.bytes != 0 {
		t.Errorf("EAs kept after delete (%d bytes)", s.eas.bytes)
	}
}

func TestEAStoreBounds(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	s.MaxEABytes = 200
	f, _, err := s.Create(`\a`, CreateParams{DesiredAccess: AccessFileAll, CreateDisposition: FileCreate, ShareAccess: ShareAll})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetEAs([]EA{{Name: "A", Value: make([]byte, 300)}}); err != smb.StatusInsuffServerResources {
		t.Errorf("over the share bound: %v", err)
	}
	s.MaxEABytes = 0
	if err := f.SetEAs([]EA{{Name: "A", Value: make([]byte, 65000)}, {Name: "B", Value: make([]byte, 1000)}}); err != smb.StatusEATooLarge {
		t.Errorf("over 64 KiB per file: %v", err)
	}
	if f.EAs() != nil {
		t.Error("a refused set changed something")
	}
	for _, bad := range []string{"", "A:B", "A\x01", "A*"} {
		if ValidEAName([]byte(bad)) != smb.StatusInvalidEAName {
			t.Errorf("%q accepted", bad)
		}
	}
	if ValidEAName([]byte("EA TWO")) != nil || EAName([]byte("ea two")) != "EA TWO" {
		t.Error("good name refused or not upper-cased")
	}
}
