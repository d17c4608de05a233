package server

import (
	"math"
	"os"
	"time"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// file returns the open file fid of the request's tree and session
// (MS-CIFS 3.3.5.2: a FID opened under another TID is invalid), once the
// reads and writes handed off on it have completed (inflight.go), so that
// requests on one FID take effect in arrival order.
func (c *conn) file(req *request, fid uint16) (*vfs.File, error) {
	f, _, err := c.lookupFile(req, fid)
	if err == nil {
		c.waitIO(req.fid(fid))
	}
	return f, err
}

// lookupFile is file without the wait, for a request that may queue
// behind the FID's handed-off ones instead (ioFile); it returns the FID's
// owner record too.
func (c *conn) lookupFile(req *request, fid uint16) (*vfs.File, fileOwner, error) {
	fid = req.fid(fid)
	o, ok := c.fileOwners[fid]
	if !ok || o.tid != req.tid || o.uid != req.uid {
		// A FID belongs to the session that opened it too, as in
		// Samba's check_fsp_open (smbtorture raw.context session1).
		return nil, o, smb.StatusInvalidHandle
	}
	f, err := c.files.Get(fid)
	if err != nil {
		return nil, o, smb.StatusInvalidHandle
	}
	if req.tracePath == "" && c.trace() {
		req.tracePath = f.Path()
	}
	return f, o, nil
}

// registerOpen finishes an OPEN_ANDX or TRANS2_OPEN2 open: a created or
// truncated file gets allocationSize as its size (MS-CIFS 2.2.4.41.1,
// 2.2.6.1.1 AllocationSize, as Samba sets it: raw.open openx, t2open), then
// the file is stat'ed for the reply and given a FID. On failure f is
// closed.
func (c *conn) registerOpen(req *request, f *vfs.File, action vfs.CreateAction, allocationSize uint32) (uint16, os.FileInfo, error) {
	if allocationSize != 0 && (action == vfs.FileCreated || action == vfs.FileOverwritten) {
		if err := f.Truncate(int64(allocationSize)); err != nil {
			f.Close()
			return 0, nil, statusOf(err)
		}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, nil, statusOf(err)
	}
	fid, err := c.addFile(req, f)
	return fid, fi, err
}

// openResult is the OPEN_ANDX / TRANS2_OPEN2 action code of a create
// action (MS-CIFS 2.2.4.41.2 Action).
func openResult(action vfs.CreateAction) uint16 {
	switch action {
	case vfs.FileCreated:
		return smb.OpenResultCreated
	case vfs.FileOverwritten, vfs.FileSuperseded:
		return smb.OpenResultTruncated
	}
	return smb.OpenResultOpened
}

func (c *conn) addFile(req *request, f *vfs.File) (uint16, error) {
	if c.sessionOpenFilesAtLimit(req.uid) {
		f.Close()
		return 0, smb.StatusTooManyOpenedFiles
	}
	fid, err := c.files.Add(f)
	for err == nil && fid >= firstPipeFID {
		// The table hands out FIDs round-robin up to 0xFFFE; the ones
		// reserved for pipes are skipped by taking the next. Its limit
		// (conn.go) keeps FIDs free below firstPipeFID, so the round
		// reaches one within 255 steps.
		var next uint16
		next, err = c.files.Add(f)
		c.files.Remove(fid)
		fid = next
	}
	if err != nil {
		f.Close()
		return 0, statusOf(err)
	}
	c.fileOwners[fid] = fileOwner{tid: req.tid, uid: req.uid, pid: req.hdr.PID(), opened: time.Now()}
	req.chainFID, req.hasChainFID = fid, true
	return fid, nil
}

// closeFilesWhere closes the files whose owner matches, running their
// delete-on-close.
func (c *conn) closeFilesWhere(match func(fileOwner) bool) {
	c.waitIO(0) // no file closes under a read or write
	c.endNotifies(0, match)
	c.closePipesWhere(match)
	c.files.CloseWhere(func(fid uint16, _ *vfs.File) bool {
		if o, ok := c.fileOwners[fid]; ok && match(o) {
			delete(c.fileOwners, fid)
			c.pos.forget(fid)
			return true
		}
		return false
	})
}

// Maximal access rights reported in extended create responses.
func accessRights(readOnly bool) uint32 {
	if readOnly {
		return accessReadOnly
	}
	return accessAll
}

// fileStatusNoEAsNoStreamsNoReparse is FileStatusFlags for a plain disk
// file in the extended NT_CREATE_ANDX response (MS-SMB 2.2.4.9.2):
// NO_EAS | NO_SUBSTREAMS | NO_REPARSETAG, as Samba sends.
const fileStatusNoEAsNoStreamsNoReparse = 0x7

// ntCreate opens or creates a file or directory (MS-CIFS 3.3.5.51).
func (c *conn) ntCreate(req *request, b smb.Block) error {
	nc, err := smb.ParseNTCreateRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	t, share, err := c.diskTree(req)
	if err != nil {
		if t != nil && t.share == nil {
			return c.ntCreatePipe(req, nc)
		}
		return err
	}
	name := req.path(nc.FileName())
	if root := nc.RootDirectoryFID(); root != 0 {
		dir, err := c.file(req, uint16(root))
		if err != nil {
			return err
		}
		name = dir.Path() + "\\" + name
	}
	if c.waitOplock(b, share, name, nc.DesiredAccess(), nc.ShareAccess(), openKind(nc.CreateDisposition())) {
		return errNoReply
	}
	f, action, err := share.Create(name, vfs.CreateParams{
		DesiredAccess:     nc.DesiredAccess(),
		FileAttributes:    nc.ExtFileAttributes(),
		CreateDisposition: nc.CreateDisposition(),
		CreateOptions:     nc.CreateOptions(),
		ShareAccess:       nc.ShareAccess(),
		Opener:            c.opener(req),
	})
	if err == smb.StatusSharingViolation && c.deferOpen(req, b, share, name) {
		return errNoReply
	}
	if err != nil {
		return statusOf(err)
	}
	resp, err := c.ntCreated(req, f, action)
	if err != nil {
		return err
	}
	resp.OplockLevel = c.grantOplock(req, f, resp.FID, ntCreateOplock(nc.Flags()))
	resp.Extended = nc.Flags()&smb.NTCreateRequestExtendedResponse != 0
	if resp.Extended {
		resp.NMPipeStatus = fileStatusNoEAsNoStreamsNoReparse
		resp.MaximalAccessRights = accessRights(t.readOnly)
		resp.GuestMaximalAccessRights = resp.MaximalAccessRights
	}
	resp.Encode(&req.resp)
	return nil
}

// ntCreated registers the file an NT create opened and describes it for
// the NT_CREATE_ANDX and NT_TRANSACT_CREATE responses.
func (c *conn) ntCreated(req *request, f *vfs.File, action vfs.CreateAction) (smb.NTCreateResponse, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return smb.NTCreateResponse{}, statusOf(err)
	}
	fid, err := c.addFile(req, f)
	if err != nil {
		return smb.NTCreateResponse{}, err
	}
	info := fileInfo(fi, fi.Name(), f.Path())
	return smb.NTCreateResponse{
		FID:               fid,
		CreateAction:      uint32(action),
		CreationTime:      info.CreationTime,
		LastAccessTime:    info.LastAccessTime,
		LastWriteTime:     info.LastWriteTime,
		LastChangeTime:    info.ChangeTime,
		ExtFileAttributes: info.Attributes,
		AllocationSize:    info.AllocationSize,
		EndOfFile:         info.EndOfFile,
		Directory:         info.Directory,
	}, nil
}

