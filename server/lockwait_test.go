//go:build !tinysmbd_nocore

package server_test

import (
	"encoding/binary"
	"testing"
	"time"
)

// lockingAndXRequest is a LOCKING_ANDX (MS-CIFS 2.2.4.32.1) of one byte at
// off for PID 1, an unlock when unlock is set, with TypeOfLock typ.
func lockingAndXRequest(fid uint16, typ byte, timeout uint32, off uint32, unlock bool) (words, data []byte) {
	words = []byte{0xFF, 0, 0, 0}
	words = binary.LittleEndian.AppendUint16(words, fid)
	words = append(words, typ, 0)
	words = le32(words, timeout)
	if unlock {
		words = append(words, 1, 0, 0, 0)
	} else {
		words = append(words, 0, 0, 1, 0)
	}
	data = le16(1) // PID, Offset, Length
	data = le32(data, off)
	data = le32(data, 1)
	return words, data
}

// waitLockTimers waits until hs has want Timeout timers armed.
func waitLockTimers(t *testing.T, hs *hostileServer, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for hs.srv.LockTimers() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d lock Timeout timers armed, want %d", hs.srv.LockTimers(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLockWaitTimersReleased: a LOCKING_ANDX that waits arms a timer for
// its Timeout, and every way the wait can end — granted, timed out,
// cancelled, the waiter's connection gone — stops it, so that no waiter or
// request stays referenced for the client's whole timeout.
func TestLockWaitTimersReleased(t *testing.T) {
	hs := newHostileServer(t)
	a, b := hs.login(t), hs.login(t)
	fa, fb := a.open(t, "victim.txt"), b.open(t, "victim.txt")
	w, d := lockingAndXRequest(fa, 0, 0, 0, false)
	a.call(t, cmdLockingAndX, a.uid, a.tid, w, d, statusSuccess)

	// Granted: a unlocks while b waits with a minute's timeout.
	w, d = lockingAndXRequest(fb, 0, 60_000, 0, false)
	b.mid++
	hostileWrite(t, b.c, smbRequest(cmdLockingAndX, b.mid, b.uid, b.tid, clientFlags2, w, d))
	waitLockTimers(t, hs, 1)
	w, d = lockingAndXRequest(fa, 0, 0, 0, true)
	a.call(t, cmdLockingAndX, a.uid, a.tid, w, d, statusSuccess)
	expectStatus(t, b.c, cmdLockingAndX, b.mid, statusSuccess)
	waitLockTimers(t, hs, 0)

	// Timed out: b holds byte 0 now; a waits 50 ms for it.
	w, d = lockingAndXRequest(fa, 0, 50, 0, false)
	a.call(t, cmdLockingAndX, a.uid, a.tid, w, d, statusFileLockConfl)
	waitLockTimers(t, hs, 0)

	// Cancelled: LOCKING_ANDX_CANCEL_LOCK (0x08) for the waiting range.
	w, d = lockingAndXRequest(fa, 0, 60_000, 0, false)
	a.mid++
	waitMID := a.mid
	hostileWrite(t, a.c, smbRequest(cmdLockingAndX, a.mid, a.uid, a.tid, clientFlags2, w, d))
	waitLockTimers(t, hs, 1)
	w, d = lockingAndXRequest(fa, 0x08, 0, 0, false)
	a.mid++
	hostileWrite(t, a.c, smbRequest(cmdLockingAndX, a.mid, a.uid, a.tid, clientFlags2, w, d))
	expectStatus(t, a.c, cmdLockingAndX, waitMID, statusFileLockConfl)
	expectStatus(t, a.c, cmdLockingAndX, a.mid, statusSuccess)
	waitLockTimers(t, hs, 0)

	// Disconnected: a waits again and hangs up.
	w, d = lockingAndXRequest(fa, 0, 60_000, 0, false)
	a.mid++
	hostileWrite(t, a.c, smbRequest(cmdLockingAndX, a.mid, a.uid, a.tid, clientFlags2, w, d))
	waitLockTimers(t, hs, 1)
	a.c.Close()
	waitLockTimers(t, hs, 0)
}
