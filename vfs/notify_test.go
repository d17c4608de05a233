package vfs

import (
	"slices"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// watchDir opens dir and watches it with room for max bytes of changes.
func watchDir(t *testing.T, s *Share, dir string, tree bool, filter uint32, max int) (*File, *Watch) {
	t.Helper()
	p := openDir
	p.ShareAccess = ShareRead | ShareWrite | ShareDelete
	d, _, err := s.Create(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w, err := d.Watch(tree, filter, max)
	if err != nil {
		t.Fatal(err)
	}
	return d, w
}

// expectNext takes w's collected changes at once and compares them with
// want.
func expectNext(t *testing.T, w *Watch, want ...Change) {
	t.Helper()
	called := false
	if wt := w.Next(func(list []Change, lost bool) {
		called = true
		if lost || !slices.Equal(list, want) {
			t.Errorf("changes %v lost %v, want %v", list, lost, want)
		}
	}); wt != nil || !called {
		t.Fatalf("no changes waiting, want %v", want)
	}
}

// expectNone checks that w has nothing collected: Next queues a waiter,
// which is then cancelled.
func expectNone(t *testing.T, w *Watch) {
	t.Helper()
	wt := w.Next(func(list []Change, lost bool) { t.Errorf("changes %v lost %v, want none", list, lost) })
	if wt == nil || !w.Cancel(wt) {
		t.Fatal("Next handed out changes, want none")
	}
}

func TestWatchCollectsItsDirectory(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\d\sub`)
		mustMkdir(t, s, `\other`)
		_, w := watchDir(t, s, `\d`, false, NotifyFileName, 1000)
		mustWrite(t, s, `\other\x`, "x") // elsewhere
		mustWrite(t, s, `\d\sub\y`, "y") // below, not watched as a tree
		mustMkdir(t, s, `\d\dir2`)       // a directory name: not in the filter
		expectNone(t, w)
		mustWrite(t, s, `\d\f`, "f")
		if err := s.Remove(`\d\f`); err != nil {
			t.Fatal(err)
		}
		expectNext(t, w, Change{smb.FileActionAdded, "f"}, Change{smb.FileActionRemoved, "f"})
		expectNone(t, w)
	})
}

func TestWatchWaiters(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		_, w := watchDir(t, s, `\d`, false, NotifyDirName, 1000)
		var got [][]Change
		fn := func(list []Change, lost bool) { got = append(got, list) }
		first, second, third := w.Next(fn), w.Next(fn), w.Next(fn)
		if !w.Cancel(second) || w.Cancel(second) {
			t.Fatal("Cancel of a queued waiter: want true once")
		}
		// One change completes one waiter, the first queued.
		mustMkdir(t, s, `\d\a`)
		if len(got) != 1 || !slices.Equal(got[0], []Change{{smb.FileActionAdded, "a"}}) || w.Cancel(first) {
			t.Fatalf("after one change: %x, first still pending %v", got, w.Cancel(first))
		}
		if err := s.Rmdir(`\d\a`); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !slices.Equal(got[1], []Change{{smb.FileActionRemoved, "a"}}) || w.Cancel(third) {
			t.Fatalf("after two changes: %x", got)
		}
	})
}

func TestWatchRename(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\d\sub`)
		mustMkdir(t, s, `\d\x`)
		mustWrite(t, s, `\d\f`, "f")
		const all = NotifyFileName | NotifyDirName | NotifyAttributes | NotifyCreation
		_, tree := watchDir(t, s, `\d`, true, all, 1000)
		_, names := watchDir(t, s, `\d`, false, NotifyFileName, 1000)
		_, sub := watchDir(t, s, `\d\sub`, false, all, 1000)
		// Within one directory: the old and new names; a file also shows
		// as modified under its new name.
		if err := s.Rename(`\d\f`, `\d\g`, false); err != nil {
			t.Fatal(err)
		}
		expectNext(t, tree, Change{smb.FileActionRenamedOldName, "f"}, Change{smb.FileActionRenamedNewName, "g"},
			Change{smb.FileActionModified, "g"})
		expectNext(t, names, Change{smb.FileActionRenamedOldName, "f"}, Change{smb.FileActionRenamedNewName, "g"})
		// A directory: no modification.
		if err := s.Rename(`\d\x`, `\d\y`, false); err != nil {
			t.Fatal(err)
		}
		expectNext(t, tree, Change{smb.FileActionRenamedOldName, "x"}, Change{smb.FileActionRenamedNewName, "y"})
		expectNone(t, names)
		// Across directories: removed from one, added to the other; the
		// tree watch names the subdirectory.
		if err := s.Rename(`\d\g`, `\d\sub\h`, false); err != nil {
			t.Fatal(err)
		}
		expectNext(t, tree, Change{smb.FileActionRemoved, "g"}, Change{smb.FileActionAdded, `sub\h`},
			Change{smb.FileActionModified, `sub\h`})
		expectNext(t, names, Change{smb.FileActionRemoved, "g"})
		expectNext(t, sub, Change{smb.FileActionAdded, "h"}, Change{smb.FileActionModified, "h"})
	})
}

