package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Byte-range locks and the requests that wait for them. The lock table is
// vfs's (one per share, shared by every connection); this file turns
// LOCKING_ANDX, LOCK_BYTE_RANGE and UNLOCK_BYTE_RANGE into its calls and
// owns the asynchronous side: a LOCKING_ANDX with a Timeout that cannot be
// granted at once leaves its reply pending while the connection goes on
// serving other requests. The reply is sent later from whichever goroutine
// ends the wait — the connection that releases the conflicting lock, the
// timer, or this connection's own reader on CANCEL_LOCK, NT_CANCEL, CLOSE,
// logoff or tree disconnect. The pending request owns its reply buffer
// from then on, so finishing it touches no state of the reader.

// errPending tells handleMessage that the handler kept the request for a
// reply it will send later.
var errPending = errPendingType{}

type errPendingType struct{}

func (errPendingType) Error() string { return "reply pending" }

// pendingKey names a request the way NT_CANCEL does (MS-CIFS 2.2.4.65:
// the cancel carries the UID, TID, PID and MID of the request to cancel).
type pendingKey struct {
	uid, tid, mid uint16
	pid           uint32
}

// pendingLock is a LOCKING_ANDX waiting for its locks.
type pendingLock struct {
	c    *conn
	req  *request
	w    *vfs.LockWaiter
	done atomic.Bool
	// timer ends the wait at the request's Timeout; it is stopped when
	// the wait ends otherwise, so that a granted or cancelled lock does
	// not keep its request alive for the client's whole timeout.
	timer atomic.Pointer[time.Timer]
	// fid, large and locks are what LOCKING_ANDX_CANCEL_LOCK matches.
	fid   uint16
	large bool
	locks []vfs.LockRange
}

// complete sends the pending reply; it runs once, on the goroutine that
// ended the wait.
func (p *pendingLock) complete(err error) {
	p.done.Store(true)
	p.stopTimer()
	req := p.req
	if err == nil {
		smb.EncodeLockingAndXResponse(&req.resp)
	} else {
		req.resp.Empty(smb.ComLockingAndX)
		req.resp.SetStatus(statusOf(err))
	}
	p.c.sendDetached(req)
}

// armTimer ends the wait with a conflict after d. complete and armTimer
// may run at once on two goroutines: each checks the other's atomic after
// storing its own, so the timer is stopped whichever comes last.
func (p *pendingLock) armTimer(d time.Duration) {
	p.c.srv.lockTimers.Add(1)
	t := time.AfterFunc(d, func() {
		if p.timer.Swap(nil) != nil {
			p.c.srv.lockTimers.Add(-1)
		}
		p.w.Expire()
	})
	p.timer.Store(t)
	if p.done.Load() {
		p.stopTimer()
	}
}

// stopTimer stops the Timeout timer, once, if it has not fired.
func (p *pendingLock) stopTimer() {
	if t := p.timer.Swap(nil); t != nil {
		t.Stop()
		p.c.srv.lockTimers.Add(-1)
	}
}

// sendDetached sends the reply of a request that left the reader: like
// finish, but the request record is not recycled (it may be finished on
// another goroutine), and the reply is written at once — the reader
// flushes only before it waits for input, and may be waiting already.
func (c *conn) sendDetached(req *request) {
	b := req.resp.Bytes()
	putFrameHeader(b, c.framing)
	signReply(req, b)
	*req.buf = b
	c.w.sendNow(outMsg{buf: req.buf})
}

// lockPID is the process a lock or an I/O request speaks for. Only the low
// 16 bits count, as in Windows and Samba: smbtorture raw.lock pidhigh
// checks that PID 0x10001 is the owner of PID 1's locks.
func lockPID(p uint16) uint32 { return uint32(p) }

// checkIO refuses a read the handle's access does not allow and a read or
// write the file's byte-range locks forbid
// (MS-CIFS 3.3.5.36, 3.3.5.37: STATUS_FILE_LOCK_CONFLICT). It does not
// allocate.
func (c *conn) checkIO(req *request, f *vfs.File, off uint64, n int, write bool) error {
	if !write && !f.IsDir() && f.Access()&vfs.AccessReadData == 0 &&
		(f.Access()&vfs.AccessExecute == 0 || req.hdr.Flags2()&smb.Flags2PagingIO == 0) {
		// MS-SMB 2.2.3.1: SMB_FLAGS2_READ_IF_EXECUTE (the PAGING_IO bit)
		// lets a handle with execute but no read access read, as a loader
		// pages an image in; without it the read is refused (Samba's
		// CHECK_READ, smbtorture raw.read "read for execute").
		return smb.StatusAccessDenied
	}
	return f.CheckIO(lockPID(req.hdr.PIDLow()), off, n, write)
}

