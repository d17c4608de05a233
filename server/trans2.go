package server

import (
	"errors"
	"hash/crc32"
	"path"
	"strings"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// transOut collects a transaction's response parameters and data. Its
// buffers belong to the connection and are reused, so a steady stream of
// FINDs and QUERY_INFOs allocates nothing once they have grown.
type transOut struct {
	params, data []byte
}

// trans2 serves a TRANSACTION2 primary (MS-CIFS 3.3.5.58).
func (c *conn) trans2(req *request, b smb.Block) error {
	return c.transPrimary(req, b, (*conn).runTrans2)
}

// trans2Secondary continues a TRANSACTION2 (MS-CIFS 3.3.5.2.5).
func (c *conn) trans2Secondary(req *request, b smb.Block) error {
	return c.transNext(req, b, (*conn).runTrans2)
}

// transPrimary serves the primary request of a TRANSACTION or TRANSACTION2
// with run. One that does not carry all its parameters and data gets an
// interim response and waits for its secondaries.
func (c *conn) transPrimary(req *request, b smb.Block, run func(*conn, *request, *smb.TransRequest) error) error {
	t, err := smb.ParseTransRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if t.Complete() {
		req.transBlock = b
		return run(c, req, &t)
	}
	key := transKey{uid: req.uid, tid: req.tid, mid: req.hdr.MID(), pid: req.hdr.PID()}
	// A waiting transaction holds memory for its declared totals: both
	// how many may wait and what they declare together are bounded per
	// connection (MaxPendingTransactions, MaxTransactionSize), so no
	// length field alone commits memory beyond them. A primary reusing a
	// pending key replaces it.
	held := c.pendingTransBytes()
	if old := c.transactions[key]; old != nil {
		held -= old.declared
	} else if len(c.transactions) >= c.srv.cfg.MaxPendingTransactions {
		return smb.StatusInsuffServerResources
	}
	// NT_TRANSACT totals are 32-bit: add them where int cannot overflow.
	declared := uint64(t.TotalParameterCount) + uint64(t.TotalDataCount)
	if uint64(held)+declared > uint64(c.srv.cfg.MaxTransactionSize) {
		return smb.StatusInsuffServerResources
	}
	pt := &pendingTrans{declared: int(declared)}
	if _, err := pt.r.Start(t, c.srv.cfg.MaxTransactionSize); err != nil {
		return smb.StatusInvalidParameter
	}
	c.transactions[key] = pt
	// MS-CIFS 3.3.5.2.5: the interim response is an empty success.
	smb.EncodeEmptyResponse(&req.resp, b.Command)
	return errStop
}

// transNext adds a secondary request's fragment to a pending transaction
// and runs it with run once complete; the response comes only when the last
// fragment arrives (MS-CIFS 3.3.5.2.5).
func (c *conn) transNext(req *request, b smb.Block, run func(*conn, *request, *smb.TransRequest) error) error {
	s, err := smb.ParseTransSecondary(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	key := transKey{uid: req.uid, tid: req.tid, mid: req.hdr.MID(), pid: req.hdr.PID()}
	pt := c.transactions[key]
	if pt == nil {
		return smb.StatusInvalidParameter
	}
	done, err := pt.r.Add(s)
	if err != nil {
		delete(c.transactions, key)
		return smb.StatusInvalidParameter
	}
	if !done {
		return errNoReply
	}
	delete(c.transactions, key)
	t := pt.r.Request()
	req.resp.Header().SetCommand(smb.TransPrimary(b.Command))
	return run(c, req, &t)
}

// runTrans2 runs a complete TRANSACTION2 and sends its response, split into
// several messages when it exceeds the client's buffer.
func (c *conn) runTrans2(req *request, t *smb.TransRequest) error {
	out := &c.transOut
	out.params, out.data = out.params[:0], out.data[:0]
	var err error
	switch t.Subcommand() {
	case smb.Trans2FindFirst2:
		err = c.findFirst2(req, t, out)
	case smb.Trans2FindNext2:
		err = c.findNext2(req, t, out)
	case smb.Trans2QueryFSInformation:
		err = c.queryFSInfo(req, t, out)
	case smb.Trans2QueryPathInformation:
		err = c.queryPathInfo(req, t, out)
	case smb.Trans2QueryFileInformation:
		err = c.queryFileInfo(req, t, out)
	case smb.Trans2SetPathInformation:
		err = c.setPathInfo(req, t, out)
	case smb.Trans2SetFileInformation:
		err = c.setFileInfo(req, t, out)
	case smb.Trans2CreateDirectory:
		err = c.trans2Mkdir(req, t, out)
	case smb.Trans2Open2:
		err = c.trans2Open(req, t, out)
	default:
		if c.trace() {
			c.log.Debug("unimplemented TRANSACTION2 subcommand", "subcommand", t.Subcommand())
		}
		err = smb.StatusNotImplemented
	}
	if err == errNoReply {
		// Deferred for an oplock break; the replay answers it.
		return err
	}
	if err != nil {
		var st smb.NTStatus
		if errors.As(err, &st) {
			return st
		}
		return statusOf(err)
	}
	if int(t.MaxParameterCount) < len(out.params) || int(t.MaxDataCount) < len(out.data) {
		// MS-CIFS 3.3.5.57: the response does not fit what the client
		// said it would take.
		return smb.StatusBufferOverflow
	}
	return c.sendTrans(req, smb.ComTransaction2, out.params, out.data)
}

// sendTrans sends a transaction response, as several messages when it does
// not fit the client's MaxBufferSize (MS-CIFS 3.3.4.1.1).
func (c *conn) sendTrans(req *request, cmd uint8, params, data []byte) error {
	room := smb.TransResponseRoom(cmd, 0, c.transMaxMsg())
	pd, dd := 0, 0
	for {
		pc := min(len(params)-pd, room)
		dc := min(len(data)-dd, room-pc)
		last := pd+pc == len(params) && dd+dc == len(data)
		r := req
		if !last {
			r = c.newRequest(req.hdr)
		}
		smb.AppendTransResponse(&r.resp, cmd, nil, params[pd:pd+pc], data[dd:dd+dc], pd, dd, len(params), len(data))
		if last {
			return nil
		}
		if err := c.finish(r); err != nil {
			return err
		}
		pd, dd = pd+pc, dd+dc
	}
}

// transMaxMsg is the largest transaction response message the client
// takes: its MaxBufferSize, or ours when it gave an implausibly small one.
func (c *conn) transMaxMsg() int {
	if c.clientMaxBuf < 1024 {
		return maxBufferSize
	}
	return c.clientMaxBuf
}

// fsInfo describes a share for the QUERY_FS levels.
func (c *conn) fsInfo(t *tree) smb.FSInfo {
	total, free, block := t.share.fs.DiskUsage()
	if block == 0 {
		block = 4096
	}
	const sector = 512
	return smb.FSInfo{
		TotalUnits:     total / block,
		FreeUnits:      free / block,
		SectorsPerUnit: uint32(max(block/sector, 1)),
		BytesPerSector: sector,
		// A stable serial number per share, as Windows keeps one per
		// volume.
		SerialNumber:          crc32.ChecksumIEEE([]byte(strings.ToUpper(t.share.cfg.Name))),
		VolumeLabel:           t.share.cfg.Name,
		FSName:                "NTFS",
		Attributes:            smb.FSCaseSensitiveSearch | smb.FSCasePreservedNames | smb.FSUnicodeOnDisk,
		MaxNameLen:            255,
		DeviceType:            smb.DeviceTypeDisk,
		DeviceCharacteristics: smb.DeviceIsMounted,
	}
}

func (c *conn) queryFSInfo(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseFSInfoParams(t.Params)
	if err != nil {
		return err
	}
	tr, _, err := c.diskTree(req)
	if err != nil {
		return err
	}
	fs := c.fsInfo(tr)
	out.data, err = smb.AppendFSInfo(out.data, p.InformationLevel(), &fs, t.Unicode)
	return err
}

// smbName is the share-relative path with a leading backslash, which the
// NAME and ALL levels report (Samba does the same).
func smbName(p string) string {
	p = path.Clean("/" + strings.ReplaceAll(p, "\\", "/"))
	return strings.ReplaceAll(p, "/", "\\")
}

func (c *conn) queryPathInfo(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParsePathInfoParams(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	// The NAME and ALL levels report the name as stored, not as asked
	// for: clients such as macOS compare the two to tell a case-only
	// rename from a clash (smbtorture raw.rename osxrename).
	name, fi, err := share.Resolve(req.path(p.FileName()))
	if err != nil {
		return statusOf(err)
	}
	if share.PathDeletePending(name) {
		// A query by path opens the file, which fails on a delete-pending
		// file (MS-FSA 2.1.5.1.2; Samba; smbtorture base.delete).
		return smb.StatusDeletePending
	}
	info := fileInfo(fi, smbName(name), name)
	info.ShortName = altName(share, p.InformationLevel(), fi.Name())
	if err := fillEAs(&info, p.InformationLevel(), share.EAs(name), t.Data); err != nil {
		return err
	}
	out.params = smb.AppendInfoResponseParams(out.params)
	out.data, err = smb.AppendFileInfo(out.data, p.InformationLevel(), &info)
	return err
}

func (c *conn) queryFileInfo(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseFileInfoParams(t.Params)
	if err != nil {
		return err
	}
	f, err := c.file(req, p.FID())
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return statusOf(err)
	}
	info := fileInfo(fi, smbName(f.Path()), f.Path())
	info.ShortName = altName(f.Share(), p.InformationLevel(), path.Base(f.Path()))
	if f.DeletePending() {
		// MS-FSCC 2.4.41: a delete-pending file has one link fewer, so a
		// file with one name reports 0 (smbtorture base.delete).
		info.DeletePending = true
		info.NumberOfLinks--
	}
	info.AccessFlags = f.Access()
	info.Position = c.pos.positionInformation(p.FID())
	if err := fillEAs(&info, p.InformationLevel(), f.EAs(), t.Data); err != nil {
		return err
	}
	out.params = smb.AppendInfoResponseParams(out.params)
	out.data, err = smb.AppendFileInfo(out.data, p.InformationLevel(), &info)
	return err
}

// trans2Mkdir creates a directory (MS-CIFS 3.3.5.59.11) and gives it the
// request's EAs. A bad EA list is refused before anything is created.
func (c *conn) trans2Mkdir(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseCreateDirectoryParams(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	// MS-CIFS 2.2.1.2.2: an SMB_FEA_LIST is its 4-byte SizeOfListInBytes
	// and the entries; 4 bytes (or none) is an empty list, which OS/2
	// clients send. A list whose length lies is refused before anything
	// is created.
	eas, err := parseFEAList(t.Data)
	if err != nil {
		return err
	}
	name := req.path(p.DirectoryName())
	if err := share.Mkdir(name); err != nil {
		return statusOf(err)
	}
	if len(eas) > 0 {
		f, _, err := share.Create(name, vfs.CreateParams{
			DesiredAccess:     vfs.AccessWriteEA,
			CreateDisposition: vfs.FileOpen,
			CreateOptions:     vfs.FileDirectoryFile,
			ShareAccess:       vfs.ShareAll,
		})
		if err != nil {
			return statusOf(err)
		}
		err = f.SetEAs(eas)
		f.Close()
		if err != nil {
			return statusOf(err)
		}
	}
	out.params = smb.AppendInfoResponseParams(out.params)
	return nil
}

// setPathInfo applies a SET level to a path by opening it for the change,
// so path and handle requests share one implementation.
func (c *conn) setPathInfo(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParsePathInfoParams(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	si, err := smb.ParseSetInfo(p.InformationLevel(), t.Data)
	if err != nil {
		return err
	}
	access := vfs.AccessWriteAttributes
	breaks, kind := false, vfs.OpenData
	switch si.Class {
	case smb.SetEndOfFile, smb.SetAllocation:
		// A resize breaks oplocks to none, as an overwriting open
		// does (smbtorture raw.oplock EXCLUSIVE3, BATCH11, BATCH12).
		access |= vfs.AccessWriteData
		breaks, kind = true, vfs.OpenOverwrite
	case smb.SetDisposition, smb.SetRename:
		// A rename or delete by path breaks a batch oplock only
		// (raw.oplock BATCH19, EXCLUSIVE7).
		access |= vfs.AccessDelete
		breaks, kind = true, vfs.OpenPathChange
	case smb.SetEAs:
		access = vfs.AccessWriteEA
	}
	if breaks && c.waitOplock(req.transBlock, share, req.path(p.FileName()), access, vfs.ShareAll, kind) {
		return errNoReply
	}
	f, _, err := share.Create(req.path(p.FileName()), vfs.CreateParams{
		DesiredAccess:     access,
		CreateDisposition: vfs.FileOpen,
		ShareAccess:       vfs.ShareAll,
	})
	if err != nil {
		return statusOf(err)
	}
	if p.InformationLevel() == smb.LevelSetFileEndOfFileInfo {
		// Samba answers the CIFS end-of-file level by path with
		// STATUS_INVALID_LEVEL, as Windows XP and 7 do, but only after
		// the open: a sharing violation comes first (smbtorture
		// raw.sfileinfo end-of-file). The pass-through level works.
		err = smb.StatusInvalidLevel
	} else {
		err = c.applySetInfo(req, f, &si)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	out.params = smb.AppendInfoResponseParams(out.params)
	return nil
}

func (c *conn) setFileInfo(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseFileInfoParams(t.Params)
	if err != nil {
		return err
	}
	f, err := c.file(req, p.FID())
	if err != nil {
		return err
	}
	si, err := smb.ParseSetInfo(p.InformationLevel(), t.Data)
	if err != nil {
		return err
	}
	if err := c.applySetInfo(req, f, &si); err != nil {
		return err
	}
	if si.Class == smb.SetPosition {
		// FILE_POSITION_INFORMATION is the handle's offset, which only
		// the core READ/WRITE/SEEK commands use (MS-FSCC 2.4.35).
		c.pos.setPositionInformation(p.FID(), si.Size)
	}
	out.params = smb.AppendInfoResponseParams(out.params)
	return nil
}

// applySetInfo carries out one SET level on an open file (MS-CIFS
// 3.3.5.59.6, MS-FSCC 2.4). A time of 0 leaves that time alone.
func (c *conn) applySetInfo(req *request, f *vfs.File, si *smb.SetInfo) error {
	var err error
	switch si.Class {
	case smb.SetBasic:
		if si.LastWriteTime != 0 && si.LastWriteTime != ^uint64(0) || si.LastAccessTime != 0 && si.LastAccessTime != ^uint64(0) {
			err = f.SetTimes(fileTimeArg(si.LastAccessTime), fileTimeArg(si.LastWriteTime))
		}
		if err == nil && si.Attributes != 0 {
			err = f.SetAttributes(si.Attributes)
		}
	case smb.SetDisposition:
		err = f.SetDeleteOnClose(si.DeletePending)
	case smb.SetEndOfFile:
		if !f.IsDir() && f.Access()&vfs.AccessWriteData == 0 {
			// Windows and Samba set the end of file through a handle
			// only with FILE_WRITE_DATA; FILE_APPEND_DATA alone is
			// refused (smbtorture raw.sfileinfo end-of-file-access).
			return smb.StatusAccessDenied
		}
		err = f.Truncate(int64(si.Size))
	case smb.SetAllocation:
		// Allocation is advisory on Unix; only shrinking below the end of
		// file changes the data (MS-FSCC 2.4.4: the file is truncated).
		// Any change breaks level II oplocks, as a truncate does
		// (MS-CIFS 3.3.4.2).
		f.BreakLevelII()
		fi, serr := f.Stat()
		if serr == nil && int64(si.Size) < vfs.EndOfFile(fi) {
			err = f.Truncate(int64(si.Size))
		} else {
			err = serr
		}
	case smb.SetRename:
		// The SMB1 form renames within the file's directory only, as
		// Windows and Samba implement it: a RootDirectory is
		// STATUS_INVALID_PARAMETER and a name with a path separator
		// STATUS_NOT_SUPPORTED (smbtorture raw.sfileinfo rename).
		if si.RootDirectory != 0 {
			return smb.StatusInvalidParameter
		}
		name := req.path(si.FileName)
		if strings.ContainsAny(name, "\\/") {
			return smb.StatusNotSupported
		}
		dir := path.Dir(strings.ReplaceAll(f.Path(), "\\", "/"))
		err = f.Rename(dir+"/"+name, si.ReplaceIfExists)
	case smb.SetEAs:
		var l smb.FEAs
		var eas []vfs.EA
		if l, err = smb.ParseFEAs(si.EAList); err == nil {
			if eas, err = toEAs(l); err == nil {
				err = f.SetEAs(eas)
			}
		}
	case smb.SetPosition:
		// The position is the client's business in SMB1; setting it
		// succeeds, as Samba answers it.
	default:
		return smb.StatusInvalidLevel
	}
	if err != nil {
		var st smb.NTStatus
		if errors.As(err, &st) {
			return st
		}
		return statusOf(err)
	}
	return nil
}

// fileTimeArg converts a FILETIME of a SET level to the time vfs takes: 0
// and -1 ("do not change", MS-FSCC 2.4.7) become the zero Time, which vfs
// leaves alone.
func fileTimeArg(ft uint64) time.Time {
	if ft == 0 || ft == ^uint64(0) {
		return time.Time{}
	}
	return vfs.TimeFromFileTime(ft)
}

// altName is the short name an ALT_NAME level reports for the stored name
// (MS-CIFS 2.2.8.3.9, MS-FSCC 2.4.5); other levels do not need it.
func altName(share *vfs.Share, level uint16, name string) string {
	if level != smb.LevelQueryFileAltNameInfo && level != smb.LevelPassthrough+smb.FileAlternateNameInformation {
		return ""
	}
	return share.AltName(name)
}