// openAndX is the LAN Manager open (MS-CIFS 3.3.5.35).
func (c *conn) openAndX(req *request, b smb.Block) error {
	o, err := smb.ParseOpenAndXRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	params, err := vfs.OpenAndXParams(o.OpenMode(), o.AccessMode(), o.FileAttrs())
	if err != nil {
		return statusOf(err)
	}
	params.Opener = c.opener(req)
	if c.waitOplock(b, share, req.path(o.FileName()), params.DesiredAccess, params.ShareAccess, openKind(params.CreateDisposition)) {
		return errNoReply
	}
	f, action, err := share.Create(req.path(o.FileName()), params)
	if err == smb.StatusSharingViolation && c.deferOpen(req, b, share, req.path(o.FileName())) {
		return errNoReply
	}
	if err != nil {
		return statusOf(err)
	}
	fid, fi, err := c.registerOpen(req, f, action, o.AllocationSize())
	if err != nil {
		return err
	}
	results := openResult(action)
	if c.grantOplock(req, f, fid, openAndXOplock(o.Flags())) != smb.OplockNone {
		results |= smb.OpenResultOplocked
	}
	resp := smb.OpenAndXResponse{
		Extended:      o.Flags()&smb.OpenAndXReqExtendedResponse != 0,
		FID:           fid,
		FileAttrs:     uint16(vfs.Attributes(fi)),
		LastWriteTime: vfs.UTime(fi.ModTime()),
		FileDataSize:  uint32(vfs.EndOfFile(fi)),
		AccessRights:  o.AccessMode() & 0x7,
		OpenResults:   results,
	}
	if resp.Extended {
		// MS-SMB 2.2.4.1.2 leaves the rights to the server; Windows and
		// Samba report the standard rights (SEC_STD_ALL) and no guest
		// rights, which smbtorture raw.open openx checks.
		resp.MaximalAccessRights = secStdAll
	}
	resp.Encode(&req.resp)
	return nil
}

