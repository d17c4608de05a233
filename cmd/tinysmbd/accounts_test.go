package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const testPasswd = `# comment
root:x:0:0:root:/root:/bin/sh
  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

+nisuser:x:500:500::/:/bin/sh
-other
short:x:7
badid:x:abc:5:::
srv:x:1000:1000:Service,,,:/home/srv:/bin/sh
42:x:1001:100::/home/n:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`

const testGroup = `root:x:0:
daemon:x:1:
# wheel:x:10:srv
users:x:100:srv,other
audio:x:29:other , srv
video:x:44:srv
dup:x:1000:srv
+nis:x:7:srv
broken:x:zz:srv
noname
nogroup:x:65534:
srv:x:1000:
plugdev:x:46:other,srv2
disk:x:6:srv
`

func TestFindAccount(t *testing.T) {
	for _, tc := range []struct {
		name     string
		uid, gid int
		wantErr  bool
	}{
		{"root", 0, 0, false},
		{"daemon", 1, 1, false}, // leading blanks are trimmed
		{"srv", 1000, 1000, false},
		{"1000", 1000, 1000, false}, // a UID the file knows
		{"42", 1001, 100, false},    // a user called "42" wins over UID 42
		{"65534", 65534, 65534, false},
		{"nisuser", 0, 0, true}, // NIS compat entries are skipped
		{"+nisuser", 0, 0, true},
		{"short", 0, 0, true},
		{"badid", 0, 0, true},
		{"4242", 0, 0, true}, // a UID the file does not know
		{"", 0, 0, true},
		{"# comment", 0, 0, true},
	} {
		a, err := findAccount(testPasswd, tc.name)
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "unknown user") {
				t.Errorf("findAccount(%q) = %+v, %v; want an unknown user error", tc.name, a, err)
			}
			continue
		}
		if err != nil || a.id != tc.uid || a.gid != tc.gid {
			t.Errorf("findAccount(%q) = %+v, %v; want uid %d gid %d", tc.name, a, err, tc.uid, tc.gid)
		}
	}
}

func TestFindGroup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		gid     int
		wantErr bool
	}{
		{"root", 0, false},
		{"users", 100, false},
		{"srv", 1000, false},
		{"dup", 1000, false},
		{"1000", 1000, false}, // first group with that GID
		{"65534", 65534, false},
		{"wheel", 0, true}, // commented out
		{"nis", 0, true},
		{"broken", 0, true},
		{"noname", 0, true},
		{"12345", 0, true},
	} {
		g, err := findGroup(testGroup, tc.name)
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "unknown group") {
				t.Errorf("findGroup(%q) = %+v, %v; want an unknown group error", tc.name, g, err)
			}
			continue
		}
		if err != nil || g.id != tc.gid {
			t.Errorf("findGroup(%q) = %+v, %v; want gid %d", tc.name, g, err, tc.gid)
		}
	}
}

func TestGroupsOf(t *testing.T) {
	srv, err := findAccount(testPasswd, "srv")
	if err != nil {
		t.Fatal(err)
	}
	// Primary first; then users, video and disk. Not audio (" srv" is not
	// "srv"), not dup (same GID as the primary), not the NIS, broken or
	// commented entries, not plugdev ("srv2").
	if got, want := groupsOf(testGroup, srv), []int{1000, 100, 44, 6}; !slices.Equal(got, want) {
		t.Errorf("groupsOf(srv) = %v; want %v", got, want)
	}
	nobody, _ := findAccount(testPasswd, "nobody")
	if got, want := groupsOf(testGroup, nobody), []int{65534}; !slices.Equal(got, want) {
		t.Errorf("groupsOf(nobody) = %v; want %v", got, want)
	}
	// A primary GID the group file does not list still comes first.
	if got, want := groupsOf("", entry{name: "x", gid: 77}), []int{77}; !slices.Equal(got, want) {
		t.Errorf("groupsOf with an empty group file = %v; want %v", got, want)
	}
}

// TestLookupRunAsFiles runs lookupRunAs and lookupGroup against fixture
// files, so their results do not depend on the machine's accounts.
func TestLookupRunAsFiles(t *testing.T) {
	dir := t.TempDir()
	pw, gr := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	if err := os.WriteFile(pw, []byte(testPasswd), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gr, []byte(testGroup), 0o644); err != nil {
		t.Fatal(err)
	}
	oldPw, oldGr := passwdFile, groupFile
	passwdFile, groupFile = pw, gr
	t.Cleanup(func() { passwdFile, groupFile = oldPw, oldGr })

	for _, tc := range []struct {
		spec     string
		uid, gid int
		groups   []int
	}{
		{"srv", 1000, 1000, []int{1000, 100, 44, 6}},
		{"1000", 1000, 1000, []int{1000, 100, 44, 6}},
		{"srv:video", 1000, 44, []int{44}},
		{"srv:44", 1000, 44, []int{44}},
		{"nobody:nogroup", 65534, 65534, []int{65534}},
	} {
		id, err := lookupRunAs(tc.spec)
		if err != nil || id.uid != tc.uid || id.gid != tc.gid || !slices.Equal(id.groups, tc.groups) {
			t.Errorf("lookupRunAs(%q) = %+v, %v; want uid %d gid %d groups %v", tc.spec, id, err, tc.uid, tc.gid, tc.groups)
		}
	}
	for _, spec := range []string{"ghost", "srv:ghosts", "srv:4444"} {
		if _, err := lookupRunAs(spec); err == nil || !strings.Contains(err.Error(), `run_as "`+spec+`"`) {
			t.Errorf("lookupRunAs(%q) = %v; want an error naming it", spec, err)
		}
	}

	if gid, err := lookupGroup("video"); err != nil || gid != 44 {
		t.Errorf("lookupGroup(video) = %d, %v; want 44", gid, err)
	}

	passwdFile = filepath.Join(dir, "missing")
	if _, err := lookupRunAs("srv"); err == nil {
		t.Error("lookupRunAs without a passwd file succeeded")
	}
}
