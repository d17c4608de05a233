package vfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
)

func TestIs83(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{".", true}, {"..", true}, {"A", true}, {"ABCDEFGH.TXT", true}, {"abc.txt", true},
		{"a~1.b", true}, {"$x-{y}.@", true}, {"README", true},
		{"ABCDEFGHI", false}, {"A.TEXT", false}, {"A.", false}, {".bashrc", false},
		{"a.b.c", false}, {"a b", false}, {"a+b", false}, {"é.txt", false}, {"", false},
	} {
		if got := Is83(tc.name); got != tc.want {
			t.Errorf("Is83(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMangle(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"torture_search.txt", "TO28KN~F.TXT"},
		{"LongFileName.txt", "LO3ZD4~4.TXT"},
		{"two.dots.x", "TW813B~0.X"},
		{".bashrc", "BA7WC8~Q"},
		{"~~~", "__PCJT~B"},
		{"a+b c.jpeg", "ABDMKS~Y.JPE"},
		{"日本.txt", "__AQYF~A.TXT"},
	} {
		got := Mangle(tc.name)
		if got != tc.want {
			t.Errorf("Mangle(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if !Is83(got) || !IsMangled(got) || !IsMangled(strings.ToLower(got)) {
			t.Errorf("Mangle(%q) = %q: not a valid mangled 8.3 name", tc.name, got)
		}
		// Case does not matter, including outside ASCII (KELVIN SIGN).
		if u := Mangle(strings.ToUpper(tc.name)); u != got {
			t.Errorf("Mangle(%q) = %q, want %q as for %q", strings.ToUpper(tc.name), u, got, tc.name)
		}
	}
	if Mangle("\u212Aelvin") != Mangle("kelvin") {
		t.Error("KELVIN SIGN and k mangle differently")
	}
	if ShortName("ABC.TXT") != "" || ShortName("abcdefghi") != Mangle("abcdefghi") {
		t.Error("ShortName: want empty for an 8.3 name, Mangle otherwise")
	}
	if AltName("abc.txt") != "abc.txt" || AltName("abcdefghi") != Mangle("abcdefghi") {
		t.Error("AltName: want an 8.3 name as it is, Mangle otherwise")
	}
	for _, n := range []string{"ABCDEF~1", "AB~DEF~1", "ABCDEF~1.TEXT", "ABCDEFG~", "ABCD~1.TXT"} {
		if n != "ABCDEF~1" && IsMangled(n) {
			t.Errorf("IsMangled(%q) = true", n)
		}
	}
}

func TestFoldKey(t *testing.T) {
	for _, pair := range [][2]string{
		{"abc", "ABC"}, {"Straße", "STRASSE"}, {"\u212A", "k"}, {"ſ", "S"}, {"ÄÖÜ", "äöü"}, {"Σ", "ς"},
	} {
		eq := strings.EqualFold(pair[0], pair[1])
		if got := foldKey(pair[0]) == foldKey(pair[1]); got != eq {
			t.Errorf("foldKey(%q) == foldKey(%q) is %v, strings.EqualFold says %v", pair[0], pair[1], got, eq)
		}
	}
	if n := testing.AllocsPerRun(10, func() { foldKey("ALREADY_FOLDED.TXT") }); n != 0 {
		t.Errorf("foldKey of a folded name allocates %v times", n)
	}
}

// TestShortNameLookup: a file opens by its short name in any case, a
// directory is crossed by its short name, and after the file is deleted a
// create by the short name the client was given recreates the long name
// (smbtorture base.mangle).
func TestShortNameLookup(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\Long Directory Name`)
		mustWrite(t, s, `\Long Directory Name\torture_search.txt`, "x")
		short := s.AltName("torture_search.txt")
		if short != "TO28KN~F.TXT" {
			t.Fatalf("AltName = %q", short)
		}
		dshort := Mangle("Long Directory Name")
		for _, p := range []string{`\Long Directory Name\` + short, `\` + strings.ToLower(dshort) + `\` + strings.ToLower(short)} {
			actual, _, err := s.lookup(p)
			if err != nil || actual != "/Long Directory Name/torture_search.txt" {
				t.Errorf("lookup(%s) = %q, %v", p, actual, err)
			}
		}
		if err := s.Remove(`\Long Directory Name\` + short); err != nil {
			t.Fatal(err)
		}
		f, act, err := s.Create(`\Long Directory Name\`+short, CreateParams{DesiredAccess: rw, CreateDisposition: FileCreate})
		if err != nil || act != FileCreated {
			t.Fatalf("create by short name: %v, %v", act, err)
		}
		f.Close()
		if !exists(s, `\Long Directory Name\TORTURE_SEARCH.TXT`) {
			t.Error("the create by short name did not recreate the long name")
		}
		// A short name nobody was given is created as it is.
		mustWrite(t, s, `\ZZ1234~5.TXT`, "y")
		if _, err := s.fs.Stat("/ZZ1234~5.TXT"); err != nil {
			t.Errorf("unknown short name: %v", err)
		}
	})
}

// freshIndex returns a share of a host directory holding Old.txt and the
// index of its root, built by a miss once the directory's last change fell
// out of the racy window, so that it is trusted for misses.
func freshIndex(t *testing.T) (*Share, string, *dirIndex) {
	t.Helper()
	s, dir := rootShare(t)
	if err := os.WriteFile(filepath.Join(dir, "Old.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * fineTick)
	if _, _, err := s.lookup(`\MISSING`); err != smb.StatusObjectNameNotFound {
		t.Fatalf("lookup of a missing name: %v", err)
	}
	x := s.names.get("/")
	if x == nil || !x.fresh {
		t.Fatalf("index after a miss: %+v", x)
	}
	return s, dir, x
}

// TestNameIndexSeesOtherProcesses: the index built by a miss answers the
// next misses without a scan, but a file another process creates, renames
// or removes underneath is seen at once, because the directory's stat
// record changes.
func TestNameIndexSeesOtherProcesses(t *testing.T) {
	s, dir, x := freshIndex(t)
	if _, _, err := s.lookup(`\missing`); err != smb.StatusObjectNameNotFound || s.names.get("/") != x {
		t.Fatalf("second miss: %v; index rebuilt: %v", err, s.names.get("/") != x)
	}
	// Another process creates the name, then renames and removes files.
	if err := os.WriteFile(filepath.Join(dir, "Missing"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if a, _, err := s.lookup(`\MISSING`); err != nil || a != "/Missing" {
		t.Errorf("after an outside create: %q, %v", a, err)
	}
	if err := os.Rename(filepath.Join(dir, "Old.txt"), filepath.Join(dir, "New.txt")); err != nil {
		t.Fatal(err)
	}
	if a, _, err := s.lookup(`\NEW.TXT`); err != nil || a != "/New.txt" {
		t.Errorf("after an outside rename: %q, %v", a, err)
	}
	if _, _, err := s.lookup(`\OLD.TXT`); err != smb.StatusObjectNameNotFound {
		t.Errorf("renamed-away name: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "New.txt")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.lookup(`\NEW.TXT`); err != smb.StatusObjectNameNotFound {
		t.Errorf("after an outside remove: %v", err)
	}
}

// TestNameIndexRacy: an index built within a clock tick of the
// directory's last change does not answer misses, since a change in that
// same tick can leave the directory's timestamps as they were; one built
// later does.
func TestNameIndexRacy(t *testing.T) {
	s, dir := rootShare(t)
	if err := os.WriteFile(filepath.Join(dir, "b"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.lookup(`\C`); err != smb.StatusObjectNameNotFound {
		t.Fatal(err)
	}
	x := s.names.get("/")
	if x == nil || !x.verified {
		t.Fatalf("index: %+v", x)
	}
	if x.fresh {
		t.Skip("the directory's change is more than a tick old already")
	}
	// Make the index miss "b", as if b had been created after the scan
	// within the same tick: the miss must scan again.
	delete(x.names, foldKey("b"))
	if a, _, err := s.lookup(`\B`); err != nil || a != "/b" {
		t.Errorf("a racy index answered a miss: %q, %v", a, err)
	}
	// Once the change is old, the index is trusted for misses.
	time.Sleep(2 * fineTick)
	if _, _, err := s.lookup(`\C`); err != smb.StatusObjectNameNotFound {
		t.Fatal(err)
	}
	x = s.names.get("/")
	if !x.fresh {
		t.Fatalf("index built %v after the change is not fresh", 2*fineTick)
	}
	delete(x.names, foldKey("b"))
	if _, _, err := s.lookup(`\B`); err != smb.StatusObjectNameNotFound {
		t.Errorf("a fresh index scanned again on a miss: %v", err)
	}
}

// TestNameIndexOwnChanges: files the share itself creates, renames and
// removes go into the directory's index without a new scan, and misses are
// answered from it; an outside change hidden behind one of ours is seen
// once the index is ownTrust older than its last scan.
func TestNameIndexOwnChanges(t *testing.T) {
	s, dir, x := freshIndex(t)
	f, _, err := s.Create(`\New.txt`, CreateParams{DesiredAccess: AccessFileAll, CreateDisposition: FileCreate})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := s.Mkdir(`\Sub`); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(`\Old.txt`, `\Renamed.txt`, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(`\NEW.TXT`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, want string }{
		{`\RENAMED.TXT`, "/Renamed.txt"}, {`\sub`, "/Sub"}, {`\OLD.TXT`, ""}, {`\new.txt`, ""}, {`\OTHER`, ""},
	} {
		a, _, err := s.lookup(c.name)
		if c.want == "" && err != smb.StatusObjectNameNotFound || c.want != "" && (err != nil || a != c.want) {
			t.Errorf("lookup of %s after the share's changes: %q, %v; want %q", c.name, a, err, c.want)
		}
	}
	if s.names.get("/") != x {
		t.Fatal("the share's own changes made the index scan the directory again")
	}
	if x.count != 2 {
		t.Errorf("index holds %d names, want 2 (Renamed.txt, Sub)", x.count)
	}
	// An outside create, then a change of ours that takes the directory's
	// stat record after it: the index does not know the outside name but
	// answers misses only within ownTrust of its last scan.
	if err := os.WriteFile(filepath.Join(dir, "Outside"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Mkdir(`\Sub2`); err != nil {
		t.Fatal(err)
	}
	x.mu.Lock()
	x.scanned = time.Now().Add(-2 * ownTrust)
	x.mu.Unlock()
	if a, _, err := s.lookup(`\OUTSIDE`); err != nil || a != "/Outside" {
		t.Errorf("an outside create behind one of ours, %v after the last scan: %q, %v", 2*ownTrust, a, err)
	}
}

// TestNameIndexBounded: the index keeps at most its limit of entries,
// dropping the least recently used directories, and never keeps a
// directory larger than the limit.
func TestNameIndexBounded(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		s.names.limit = 5
		for _, d := range []string{"/a", "/b", "/c"} {
			mustMkdir(t, s, d)
			for _, f := range []string{"x", "y"} {
				mustWrite(t, s, d+"/"+f, "")
			}
		}
		mustMkdir(t, s, "/big")
		for _, f := range []string{"1", "2", "3", "4", "5", "6"} {
			mustWrite(t, s, "/big/"+f, "")
		}
		for _, p := range []string{`\a\Z`, `\b\Z`, `\a\Z`, `\c\Z`, `\big\Z`} {
			if _, _, err := s.lookup(p); err != smb.StatusObjectNameNotFound {
				t.Fatalf("lookup(%s): %v", p, err)
			}
		}
		if s.names.get("/b") != nil || s.names.get("/a") == nil || s.names.get("/c") == nil || s.names.get("/big") != nil {
			t.Errorf("kept %v, want /a and /c", keys(s.names.dirs))
		}
		if s.names.entries != 4 {
			t.Errorf("entries = %d, want 4", s.names.entries)
		}
	})
}

func keys(m map[string]*dirIndex) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// rootShare is a Share over a RootFs in a new temporary directory.
func rootShare(t *testing.T) (*Share, string) {
	dir := t.TempDir()
	fsys, err := NewRootFs(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.(*RootFs).Close() })
	return NewShare(fsys, false), dir
}

// TestNameIndexConcurrent: lookups, short-name lookups and creates from
// several goroutines share one index (run with -race).
func TestNameIndexConcurrent(t *testing.T) {
	s, _ := rootShare(t)
	s.names.limit = 8
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				d := fmt.Sprintf(`\d%d`, i%3)
				s.Mkdir(d)
				mustWriteErr(s, fmt.Sprintf(`%s\Long Name %d-%d.txt`, d, g, i))
				s.lookup(fmt.Sprintf(`%s\LONG NAME %d-%d.TXT`, d, g, i))
				s.lookup(d + `\` + Mangle(fmt.Sprintf("long name %d-%d.txt", g, i)))
				s.lookup(d + `\missing`)
			}
		}()
	}
	wg.Wait()
	for g := range 4 {
		if a, _, err := s.lookup(fmt.Sprintf(`\D1\%s`, Mangle(fmt.Sprintf("long name %d-1.txt", g)))); err != nil || a != fmt.Sprintf("/d1/Long Name %d-1.txt", g) {
			t.Errorf("short name of goroutine %d's file: %q, %v", g, a, err)
		}
	}
}

// mustWriteErr creates an empty file, for goroutines that cannot fail the
// test; a failure shows up in the lookups that follow.
func mustWriteErr(s *Share, p string) {
	if f, _, err := s.Create(p, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwriteIf}); err == nil {
		f.Close()
	}
}
