package server

import (
	"sync/atomic"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Change notification. The first NT_TRANSACT_NOTIFY_CHANGE on a directory
// handle gives it a change buffer (vfs.Watch) that collects, until the
// handle closes, the changes made through the share that match the
// request's CompletionFilter and WatchTree (MS-CIFS 3.3.5.59.4). A request
// finding changes collected is answered at once with their
// FILE_NOTIFY_INFORMATION list; otherwise it stays pending, like a
// LOCKING_ANDX waiting for its locks (locking.go), until the next change —
// answered from whichever connection's goroutine makes it — or until this
// connection's reader ends it: NT_CANCEL, CLOSE of the directory,
// TREE_DISCONNECT, LOGOFF or the connection's end.
//
// The buffer holds as many bytes as the first request's MaxParameterCount,
// and never more than one reply message to this client carries (its
// MaxBufferSize, at most 64 KiB), so a reply is a single message. Changes
// beyond that, or a list longer than a later request's MaxParameterCount,
// are answered with notifyOverflow and no list, and the client reads the
// directory again.

// notifyOverflow is the status of a reply whose changes do not fit. MS-CIFS
// 2.2.7.4 has Windows answer STATUS_NOTIFY_ENUM_DIR; Samba answers SMB1
// clients STATUS_SUCCESS with an empty list, which smbtorture raw.notify
// overflow expects, and MS-CIFS 3.2.5.40.3 has the client treat both
// alike: read the directory again.
const notifyOverflow = smb.StatusSuccess

// pendingNotify is a NOTIFY_CHANGE waiting for a change.
type pendingNotify struct {
	c     *conn
	req   *request
	w     *vfs.Watch
	wt    *vfs.Waiter
	fid   uint16
	owner fileOwner
	max   int // the reply's room for parameters
	done  atomic.Bool
}

// deliver answers p with the changes as a FILE_NOTIFY_INFORMATION list
// (MS-CIFS 2.2.7.4.2); the Watch calls it once.
func (p *pendingNotify) deliver(changes []vfs.Change, lost bool) {
	n := 0
	for _, ch := range changes {
		n = smb.FileNotifyInformationLen(n, ch.Name)
	}
	if lost || n > p.max {
		p.send(notifyOverflow, nil)
		return
	}
	list := make([]byte, 0, n)
	last := -1
	for _, ch := range changes {
		list, last = smb.AppendFileNotifyInformation(list, last, ch.Action, ch.Name)
	}
	p.send(smb.StatusSuccess, list)
}

// send sends p's reply: status st with the change list params.
func (p *pendingNotify) send(st smb.NTStatus, params []byte) {
	p.done.Store(true)
	req := p.req
	if st.IsError() {
		req.resp.Empty(smb.ComNTTransact)
	} else {
		// MS-CIFS 2.2.7.4.2: the FILE_NOTIFY_INFORMATION array is the
		// NT_Trans_Parameters; there is no data.
		smb.AppendTransResponse(&req.resp, smb.ComNTTransact, nil, params, nil, 0, 0, len(params), 0)
	}
	req.resp.SetStatus(st)
	p.c.sendDetached(req)
}

// end completes p with st and no changes, unless the changes came first.
func (p *pendingNotify) end(st smb.NTStatus) {
	if p.w.Cancel(p.wt) {
		p.send(st, nil)
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
	room := smb.TransResponseRoom(smb.ComNTTransact, 0, c.transMaxMsg())
	fid := req.fid(s.FID())
	p := &pendingNotify{c: c, req: req, fid: fid, owner: c.fileOwners[fid],
		max: int(min(t.MaxParameterCount, uint32(room)))}
	w, err := f.Watch(s.WatchTree(), s.CompletionFilter(), p.max)
	if err != nil {
		return err
	}
	p.w = w
	p.wt = w.Next(p.deliver)
	if p.wt == nil {
		// Answered from the changes already collected.
		return errPending
	}
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
