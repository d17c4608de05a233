//go:build !tinysmbd_nocore

package server

import (
	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// LOCK_AND_READ and WRITE_AND_UNLOCK, the LAN Manager 1.0 commands behind
// CAP_LOCK_AND_READ: a core READ that first takes an exclusive byte-range
// lock on what it reads, and a core WRITE that releases that lock after
// writing. They use the same lock table as LOCKING_ANDX, so their locks
// conflict with, and are released by, the other lock commands. They live
// with the core commands: the tinysmbd_nocore build leaves them, and the
// capability, out.

// lockAndReadCap is advertised in NEGOTIATE only when the two commands are
// built in.
const lockAndReadCap = smb.CapLockAndRead

// lockAndRead locks CountOfBytesToRead bytes at the offset exclusively for
// the request's PID and then reads them (MS-CIFS 2.2.4.20). As in Samba
// the lock is an exclusive one that never waits: a conflict fails at once
// with STATUS_LOCK_NOT_GRANTED or STATUS_FILE_LOCK_CONFLICT as LOCKING_ANDX
// would (smbtorture raw.read "lockread"), and the lock covers the count
// asked for even when the read is cut to the client's buffer.
func (c *conn) lockAndRead(req *request, b smb.Block) error {
	q, err := smb.ParseLockAndReadRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	off := int64(q.ReadOffsetInBytes())
	// The read access check comes before the lock, so a handle that may
	// not read leaves no lock behind.
	if err := c.checkIO(req, f, uint64(off), 0, false); err != nil {
		return err
	}
	r := [1]vfs.LockRange{{PID: lockPID(req.hdr.PIDLow()), Offset: uint64(off), Length: uint64(q.CountOfBytesToRead())}}
	if err := f.Lock(r[:], false); err != nil {
		return statusOf(err)
	}
	n := min(int(q.CountOfBytesToRead()), c.coreMaxBuf()-smb.ReadResponseOverhead)
	return c.coreReadReply(req, f, q.FID(), off, n, smb.BeginLockAndReadResponse)
}

// writeAndUnlock writes and then unlocks CountOfBytesToWrite bytes at the
// offset for the request's PID (MS-CIFS 2.2.4.21). As in Samba and Windows
// the data is written even when no lock matches, and the answer is then
// STATUS_RANGE_NOT_LOCKED (smbtorture raw.write "write unlock"); a count
// of 0 writes, truncates and unlocks nothing.
func (c *conn) writeAndUnlock(req *request, b smb.Block) error {
	q, err := smb.ParseWriteAndUnlockRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	if len(q.Data()) == 0 {
		smb.EncodeWriteResponse(&req.resp, smb.ComWriteAndUnlock, 0)
		return nil
	}
	off := int64(q.WriteOffsetInBytes())
	if err := c.checkIO(req, f, uint64(off), len(q.Data()), true); err != nil {
		return err
	}
	n, err := f.WriteAt(q.Data(), off)
	if err != nil {
		return statusOf(err)
	}
	c.pos.wroteDone(q.FID(), off, n)
	r := [1]vfs.LockRange{{PID: lockPID(req.hdr.PIDLow()), Offset: uint64(off), Length: uint64(len(q.Data()))}}
	if err := f.Unlock(r[:]); err != nil {
		return statusOf(err)
	}
	smb.EncodeWriteResponse(&req.resp, smb.ComWriteAndUnlock, uint16(n))
	return nil
}