// opener identifies the client process of a request for DENY_DOS and FCB
// handle sharing: the connection, the session and the PID.
func (c *conn) opener(req *request) uint64 {
	return c.id<<32 | uint64(req.uid)<<16 | uint64(req.hdr.PIDLow())
}

// maxLockRanges bounds the ranges of one LOCKING_ANDX; the message size
// bounds them anyway, this keeps one request's table work small.
const maxLockRanges = 1024

// lockingAndX locks, unlocks and cancels byte ranges, and takes oplock
// break acknowledgements (MS-CIFS 3.3.5.27).
func (c *conn) lockingAndX(req *request, b smb.Block) error {
	q, err := smb.ParseLockingAndXRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	nUnlock, nLock := int(q.NumberOfRequestedUnlocks()), int(q.NumberOfRequestedLocks())
	typ := q.TypeOfLock()
	if typ&smb.LockingOplockRelease != 0 {
		// MS-CIFS 3.3.5.27: the client gives its oplock up, keeping
		// level II if NewOplockLevel says so and the break offered it;
		// the acknowledgement alone gets no reply, nor does one of a
		// level II break, which needs none (MS-CIFS 3.3.4.2).
		if f, err := c.file(req, q.FID()); err == nil {
			f.AckOplock(q.NewOplockLevel())
		}
		if nUnlock == 0 && nLock == 0 {
			return errNoReply
		}
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	if nUnlock+nLock > maxLockRanges {
		return smb.StatusInvalidParameter
	}
	if typ&smb.LockingChangeLockType != 0 {
		// Windows does not change lock types atomically and says so with
		// ERRDOS/ERRnoatomiclocks (smbtorture raw.lock changetype).
		return smb.StatusSMBNoAtomicLocks
	}
	if nUnlock > 0 {
		if err := f.Unlock(lockRanges(q.Unlock, nUnlock)); err != nil {
			return statusOf(err)
		}
	}
	if nLock == 0 {
		smb.EncodeLockingAndXResponse(&req.resp)
		return nil
	}
	locks := lockRanges(q.Lock, nLock)
	shared := typ&smb.LockingSharedLock != 0
	if typ&smb.LockingCancelLock != 0 {
		// MS-CIFS 3.3.5.27: cancel the pending request for these ranges;
		// none pending is ERRDOS/ERRcancelviolation.
		if !c.cancelLock(q.FID(), q.Large(), locks[0]) {
			return smb.StatusSMBCancelViolation
		}
		smb.EncodeLockingAndXResponse(&req.resp)
		return nil
	}
	if q.Large() {
		for _, r := range locks {
			// MS-FSA 2.1.5.7: a range whose last byte lies past 2^64 - 1
			// is STATUS_INVALID_LOCK_RANGE.
			if r.Length != 0 && r.Offset+r.Length-1 < r.Offset {
				return smb.StatusInvalidLockRange
			}
		}
	}
	timeout := q.Timeout()
	if timeout == 0 {
		if err := f.Lock(locks, shared); err != nil {
			return statusOf(err)
		}
		smb.EncodeLockingAndXResponse(&req.resp)
		return nil
	}
	p := &pendingLock{c: c, req: req, fid: q.FID(), large: q.Large(), locks: locks}
	w, err := f.LockWait(locks, shared, p.complete)
	if err != nil {
		return statusOf(err)
	}
	if w == nil {
		smb.EncodeLockingAndXResponse(&req.resp)
		return nil
	}
	p.w = w
	c.addPending(pendingKey{uid: req.uid, tid: req.tid, mid: req.hdr.MID(), pid: req.hdr.PID()}, p)
	if timeout != smb.LockTimeoutForever {
		p.armTimer(time.Duration(timeout) * time.Millisecond)
	}
	return errPending
}

// lockRanges decodes n ranges with at (Unlock or Lock).
func lockRanges(at func(int) smb.LockRange, n int) []vfs.LockRange {
	rs := make([]vfs.LockRange, n)
	for i := range rs {
		r := at(i)
		rs[i] = vfs.LockRange{PID: lockPID(r.PID), Offset: r.Offset, Length: r.Length}
	}
	return rs
}

// addPending remembers p for NT_CANCEL, forgetting requests that ended.
func (c *conn) addPending(k pendingKey, p *pendingLock) {
	if c.pending == nil {
		c.pending = make(map[pendingKey]*pendingLock)
	}
	for k, o := range c.pending {
		if o.done.Load() {
			delete(c.pending, k)
		}
	}
	c.pending[k] = p
}

// sharingDelay is how long an open that meets a sharing violation waits
// for the conflicting open to close before it fails: Samba's one second
// for SMB1 (smbtorture raw.mux, base.defer_open).
const sharingDelay = time.Second

// deferOpen holds an open that failed with a sharing violation: the whole
// message is replayed when an open of the file closes, or after
// sharingDelay, and the replay's answer is final. Only a message whose
// first block is the open is deferred (a chain after a SESSION_SETUP must
// not run twice), and only once.
func (c *conn) deferOpen(req *request, b smb.Block, share *vfs.Share, name string) bool {
	if b.Offset != smb.HeaderLen {
		return false
	}
	deadline := time.Now().Add(sharingDelay)
	if c.replaying {
		// Still in conflict after a close: wait on, up to the first
		// attempt's deadline.
		deadline = c.replayDeadline
	}
	left := time.Until(deadline)
	if left <= 0 {
		return false
	}
	d := &deferred{msg: append([]byte(nil), b.Msg...), deadline: deadline, sign: req.sign}
	var once sync.Once
	fire := func() { once.Do(func() { c.queueReplay(d) }) }
	if !share.WaitClose(name, fire) {
		return false
	}
	time.AfterFunc(left, fire)
	return true
}

// deferred is a message waiting to be replayed.
type deferred struct {
	msg      []byte
	deadline time.Time
	sign     replySign // the first arrival's (signing.go)
}

// queueReplay runs deferred messages again in the order their waits
// ended, one goroutine at a time, so that of two opens deferred behind
// one close the earlier one wins (smbtorture raw.mux).
func (c *conn) queueReplay(msg *deferred) {
	c.replayMu.Lock()
	c.replayQueue = append(c.replayQueue, msg)
	start := len(c.replayQueue) == 1
	c.replayMu.Unlock()
	if !start {
		return
	}
	go func() {
		for {
			c.replayMu.Lock()
			if len(c.replayQueue) == 0 {
				c.replayMu.Unlock()
				return
			}
			m := c.replayQueue[0]
			c.replayMu.Unlock()
			c.replay(m)
			c.replayMu.Lock()
			c.replayQueue = c.replayQueue[1:]
			c.replayMu.Unlock()
		}
	}()
}

// replay handles a deferred message again, as the reader would.
func (c *conn) replay(d *deferred) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended || c.closing.Load() {
		return
	}
	c.replaying, c.replayDeadline, c.replaySign = true, d.deadline, d.sign
	defer func() { c.replaying = false }()
	if err := c.handleMessage(d.msg); err != nil {
		c.log.Warn("deferred open", "err", err)
		c.shutdown()
		return
	}
	// The reader flushes only before it waits for input, and it may be
	// waiting already: the replayed reply goes out now.
	c.w.flush()
}

