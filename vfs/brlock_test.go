package vfs

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// lockFixture opens one file of a fresh share twice, as two FIDs sharing
// everything.
func lockFixture(t *testing.T) (s *Share, f1, f2 *File) {
	t.Helper()
	s = NewShare(afero.NewMemMapFs(), false)
	open := func(disp uint32) *File {
		f, _, err := s.Create(`\lock.dat`, CreateParams{
			DesiredAccess: AccessFileGenericRead | AccessFileGenericWrite, CreateDisposition: disp,
			ShareAccess: ShareAll,
		})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f1, f2 = open(FileOpenIf), open(FileOpen)
	t.Cleanup(func() { f1.Close(); f2.Close() })
	return s, f1, f2
}

func rng(pid uint32, off, n uint64) []LockRange {
	return []LockRange{{PID: pid, Offset: off, Length: n}}
}

// TestLockZeroByte is smbtorture raw.lock zerobytelocks: a zero-byte lock
// at 10 conflicts only with ranges that contain 10 past their start.
func TestLockZeroByte(t *testing.T) {
	cases := []struct {
		off, n uint64
		ok     bool
	}{{10, 0, true}, {9, 1, true}, {10, 1, true}, {11, 1, true}, {9, 2, false}, {10, 2, true}, {9, 3, false}}
	for _, c := range cases {
		for _, order := range []bool{false, true} {
			_, f1, _ := lockFixture(t)
			a, b := rng(1000, 10, 0), rng(1001, c.off, c.n)
			if order {
				a, b = b, a
			}
			if err := f1.Lock(a, false); err != nil {
				t.Fatal(err)
			}
			err := f1.Lock(b, false)
			if (err == nil) != c.ok {
				t.Errorf("{10,0} and {%d,%d} (swapped %v): err %v, want ok=%v", c.off, c.n, order, err, c.ok)
			}
		}
	}
}

// TestLockFailStatus is the "last failed lock" rule of smbtorture
// raw.lock lock/lockx/errorcode.
func TestLockFailStatus(t *testing.T) {
	_, f1, f2 := lockFixture(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	want := func(f *File, r []LockRange, st smb.NTStatus) {
		t.Helper()
		if err := f.Lock(r, false); err != st {
			t.Fatalf("lock %+v: %v, want %v", r[0], err, st)
		}
	}
	must(f1.Lock(rng(1, 100, 10), false))
	want(f2, rng(1, 100, 10), smb.StatusLockNotGranted)   // first failure on f2
	want(f1, rng(1, 100, 10), smb.StatusLockNotGranted)   // own exclusive lock conflicts too
	want(f1, rng(1, 100, 10), smb.StatusFileLockConflict) // same offset again
	want(f2, rng(2, 100, 10), smb.StatusFileLockConflict) // PID does not matter
	must(f2.Lock(rng(1, 100, 0), false))                  // zero-byte at the start: no conflict, cache kept
	want(f2, rng(1, 100, 5), smb.StatusFileLockConflict)
	want(f2, rng(1, 105, 10), smb.StatusLockNotGranted) // new offset resets
	// From 0xEF000000 up to 2^63 every failure is a conflict.
	must(f1.Lock(rng(1, 0xEF000000, 4000), false))
	want(f2, rng(2, 0xEF000000, 4000), smb.StatusFileLockConflict)
	must(f1.Lock(rng(1, 1<<63, 1), false))
	want(f2, rng(2, 1<<63, 1), smb.StatusLockNotGranted)
	// The top of the 64-bit space wraps as Windows' arithmetic does.
	must(f1.Lock(rng(1, ^uint64(0), 1), false))
	must(f2.Lock(rng(2, ^uint64(0), 0), false))
}

func TestLockStackingAndUnlock(t *testing.T) {
	_, f1, f2 := lockFixture(t)
	if err := f1.Lock(rng(1, 0, 10), false); err != nil {
		t.Fatal(err)
	}
	// A shared lock stacks on the owner's exclusive lock, not on another's.
	if err := f1.Lock(rng(1, 0, 10), true); err != nil {
		t.Fatalf("stack shared on own exclusive: %v", err)
	}
	if err := f2.Lock(rng(1, 0, 10), true); err == nil {
		t.Fatal("shared lock of another FID granted over an exclusive one")
	}
	// Unlock takes the exclusive lock first, whatever the request's type.
	if err := f1.Unlock(rng(1, 0, 10)); err != nil {
		t.Fatal(err)
	}
	if err := f2.Lock(rng(1, 0, 10), true); err != nil {
		t.Fatalf("shared over the remaining shared lock: %v", err)
	}
	// Unlocking stops at the first range not locked; earlier ones stay
	// unlocked.
	if err := f1.Unlock([]LockRange{{1, 0, 10}, {1, 50, 1}}); err != smb.StatusRangeNotLocked {
		t.Fatalf("unlock: %v", err)
	}
	if err := f1.Unlock(rng(1, 0, 10)); err != smb.StatusRangeNotLocked {
		t.Fatalf("second unlock: %v", err)
	}
	// Locks of one request are all or nothing.
	if err := f2.Lock([]LockRange{{1, 100, 10}, {1, 5, 1}}, false); err == nil {
		t.Fatal("lock over f2's own shared lock granted")
	}
	if err := f1.Lock(rng(1, 100, 10), false); err != nil {
		t.Fatalf("first range of a failed request was kept: %v", err)
	}
}

func TestCheckIO(t *testing.T) {
	_, f1, f2 := lockFixture(t)
	if err := f1.CheckIO(1, 0, 100, true); err != nil {
		t.Fatal(err)
	}
	f1.Lock(rng(1, 10, 10), false)
	f1.Lock(rng(1, 30, 10), true)
	cases := []struct {
		f     *File
		pid   uint32
		off   uint64
		n     int
		write bool
		want  error
	}{
		{f1, 1, 10, 5, true, nil},                          // own exclusive lock
		{f1, 2, 10, 5, false, smb.StatusFileLockConflict},  // other PID
		{f2, 1, 15, 10, false, smb.StatusFileLockConflict}, // other FID
		{f2, 1, 15, 0, false, nil},                         // zero-byte I/O never conflicts
		{f2, 1, 30, 5, false, nil},                         // reading under a shared lock
		{f1, 1, 35, 1, true, smb.StatusFileLockConflict},   // writing under one's own shared lock
		{f2, 1, 20, 10, true, nil},                         // between the locks
	}
	for i, c := range cases {
		if err := c.f.CheckIO(c.pid, c.off, c.n, c.write); err != c.want {
			t.Errorf("case %d: %v, want %v", i, err, c.want)
		}
	}
}

// TestCheckIOAllocs keeps the READ/WRITE path allocation-free, locked or not.
func TestCheckIOAllocs(t *testing.T) {
	_, f1, f2 := lockFixture(t)
	if n := testing.AllocsPerRun(100, func() { f2.CheckIO(1, 0, 10, true) }); n != 0 {
		t.Fatalf("unlocked: %v allocations", n)
	}
	f1.Lock(rng(1, 100, 10), false)
	if n := testing.AllocsPerRun(100, func() { f2.CheckIO(1, 0, 10, true) }); n != 0 {
		t.Fatalf("locked: %v allocations", n)
	}
}

func TestLockWait(t *testing.T) {
	_, f1, f2 := lockFixture(t)
	f1.Lock(rng(1, 100, 10), false)
	var got []error
	done := func(err error) { got = append(got, err) }

	// Granted at once: no waiter, no call.
	w, err := f2.LockWait(rng(1, 0, 10), false, done)
	if w != nil || err != nil || len(got) != 0 {
		t.Fatalf("free range: %v %v %v", w, err, got)
	}
	// Unlocking grants the waiter.
	w, _ = f2.LockWait(rng(1, 100, 10), false, done)
	if w == nil {
		t.Fatal("conflicting request not queued")
	}
	f1.Unlock(rng(1, 100, 10))
	if len(got) != 1 || got[0] != nil {
		t.Fatalf("after unlock: %v", got)
	}
	if w.Expire() {
		t.Fatal("Expire of a granted waiter")
	}
	// A newcomer does not overtake a waiter; expiry reports a conflict
	// and arms the last-failure rule.
	w, _ = f1.LockWait(rng(1, 100, 10), false, done)
	if err := f1.Lock(rng(2, 105, 1), false); err != smb.StatusLockNotGranted {
		t.Fatalf("lock under a waiter: %v", err)
	}
	if !w.Expire() || got[1] != smb.StatusFileLockConflict {
		t.Fatalf("expire: %v", got)
	}
	if err := f1.Lock(rng(1, 100, 10), false); err != smb.StatusFileLockConflict {
		t.Fatalf("after expiry: %v", err)
	}
	// Cancel and close end waiters with their statuses.
	w, _ = f1.LockWait(rng(1, 100, 10), false, done)
	if !w.Cancel(smb.StatusCancelled) || w.Cancel(smb.StatusCancelled) || got[2] != smb.StatusCancelled {
		t.Fatalf("cancel: %v", got)
	}
	f1.LockWait(rng(1, 100, 10), false, done)
	f1.Close()
	if got[3] != smb.StatusRangeNotLocked {
		t.Fatalf("close: %v", got)
	}
}

// TestLockWaitPrecedence is smbtorture raw.lock multilock2: a waiter for
// two ranges keeps a later waiter for one of them off it.
func TestLockWaitPrecedence(t *testing.T) {
	_, f1, _ := lockFixture(t)
	two := []LockRange{{1, 100, 10}, {1, 120, 10}}
	f1.Lock(two, false)
	var b, c []error
	f1.LockWait([]LockRange{{2, 100, 10}, {2, 120, 10}}, false, func(err error) { b = append(b, err) })
	wc, _ := f1.LockWait(rng(3, 100, 10), false, func(err error) { c = append(c, err) })
	f1.Unlock(two[:1])
	if len(b)+len(c) != 0 {
		t.Fatalf("granted out of order: b %v c %v", b, c)
	}
	wc.Expire()
	f1.Unlock(two[1:])
	if len(b) != 1 || b[0] != nil {
		t.Fatalf("first waiter: %v", b)
	}
}