// secStdAll is SEC_STD_ALL: DELETE, READ_CONTROL, WRITE_DAC, WRITE_OWNER
// and SYNCHRONIZE.
const secStdAll = 0x001F0000

// maxReadPayload keeps a READ_ANDX reply inside one NetBT session message
// (RFC 1002 4.3.1: 17-bit length) with room for the header and words.
const maxReadPayload = netbt.MaxSessionLength - 1024

// readAndX reads straight into the reply buffer: the file's bytes are
// copied once, from the file system to the buffer the socket is written
// from (MS-CIFS 3.3.5.36, MS-SMB 3.3.5.7).
func (c *conn) readAndX(req *request, b smb.Block) error {
	q, err := smb.ParseReadAndXRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if ok, err := c.readPipe(req, q); ok {
		return err
	}
	n := int(q.MaxCount())
	if c.clientCaps&smb.CapLargeReadX == 0 {
		n = int(q.MaxCountOfBytesToReturn())
	}
	n = min(n, maxReadPayload)
	f, async, fast, err := c.ioFile(req, b, q.FID(), c.maySendfile(n))
	if err != nil {
		return err
	}
	fid, off := req.fid(q.FID()), int64(q.Offset())
	if ok, err := c.sendReadAndX(req, b, f, fid, q.Offset(), n); ok {
		return err
	}
	start := req.resp.Pos()
	smb.BeginReadAndXResponse(&req.resp, 0xFFFF, n)
	req.resp.Extend(n)
	if err := c.checkIO(req, f, q.Offset(), n, false); err != nil {
		req.resp.Truncate(start)
		return err
	}
	if async {
		c.deferIO(req, ioOp{cmd: smb.ComReadAndX, f: f, fid: fid, off: off, n: n, start: start, in: len(b.Msg)}, nil)
		return errPending
	}
	got, err := readAndXData(&req.resp, f, off, start, n)
	c.noteInlineIO(fid, fast)
	if err != nil {
		return err
	}
	c.pos.readDone(fid, off, got)
	return nil
}

// readAndXData reads the data of a READ_ANDX reply whose block begins at
// start and ends with n bytes reserved for it, trimming what the file did
// not fill.
func readAndXData(resp *smb.Response, f *vfs.File, off int64, start, n int) (int, error) {
	b := resp.Bytes()
	got, err := f.ReadAt(b[len(b)-n:], off)
	if err != nil && got == 0 && !isEOF(err) {
		resp.Truncate(start)
		return 0, statusOf(err)
	}
	if got < n {
		resp.Truncate(resp.Pos() - (n - got))
		smb.SetReadAndXDataLength(resp, start, got)
	}
	return got, nil
}

// sendReadAndX answers a large READ_ANDX from a disk share with the data
// as a file section (sendfile.go) rather than copied into the reply. It
// reports false when the read does not qualify: Config.Sendfile off, not TCP, an
// in-memory file, a small read, or a command chained after this one, whose
// reply would have to follow the data in the buffer. fid is the FID the
// block acts on (request.fid).
func (c *conn) sendReadAndX(req *request, b smb.Block, f *vfs.File, fid uint16, off uint64, n int) (bool, error) {
	if !c.maySendfile(n) || b.Words[0] != smb.ComNoAndXCommand || off > math.MaxInt64-uint64(n) {
		return false, nil
	}
	osf, avail, err := f.SendSection(int64(off), n)
	if err != nil || osf == nil {
		return false, nil // ReadAt answers, with its status
	}
	if err := c.checkIO(req, f, off, n, false); err != nil {
		return true, err
	}
	smb.BeginReadAndXResponse(&req.resp, 0xFFFF, avail)
	req.section = fileSection{f: osf, off: int64(off), n: avail}
	c.pos.readDone(fid, int64(off), avail)
	return true, nil
}

