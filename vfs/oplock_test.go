package vfs

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// breakLog records the breaks an open's OplockBreak is called with.
type breakLog struct {
	to   []uint8
	wait []bool
}

func (l *breakLog) fn() OplockBreak {
	return func(to uint8, wait bool) {
		l.to = append(l.to, to)
		l.wait = append(l.wait, wait)
	}
}

// openShared opens \f of s for reading and writing, sharing everything.
func openShared(t *testing.T, s *Share) *File {
	t.Helper()
	f, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpenIf, ShareAccess: ShareAll})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBreakOplock: which opens break an exclusive or batch oplock and wait
// for it, to which level, and that the holder's acknowledgement ends the
// wait keeping what it was offered.
func TestBreakOplock(t *testing.T) {
	statOpen := AccessReadAttributes | AccessSynchronize
	cases := []struct {
		name          string
		level         uint8
		holderII      bool // the holder's client takes level II oplocks
		holderShare   uint32
		access, share uint32
		kind          uint8
		wait          bool
		to            uint8
	}{
		{"batch, compatible open", smb.OplockBatch, true, ShareAll, rwAccess, ShareAll, OpenData, true, smb.OplockLevelII},
		{"batch breaks before the share check", smb.OplockBatch, true, 0, rwAccess, ShareAll, OpenData, true, smb.OplockLevelII},
		{"exclusive, compatible open", smb.OplockExclusive, true, ShareAll, rwAccess, ShareAll, OpenData, true, smb.OplockLevelII},
		{"exclusive, sharing violation: no break", smb.OplockExclusive, true, 0, rwAccess, ShareAll, OpenData, false, 0},
		{"stat open never breaks", smb.OplockBatch, true, 0, statOpen, ShareAll, OpenData, false, 0},
		{"overwriting stat open breaks to none", smb.OplockBatch, true, ShareAll, statOpen, ShareAll, OpenOverwrite, true, smb.OplockNone},
		{"overwrite breaks to none", smb.OplockExclusive, true, ShareAll, rwAccess, ShareAll, OpenOverwrite, true, smb.OplockNone},
		{"holder without level II breaks to none", smb.OplockBatch, false, ShareAll, rwAccess, ShareAll, OpenData, true, smb.OplockNone},
		{"rename by path breaks batch to none", smb.OplockBatch, true, 0, AccessDelete | AccessWriteAttributes, ShareAll, OpenPathChange, true, smb.OplockNone},
		{"rename by path leaves exclusive", smb.OplockExclusive, true, ShareAll, AccessDelete | AccessWriteAttributes, ShareAll, OpenPathChange, false, 0},
		{"generic read is data access", smb.OplockBatch, true, ShareAll, AccessGenericRead, ShareAll, OpenData, true, smb.OplockLevelII},
	}
	for _, c := range cases {
		s := NewShare(afero.NewMemMapFs(), false)
		f, _, err := s.Create(`\f`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpenIf, ShareAccess: c.holderShare})
		if err != nil {
			t.Fatal(err)
		}
		var log breakLog
		if got := f.GrantOplock(c.level, c.holderII, log.fn()); got != c.level {
			t.Fatalf("%s: granted %d, want %d", c.name, got, c.level)
		}
		woken := 0
		wait := s.BreakOplock(`\F`, c.access, c.share, c.kind, func() { woken++ })
		if wait != c.wait || len(log.to) != btoi(c.wait) {
			t.Fatalf("%s: wait %v, breaks %v; want %v", c.name, wait, log.to, c.wait)
		}
		if !wait {
			f.Close()
			continue
		}
		if log.to[0] != c.to || !log.wait[0] {
			t.Fatalf("%s: broken to %d (wait %v), want %d", c.name, log.to[0], log.wait[0], c.to)
		}
		// A second waiter joins the break in progress.
		if !s.BreakOplock(`\f`, c.access, c.share, c.kind, func() { woken++ }) || len(log.to) != 1 {
			t.Fatalf("%s: second waiter: breaks %v", c.name, log.to)
		}
		f.AckOplock(1) // the holder asks for level II whatever it was offered
		if woken != 2 || f.Oplock() != c.to {
			t.Fatalf("%s: %d woken, level %d after the acknowledgement, want %d", c.name, woken, f.Oplock(), c.to)
		}
		if s.BreakOplock(`\f`, c.access, c.share, OpenData, func() {}) {
			t.Fatalf("%s: still waits after the acknowledgement", c.name)
		}
		f.Close()
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestOplockAckToNone: a holder offered level II may give everything up.
func TestOplockAckToNone(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	f := openShared(t, s)
	defer f.Close()
	var log breakLog
	f.GrantOplock(smb.OplockBatch, true, log.fn())
	woken := false
	if !s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() { woken = true }) {
		t.Fatal("no wait")
	}
	f.AckOplock(0)
	if !woken || f.Oplock() != smb.OplockNone {
		t.Fatalf("woken %v, level %d", woken, f.Oplock())
	}
}