// cancelLock ends with STATUS_FILE_LOCK_CONFLICT the pending request on
// fid that asks for range r in the same range format, reporting whether
// there was one. Only the first range of a CANCEL_LOCK counts, as Windows
// and Samba treat it (MS-CIFS 2.2.4.32.1 allows only one).
func (c *conn) cancelLock(fid uint16, large bool, r vfs.LockRange) bool {
	for k, p := range c.pending {
		if p.done.Load() || p.fid != fid || p.large != large {
			continue
		}
		for _, a := range p.locks {
			if a == r {
				delete(c.pending, k)
				return p.w.Cancel(smb.StatusFileLockConflict)
			}
		}
	}
	return false
}

// ntCancel cancels a pending request (MS-CIFS 3.3.5.52). The cancelled
// lock request is answered STATUS_FILE_LOCK_CONFLICT, as Samba answers it,
// a change notification STATUS_CANCELLED; NT_CANCEL itself never gets a
// reply.
func (c *conn) ntCancel(req *request, b smb.Block) error {
	k := pendingKey{uid: req.uid, tid: req.tid, mid: req.hdr.MID(), pid: req.hdr.PID()}
	if p := c.pending[k]; p != nil {
		delete(c.pending, k)
		p.w.Cancel(smb.StatusFileLockConflict)
	}
	c.cancelNotify(k)
	return errNoReply
}

// byteRange serves LOCK_BYTE_RANGE, an exclusive lock for the request's
// PID that never waits, and UNLOCK_BYTE_RANGE, which releases one
// (MS-CIFS 2.2.4.10, 2.2.4.11).
func (c *conn) byteRange(req *request, b smb.Block) error {
	q, err := smb.ParseByteRangeRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	r := [1]vfs.LockRange{{PID: lockPID(req.hdr.PIDLow()), Offset: uint64(q.OffsetInBytes()), Length: uint64(q.CountOfBytes())}}
	if b.Command == smb.ComLockByteRange {
		err = f.Lock(r[:], false)
	} else {
		err = f.Unlock(r[:])
	}
	if err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, b.Command)
	return nil
}
