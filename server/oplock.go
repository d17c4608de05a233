package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Oplocks (MS-CIFS 3.3.4.2, MS-SMB 2.2.4.9). An NT_CREATE_ANDX or
// OPEN_ANDX asking for an exclusive or batch oplock gets it when it is the
// file's only open, level II beside other opens if this connection's client
// takes level II oplocks (CAP_LEVEL_II_OPLOCKS in its SESSION_SETUP), and
// none otherwise (vfs decides). A later open of the file, from any
// connection, that conflicts with an exclusive or batch oplock sends the
// holder's connection a break request — to level II, or to none when the
// holder's client takes no level II oplocks or the open overwrites the file
// — and waits as a deferred open (locking.go): its message is replayed when
// the holder acknowledges the break, closes the file, or oplockBreakWait
// passes. Level II oplocks are broken to none, unacknowledged, by any
// write, size change or byte-range lock on the file (vfs sends those
// breaks through the callback grantOplock registers, from whichever
// goroutine writes: the reader or an I/O runner).

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
	levelII := c.clientCaps&smb.CapLevelIIOplocks != 0
	return f.GrantOplock(want, levelII, func(to uint8, wait bool) { c.sendOplockBreak(tid, fid, f, to, wait) })
}

// sendOplockBreak asks the client to break its oplock on fid to level to
// (MS-CIFS 3.3.4.2) and, when wait is set, starts the wait for its
// answer. It runs on the goroutine whose request needs the break — a
// reader, a replay, an I/O runner — so the request is written at once; if
// it cannot be, the oplock is taken away at once.
func (c *conn) sendOplockBreak(tid, fid uint16, f *vfs.File, to uint8, wait bool) {
	newLevel := uint8(0)
	if to == smb.OplockLevelII {
		newLevel = 1 // MS-CIFS 2.2.4.32.1: NewOplockLevel 1 is level II
	}
	buf := c.srv.bufPool.get()
	b := smb.AppendOplockBreakRequest(append(*buf, 0, 0, 0, 0), tid, fid, newLevel)
	putFrameHeader(b, c.framing)
	*buf = b
	if c.closing.Load() || c.w.sendNow(outMsg{buf: buf}) != nil {
		f.ExpireOplockBreak()
		return
	}
	if wait {
		time.AfterFunc(time.Duration(oplockBreakWait.Load()), f.ExpireOplockBreak)
	}
}

// openKind is what an open with create disposition disp does for
// vfs.Share.BreakOplock: one that replaces the data of an existing file
// leaves no oplock holder any read caching (MS-CIFS 3.3.4.2; smbtorture
// raw.oplock EXCLUSIVE9).
func openKind(disp uint32) uint8 {
	if disp == vfs.FileSupersede || disp == vfs.FileOverwrite || disp == vfs.FileOverwriteIf {
		return vfs.OpenOverwrite
	}
	return vfs.OpenData
}

// waitOplock defers an open of name that must wait for another open's
// oplock to be broken, reporting whether it did; the message is replayed
// once the oplock is gone. An open chained behind another command, or
// inside a transaction that came in several messages (b is then zero),
// cannot be replayed alone: it starts the break and goes on at once.
// kind is what the open does (vfs.OpenData, ...).
func (c *conn) waitOplock(b smb.Block, share *vfs.Share, name string, access, shareAccess uint32, kind uint8) bool {
	if b.Offset != smb.HeaderLen {
		c.breakOplock(share, name, access, shareAccess, kind)
		return false
	}
	// A zero deadline: if the replayed open then meets a sharing
	// violation, it fails at once, the break having been its wait.
	d := &deferred{msg: append([]byte(nil), b.Msg...)}
	var once sync.Once
	return share.BreakOplock(name, access, shareAccess, kind, func() { once.Do(func() { c.queueReplay(d) }) })
}

// breakOplock starts the break of an oplock an open of name conflicts
// with, without waiting for it: for the opens waitOplock cannot defer.
func (c *conn) breakOplock(share *vfs.Share, name string, access, shareAccess uint32, kind uint8) {
	share.BreakOplock(name, access, shareAccess, kind, func() {})
}

// waitRenameOplock is waitOplock for a rename of name: renaming opens the
// file for DELETE sharing read and write, as vfs.Share.Rename checks it,
// and so breaks a batch oplock first (smbtorture raw.oplock BATCH17,
// BATCH26).
func (c *conn) waitRenameOplock(b smb.Block, share *vfs.Share, name string) bool {
	return c.waitOplock(b, share, name, vfs.AccessDelete, vfs.ShareRead|vfs.ShareWrite, vfs.OpenData)
}