// TestOplockExpire: the server giving up the wait takes the oplock away
// and ends the wait; a late expiry (its break acknowledged already) does
// not touch the level II oplock the holder kept.
func TestOplockExpire(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	f := openShared(t, s)
	defer f.Close()
	f.GrantOplock(smb.OplockExclusive, true, func(uint8, bool) {})
	f.ExpireOplockBreak() // no break in progress
	if f.Oplock() != smb.OplockExclusive {
		t.Fatalf("expiry without a break: level %d", f.Oplock())
	}
	woken := false
	s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() { woken = true })
	f.ExpireOplockBreak()
	if !woken || f.Oplock() != smb.OplockNone {
		t.Fatalf("woken %v, level %d after expiry", woken, f.Oplock())
	}

	g := openShared(t, s)
	defer g.Close()
	h := openShared(t, s)
	f.Close()
	g.Close()
	h.GrantOplock(smb.OplockBatch, true, func(uint8, bool) {})
	s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() {})
	h.AckOplock(1)
	h.ExpireOplockBreak()
	if h.Oplock() != smb.OplockLevelII {
		t.Fatalf("late expiry: level %d, want level II", h.Oplock())
	}
	h.Close()
}

// TestOplockGrant: an exclusive or batch oplock goes to a file's only open;
// beside other opens a client taking level II gets level II, unless
// another open holds an exclusive or batch oplock; a directory gets none.
func TestOplockGrant(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	if err := s.fs.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	d, _, err := s.Create(`\d`, CreateParams{DesiredAccess: rwAccess, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GrantOplock(smb.OplockBatch, true, nil); got != smb.OplockNone {
		t.Fatalf("directory granted %d", got)
	}
	d.Close()

	f1 := openShared(t, s)
	defer f1.Close()
	if got := f1.GrantOplock(smb.OplockNone, true, nil); got != smb.OplockNone {
		t.Fatalf("granted %d unasked", got)
	}
	f2 := openShared(t, s)
	defer f2.Close()
	if got := f2.GrantOplock(smb.OplockBatch, false, nil); got != smb.OplockNone {
		t.Fatalf("second open without level II granted %d", got)
	}
	f3 := openShared(t, s)
	defer f3.Close()
	if got := f3.GrantOplock(smb.OplockExclusive, true, func(uint8, bool) {}); got != smb.OplockLevelII {
		t.Fatalf("third open granted %d, want level II", got)
	}

	g := NewShare(afero.NewMemMapFs(), false)
	h := openShared(t, g)
	defer h.Close()
	if got := h.GrantOplock(smb.OplockExclusive, true, func(uint8, bool) {}); got != smb.OplockExclusive {
		t.Fatalf("only open granted %d", got)
	}
	// A stat open does not break the holder and gets nothing beside it
	// (smbtorture raw.oplock EXCLUSIVE4).
	st, _, err := g.Create(`\f`, CreateParams{DesiredAccess: AccessReadAttributes, CreateDisposition: FileOpen, ShareAccess: ShareAll})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := st.GrantOplock(smb.OplockBatch, true, func(uint8, bool) {}); got != smb.OplockNone {
		t.Fatalf("beside an exclusive oplock granted %d", got)
	}
}

// TestOplockCloseEndsWait: closing the holder ends the wait.
func TestOplockCloseEndsWait(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	f := openShared(t, s)
	f.GrantOplock(smb.OplockExclusive, true, func(uint8, bool) {})
	woken := false
	if !s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() { woken = true }) {
		t.Fatal("no wait")
	}
	f.Close()
	if !woken {
		t.Fatal("close did not end the wait")
	}
}

// TestOplockDeletePending: an open of a delete-pending file fails without
// breaking the holder (smbtorture raw.oplock DOC1).
func TestOplockDeletePending(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	f := openShared(t, s)
	defer f.Close()
	var log breakLog
	f.GrantOplock(smb.OplockBatch, true, log.fn())
	s.setDeletePending(f, true)
	if s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() {}) || len(log.to) != 0 {
		t.Fatalf("broke a delete-pending file: %v", log.to)
	}
}