// maySendfile reports whether a read of n bytes could be answered with
// sendfile on this connection (the file and the chain decide the rest).
func (c *conn) maySendfile(n int) bool {
	// A signed reply's MAC covers its data, which the writer never sees
	// when sendfile sends it (Samba does not sendfile then either).
	return n >= minSendfile && c.srv.cfg.Sendfile && c.w.canSendSections() && c.sign.cur.key == nil
}

// writeAndX writes the request's payload (MS-CIFS 3.3.5.37).
func (c *conn) writeAndX(req *request, b smb.Block) error {
	q, err := smb.ParseWriteAndXRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if ok, err := c.writePipe(req, q); ok {
		return err
	}
	f, async, fast, err := c.ioFile(req, b, q.FID(), false)
	if err != nil {
		return err
	}
	if err := c.checkIO(req, f, q.Offset(), len(q.Data()), true); err != nil {
		return err
	}
	fid, off := req.fid(q.FID()), int64(q.Offset())
	// WriteMode bit 0 is write-through (MS-CIFS 2.2.4.43.1).
	through := q.WriteMode()&0x1 != 0
	if async {
		c.deferIO(req, ioOp{cmd: smb.ComWriteAndX, f: f, fid: fid, off: off, through: through, in: len(b.Msg)}, q.Data())
		return errPending
	}
	n, wrote, err := writeAndXData(f, q.Data(), off, through)
	c.noteInlineIO(fid, fast)
	if wrote {
		c.pos.wroteDone(fid, off, n)
	}
	if err != nil {
		return err
	}
	smb.EncodeWriteAndXResponse(&req.resp, uint32(n), 0xFFFF)
	return nil
}

// writeAndXData writes a WRITE_ANDX's data, reporting the count and
// whether the data was written (the position then moves, even if the
// write-through sync fails).
func writeAndXData(f *vfs.File, data []byte, off int64, through bool) (int, bool, error) {
	n, err := f.WriteAt(data, off)
	if err != nil {
		return 0, false, statusOf(err)
	}
	if through {
		if err := f.Sync(); err != nil {
			return n, true, statusOf(err)
		}
	}
	return n, true, nil
}

// close closes a FID, setting the write time first if the client asks
// (MS-CIFS 3.3.5.5: LastTimeModified 0 or 0xFFFFFFFF leaves it alone).
func (c *conn) close(req *request, b smb.Block) error {
	q, err := smb.ParseCloseRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if c.closePipe(req, q.FID()) {
		smb.EncodeEmptyResponse(&req.resp, smb.ComClose)
		return nil
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	if t := q.LastTimeModified(); t != 0 && t != 0xFFFFFFFF && !f.IsDir() {
		// MS-CIFS 2.2.4.5.1: LastTimeModified is the write time only;
		// the access time stays as the file system keeps it.
		f.SetTimes(time.Time{}, vfs.TimeFromUTime(t, nil))
	}
	fid := req.fid(q.FID())
	c.endNotifies(fid, nil)
	c.files.Remove(fid)
	delete(c.fileOwners, fid)
	c.pos.forget(fid)
	if err := f.Close(); err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComClose)
	return nil
}

// closePrintFile answers SMB_COM_CLOSE_PRINT_FILE (MS-CIFS 2.2.4.68).
// tinysmbd serves no printers, so a valid FID names a disk file, which
// Windows and Samba refuse with ERRSRV/ERRerror (STATUS_INVALID_SMB in its
// NTSTATUS form).
func (c *conn) closePrintFile(req *request, b smb.Block) error {
	q, err := smb.ParseClosePrintFileRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if _, err := c.file(req, q.FID()); err != nil {
		return err
	}
	return smb.StatusInvalidSMB
}

// flush commits a FID's data, or every file of the process when FID is
// 0xFFFF (MS-CIFS 2.2.4.6.1).
func (c *conn) flush(req *request, b smb.Block) error {
	q, err := smb.ParseFlushRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if q.FID() == 0xFFFF {
		c.waitIO(0) // the writes before it are what it commits
		var firstErr error
		c.files.Range(func(fid uint16, f *vfs.File) bool {
			if o := c.fileOwners[fid]; o.pid == req.hdr.PID() && !f.IsDir() {
				if err := f.Sync(); err != nil && firstErr == nil {
					firstErr = err
				}
			}
			return true
		})
		if firstErr != nil {
			return statusOf(firstErr)
		}
	} else {
		f, err := c.file(req, q.FID())
		if err != nil {
			return err
		}
		if !f.IsDir() {
			if err := f.Sync(); err != nil {
				return statusOf(err)
			}
		}
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComFlush)
	return nil
}
