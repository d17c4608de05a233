package vfs

import (
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// watchDir opens dir and watches it, counting the calls in *fired.
func watchDir(t *testing.T, s *Share, dir string, tree bool, filter uint32, fired *int) *Watch {
	t.Helper()
	p := openDir
	p.ShareAccess = ShareRead | ShareWrite | ShareDelete
	d, _, err := s.Create(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	w, err := d.Watch(tree, filter, func() { *fired++ })
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWatchFiresOnceForItsDirectory(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\d\sub`)
		mustMkdir(t, s, `\other`)
		var n int
		w := watchDir(t, s, `\d`, false, NotifyFileName, &n)
		mustWrite(t, s, `\other\x`, "x") // elsewhere
		mustWrite(t, s, `\d\sub\y`, "y") // below, not watched as a tree
		mustMkdir(t, s, `\d\dir2`)       // a directory name: not in the filter
		if n != 0 {
			t.Fatalf("fired %d times before a matching change", n)
		}
		mustWrite(t, s, `\d\f`, "f")
		mustWrite(t, s, `\d\g`, "g")
		if n != 1 {
			t.Fatalf("fired %d times, want 1", n)
		}
		if w.Stop() {
			t.Fatal("Stop after firing reported the watch still pending")
		}
	})
}

func TestWatchTreeAndClasses(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustMkdir(t, s, `\d\sub`)
		mustMkdir(t, s, `\d\x`)
		mustWrite(t, s, `\d\sub\f`, "f")
		var tree, attrs, size, renames int
		watchDir(t, s, `\d`, true, NotifyFileName, &tree)
		watchDir(t, s, `\d\sub`, false, NotifyAttributes, &attrs)
		watchDir(t, s, `\d\sub`, false, NotifySize, &size)
		watchDir(t, s, `\`, true, NotifyDirName, &renames)
		if err := s.SetAttributes(`\d\sub\f`, AttrHidden); err != nil {
			t.Fatal(err)
		}
		f, _, err := s.Create(`\d\sub\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOpen})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte("longer"), 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := s.Remove(`\d\sub\f`); err != nil {
			t.Fatal(err)
		}
		if err := s.Rename(`\d\x`, `\d\x2`, false); err != nil {
			t.Fatal(err)
		}
		if tree != 1 || attrs != 1 || size != 1 || renames != 1 {
			t.Fatalf("tree %d attrs %d size %d renames %d, want 1 each", tree, attrs, size, renames)
		}
	})
}

func TestWatchStopped(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		var n int
		w := watchDir(t, s, `\d`, false, NotifyFileName, &n)
		if !w.Stop() {
			t.Fatal("Stop of a pending watch reported it fired")
		}
		mustWrite(t, s, `\d\f`, "f")
		if n != 0 {
			t.Fatalf("a stopped watch fired %d times", n)
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
		if _, err := f.Watch(false, NotifyFileName, func() {}); err != smb.StatusInvalidParameter {
			t.Fatalf("Watch on a file: %v, want StatusInvalidParameter", err)
		}
	})
}

func TestWatchOverwrite(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\d`)
		mustWrite(t, s, `\d\f`, "data")
		var n int
		watchDir(t, s, `\d`, false, NotifySize, &n)
		f, _, err := s.Create(`\d\f`, CreateParams{DesiredAccess: rw, CreateDisposition: FileOverwrite})
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if n != 1 {
			t.Fatalf("overwrite fired %d times, want 1", n)
		}
	})
}