// levelIIPair opens \f twice, the first with a batch oplock broken to
// level II by the second, which gets level II too.
func levelIIPair(t *testing.T, s *Share) (a, b *File, la, lb *breakLog) {
	t.Helper()
	la, lb = &breakLog{}, &breakLog{}
	a = openShared(t, s)
	a.GrantOplock(smb.OplockBatch, true, la.fn())
	if !s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() {}) {
		t.Fatal("no break")
	}
	a.AckOplock(1)
	b = openShared(t, s)
	if got := b.GrantOplock(smb.OplockBatch, true, lb.fn()); got != smb.OplockLevelII {
		t.Fatalf("second open granted %d", got)
	}
	la.to, la.wait = nil, nil
	return a, b, la, lb
}

// TestBreakLevelII: a write, a truncate or a byte-range lock through any
// open breaks every level II oplock to none, the writer's own included,
// at once and without a wait; the next write breaks nothing.
func TestBreakLevelII(t *testing.T) {
	// off keeps each lock on a range of its own.
	off := uint64(0)
	ops := []struct {
		name string
		do   func(f *File) error
	}{
		{"write", func(f *File) error { _, err := f.WriteAt([]byte("x"), 0); return err }},
		{"truncate", func(f *File) error { return f.Truncate(10) }},
		{"lock", func(f *File) error {
			off++
			return f.Lock([]LockRange{{PID: 1, Offset: off, Length: 1}}, false)
		}},
		{"lock wait", func(f *File) error {
			off++
			_, err := f.LockWait([]LockRange{{PID: 1, Offset: off, Length: 1}}, true, func(error) {})
			return err
		}},
	}
	for _, op := range ops {
		s := NewShare(afero.NewMemMapFs(), false)
		a, b, la, lb := levelIIPair(t, s)
		if err := op.do(b); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		for _, l := range []*breakLog{la, lb} {
			if len(l.to) != 1 || l.to[0] != smb.OplockNone || l.wait[0] {
				t.Fatalf("%s: breaks %v (wait %v), want one to none without a wait", op.name, l.to, l.wait)
			}
		}
		if a.Oplock() != smb.OplockNone || b.Oplock() != smb.OplockNone || a.node.nlevelII.Load() != 0 {
			t.Fatalf("%s: levels %d, %d after the break", op.name, a.Oplock(), b.Oplock())
		}
		if err := op.do(a); err != nil {
			t.Fatalf("%s again: %v", op.name, err)
		}
		if len(la.to)+len(lb.to) != 2 {
			t.Fatalf("%s: a second change broke again", op.name)
		}
		// An acknowledgement of a level II break changes nothing.
		a.AckOplock(0)
		a.Close()
		b.Close()
	}
}

// TestBreakLevelIIOverwrite: an overwriting open breaks level II holders to
// none without waiting; a plain open leaves them alone.
func TestBreakLevelIIOverwrite(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	a, b, la, lb := levelIIPair(t, s)
	defer a.Close()
	defer b.Close()
	if s.BreakOplock(`\f`, rwAccess, ShareAll, OpenData, func() {}) || len(la.to)+len(lb.to) != 0 {
		t.Fatal("a plain open broke level II")
	}
	if s.BreakOplock(`\f`, rwAccess, ShareAll, OpenOverwrite, func() {}) {
		t.Fatal("an overwrite waited for level II holders")
	}
	if len(la.to) != 1 || len(lb.to) != 1 || la.to[0] != smb.OplockNone || lb.to[0] != smb.OplockNone {
		t.Fatalf("breaks %v, %v", la.to, lb.to)
	}
}

// TestLevelIICountOnClose: closing a level II holder forgets it, so that
// writes to the file go back to the lock-free fast path.
func TestLevelIICountOnClose(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	a, b, _, _ := levelIIPair(t, s)
	n := a.node
	if got := n.nlevelII.Load(); got != 2 {
		t.Fatalf("%d level II holders, want 2", got)
	}
	b.Close()
	if got := n.nlevelII.Load(); got != 1 {
		t.Fatalf("%d level II holders after a close, want 1", got)
	}
	a.Close()
	if got := n.nlevelII.Load(); got != 0 {
		t.Fatalf("%d level II holders after both closed", got)
	}
}

// TestBreakLevelIINoAllocs: writes to a file without level II holders pay
// an atomic load and no allocation.
func TestBreakLevelIINoAllocs(t *testing.T) {
	s := NewShare(afero.NewMemMapFs(), false)
	f := openShared(t, s)
	defer f.Close()
	if n := testing.AllocsPerRun(100, f.BreakLevelII); n != 0 {
		t.Fatalf("BreakLevelII allocates %v times", n)
	}
}
