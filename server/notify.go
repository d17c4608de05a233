package server

import (
	"sync/atomic"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Change notification. An NT_TRANSACT_NOTIFY_CHANGE stays pending, like a
// LOCKING_ANDX waiting for its locks (locking.go), until a change through
// the share completes it — from whichever connection's goroutine makes the
// change — or this connection's reader ends it: NT_CANCEL, CLOSE of the
// directory, TREE_DISCONNECT, LOGOFF or the connection's end. A change
// is answered STATUS_NOTIFY_ENUM_DIR without the list of changes, which
// tells the client to read the directory again, as Samba answers when it
// does not keep the list.

// pendingNotify is a NOTIFY_CHANGE waiting for a change.
type pendingNotify struct {
	c     *conn
	req   *request
	w     *vfs.Watch
	fid   uint16
	owner fileOwner
	done  atomic.Bool
}

// complete sends the pending reply with status st; only the first call
// sends.
func (p *pendingNotify) complete(st smb.NTStatus) {
	if !p.done.CompareAndSwap(false, true) {
		return
	}
	req := p.req
	if st.IsError() {
		req.resp.Empty(smb.ComNTTransact)
	} else {
		// A success or warning is a full NT_TRANSACT response with no
		// parameters: no change list (MS-CIFS 2.2.7.4.2).
		smb.AppendTransResponse(&req.resp, smb.ComNTTransact, nil, nil, nil, 0, 0, 0, 0)
	}
	req.resp.SetStatus(st)
	p.c.sendDetached(req)
}

// end completes p with st unless its watch fired first.
func (p *pendingNotify) end(st smb.NTStatus) {
	if p.w.Stop() {
		p.complete(st)
	}
}

// ntNotifyChange serves NT_TRANSACT_NOTIFY_CHANGE (MS-CIFS 3.3.5.59.4).
func (c *conn) ntNotifyChange(req *request, t *smb.TransRequest) error {
	s, err := smb.ParseNotifySetup(t.Setup)
	if err != nil {
		return err
	}
	f, err := c.file(req, s.FID())
	if err != nil {
		return err
	}
	// Samba refuses a file as an invalid parameter, and a directory handle
	// that may not list it (FILE_LIST_DIRECTORY, the read-data bit) as
	// access denied.
	if !f.IsDir() {
		return smb.StatusInvalidParameter
	}
	if f.Access()&vfs.AccessReadData == 0 {
		return smb.StatusAccessDenied
	}
	fid := req.fid(s.FID())
	p := &pendingNotify{c: c, req: req, fid: fid, owner: c.fileOwners[fid]}
	w, err := f.Watch(s.WatchTree(), s.CompletionFilter(), func() { p.complete(smb.StatusNotifyEnumDir) })
	if err != nil {
		return err
	}
	p.w = w
	if c.notifies == nil {
		c.notifies = make(map[pendingKey]*pendingNotify)
	}
	for k, o := range c.notifies {
		if o.done.Load() {
			delete(c.notifies, k)
		}
	}
	c.notifies[pendingKey{uid: req.uid, tid: req.tid, mid: req.hdr.MID(), pid: req.hdr.PID()}] = p
	return errPending
}

// cancelNotify ends the request NT_CANCEL names with STATUS_CANCELLED,
// reporting whether there was one.
func (c *conn) cancelNotify(k pendingKey) bool {
	p := c.notifies[k]
	if p == nil {
		return false
	}
	delete(c.notifies, k)
	p.end(smb.StatusCancelled)
	return true
}

// endNotifies ends the requests waiting on a handle that closes: on fid,
// or on the files whose owner matches when fid is 0. For SMB1 Windows and
// Samba answer them STATUS_SUCCESS with no changes (Samba's close passes
// NT_STATUS_OK to the SMB1 requests, NOTIFY_CLEANUP only to SMB2 ones;
// smbtorture raw.notify close, tdis and ulogoff check it). When the
// connection has ended the reply is dropped by the writer.
func (c *conn) endNotifies(fid uint16, match func(fileOwner) bool) {
	for k, p := range c.notifies {
		if fid != 0 && p.fid == fid || fid == 0 && match(p.owner) {
			delete(c.notifies, k)
			p.end(smb.StatusSuccess)
		}
	}
}
