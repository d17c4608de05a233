package vfs

import (
	"slices"
	"testing"
)

// TestDirIndexAddRemove: names added and removed one at a time leave the
// index as a scan of the same names would build it, case duplicates
// included (smallest first), and adding a name twice or removing one that
// is not there changes nothing.
func TestDirIndexAddRemove(t *testing.T) {
	x := &dirIndex{dir: "/", names: map[string]string{}}
	for _, n := range []string{"b.txt", "README", "readme", "ReadMe", "b.txt", "longer name.text"} {
		x.add(n)
	}
	var buf [2]string
	check := func(what, name string, want ...string) {
		t.Helper()
		if got := x.candidates(name, &buf); !slices.Equal(got, want) {
			t.Errorf("%s: candidates(%q) = %q, want %q", what, name, got, want)
		}
	}
	check("added", "README", "README", "ReadMe", "readme")
	check("added", "B.TXT", "b.txt")
	check("short name", Mangle("longer name.text"), "longer name.text")
	if x.count != 5 {
		t.Errorf("count %d after adding 5 names (one twice), want 5", x.count)
	}
	if !x.remove("README") || x.remove("README") || x.remove("absent") {
		t.Error("remove reported the wrong names as present")
	}
	check("one duplicate removed", "readme", "ReadMe", "readme")
	x.remove("readme")
	check("one spelling left", "README", "ReadMe")
	if x.dups[foldKey("readme")] != nil {
		t.Error("a key with one spelling left keeps its duplicate list")
	}
	x.remove("longer name.text")
	check("short name removed", Mangle("longer name.text"))
	if x.count != 2 {
		t.Errorf("count %d, want 2 (b.txt, ReadMe)", x.count)
	}
}