func TestWatchModified(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustWrite(t, s, `\d\f`, "data")
		_, size := watchDir(t, s, `\d`, false, NotifySize, 1000)
		_, attrs := watchDir(t, s, `\d`, false, NotifyAttributes, 1000)
		_, times := watchDir(t, s, `\d`, false, NotifyLastWrite|NotifyLastAccess, 1000)
		f, _, err := s.Create(`\d\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		// Writes show when the handle closes, once.
		for range 3 {
			if _, err := f.WriteAt([]byte("longer"), 0); err != nil {
				t.Fatal(err)
			}
		}
		expectNone(t, size)
		modified := Change{smb.FileActionModified, "f"}
		// A resize is a size and attribute change.
		if err := f.Truncate(1); err != nil {
			t.Fatal(err)
		}
		expectNext(t, size, modified)
		expectNext(t, attrs, modified)
		expectNone(t, times)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		expectNext(t, size, modified)
		expectNext(t, times, modified)
		expectNone(t, attrs)
		// Attributes: only a real change counts.
		if err := s.SetAttributes(`\d\f`, AttrHidden); err != nil {
			t.Fatal(err)
		}
		expectNext(t, attrs, modified)
		if err := s.SetAttributes(`\d\f`, AttrHidden); err != nil {
			t.Fatal(err)
		}
		expectNone(t, attrs)
		expectNone(t, size)
		expectNone(t, times)
	})
}

func TestWatchOverflow(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		// Room for two 16-byte entries ("a0", "a1"), not three.
		_, w := watchDir(t, s, `\d`, false, NotifyDirName, 40)
		mustMkdir(t, s, `\d\a0`)
		mustMkdir(t, s, `\d\a1`)
		expectNext(t, w, Change{smb.FileActionAdded, "a0"}, Change{smb.FileActionAdded, "a1"})
		for _, n := range []string{`\d\a0`, `\d\a1`} {
			if err := s.Rmdir(n); err != nil {
				t.Fatal(err)
			}
		}
		mustMkdir(t, s, `\d\a2`)
		lost := false
		if w.Next(func(list []Change, l bool) { lost = l && list == nil }) != nil || !lost {
			t.Fatal("three changes in a 40-byte buffer were not reported lost")
		}
		// The buffer starts afresh.
		mustMkdir(t, s, `\d\a3`)
		expectNext(t, w, Change{smb.FileActionAdded, "a3"})
	})
}

func TestWatchKeepsItsFirstFilter(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		d, w := watchDir(t, s, `\d`, false, NotifyAttributes, 1000)
		again, err := d.Watch(true, NotifyFileName, 1000)
		if err != nil || again != w {
			t.Fatalf("second Watch: %p %v, want the first %p", again, err, w)
		}
		mustWrite(t, s, `\d\f`, "f")
		expectNone(t, w)
	})
}

func TestWatchEndsWithItsDirectory(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		d, w := watchDir(t, s, `\d`, false, NotifyFileName, 1000)
		wt := w.Next(func([]Change, bool) { t.Error("a closed directory's waiter was called") })
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, s, `\d\f`, "f")
		if s.watches.n.Load() != 0 {
			t.Fatal("the watch outlived its directory")
		}
		if !w.Cancel(wt) {
			t.Fatal("Cancel after Close: the waiter was not pending")
		}
	})
}

func TestWatchNeedsADirectory(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustWrite(t, s, `\f`, "f")
		f, _, err := s.Create(`\f`, openRW)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Watch(false, NotifyFileName, 1000); err != smb.StatusInvalidParameter {
			t.Fatalf("Watch on a file: %v, want StatusInvalidParameter", err)
		}
	})
}

func TestWatchOverwrite(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustWrite(t, s, `\d\f`, "data")
		_, w := watchDir(t, s, `\d`, false, NotifySize, 1000)
		f, _, err := s.Create(`\d\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwrite})
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		expectNext(t, w, Change{smb.FileActionModified, "f"})
	})
}
