package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Oplocks. An NT_CREATE_ANDX or OPEN_ANDX asking for an exclusive or batch
// oplock gets it when it is the file's only open (vfs decides). A later
// open of the file, from any connection, that conflicts with the oplock
// sends the holder's connection a break request and waits as a deferred
// open (locking.go): its message is replayed when the holder acknowledges
// the break, closes the file, or oplockBreakWait passes. Level II oplocks
// are never granted; every break is to none.

// oplockBreakWait is how long an open waits for the holder to acknowledge
// a break before the server takes the oplock away: Samba's "oplock break
// wait" of 30 seconds, the timeout smbtorture raw.oplock BATCH22 measures.
// Tests shorten it (an atomic, as breaks run on many goroutines).
var oplockBreakWait atomic.Int64

func init() { oplockBreakWait.Store(int64(30 * time.Second)) }

// ntCreateOplock is the oplock an NT_CREATE_ANDX asks for: the batch bit
// counts only beside the oplock bit, as Samba reads MS-CIFS 2.2.4.64.1.
func ntCreateOplock(flags uint32) uint8 {
	switch {
	case flags&smb.NTCreateRequestOplock == 0:
		return smb.OplockNone
	case flags&smb.NTCreateRequestOpbatch != 0:
		return smb.OplockBatch
	}
	return smb.OplockExclusive
}

// openAndXOplock is the oplock an OPEN_ANDX asks for (MS-CIFS 2.2.4.41.1
// Flags: REQ_OPLOCK, REQ_OPLOCK_BATCH).
func openAndXOplock(flags uint16) uint8 {
	switch {
	case flags&smb.OpenAndXReqOplockBatch != 0:
		return smb.OplockBatch
	case flags&smb.OpenAndXReqOplock != 0:
		return smb.OplockExclusive
	}
	return smb.OplockNone
}

// grantOplock gives f, open as fid on the request's tree, the oplock it
// asked for if it may have one, and returns the level granted. A break of
// it goes to this connection.
func (c *conn) grantOplock(req *request, f *vfs.File, fid uint16, want uint8) uint8 {
	if want == smb.OplockNone {
		return smb.OplockNone
	}
	tid := req.tid
	return f.GrantOplock(want, func() { c.sendOplockBreak(tid, fid, f) })
}

// sendOplockBreak asks the client to give up its oplock on fid
// (MS-CIFS 3.3.4.2) and starts the wait for its answer. It runs on the
// reader of the connection whose open conflicts, so the request is written
// at once; if it cannot be, the oplock is taken away at once.
func (c *conn) sendOplockBreak(tid, fid uint16, f *vfs.File) {
	buf := c.srv.bufPool.get()
	b := smb.AppendOplockBreakRequest(append(*buf, 0, 0, 0, 0), tid, fid, smb.OplockNone)
	putFrameHeader(b, c.framing)
	*buf = b
	if c.closing.Load() || c.w.sendNow(outMsg{buf: buf}) != nil {
		f.ReleaseOplock()
		return
	}
	time.AfterFunc(time.Duration(oplockBreakWait.Load()), f.ReleaseOplock)
}

// waitOplock defers an open of name that must wait for another open's
// oplock to be broken, reporting whether it did; the message is replayed
// once the oplock is gone. An open chained behind another command cannot
// be replayed alone: it starts the break and goes on at once.
func (c *conn) waitOplock(b smb.Block, share *vfs.Share, name string, access, shareAccess uint32) bool {
	if b.Offset != smb.HeaderLen {
		c.breakOplock(share, name, access, shareAccess)
		return false
	}
	// A zero deadline: if the replayed open then meets a sharing
	// violation, it fails at once, the break having been its wait.
	d := &deferred{msg: append([]byte(nil), b.Msg...)}
	var once sync.Once
	return share.BreakOplock(name, access, shareAccess, func() { once.Do(func() { c.queueReplay(d) }) })
}

// breakOplock starts the break of an oplock an open of name conflicts
// with, without waiting for it: for opens that cannot be deferred, those
// chained behind another command and those inside a transaction
// (TRANS2_OPEN2, NT_TRANSACT_CREATE).
func (c *conn) breakOplock(share *vfs.Share, name string, access, shareAccess uint32) {
	share.BreakOplock(name, access, shareAccess, func() {})
}
