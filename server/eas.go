package server

import (
	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Extended attributes (MS-CIFS 2.2.1.2): the server keeps them per share
// in vfs's in-memory EA store and speaks them through the SET_EAS,
// QUERY_EA_SIZE, QUERY_EAS_FROM_LIST and QUERY_ALL_EAS levels,
// TRANS2_CREATE_DIRECTORY, TRANS2_OPEN2 and NT_TRANSACT_CREATE.

// toEAs checks every name of l before anything is applied, so that one bad
// name sets none of them (smbtorture raw.eas), and converts the list.
func toEAs(l smb.FEAs) ([]vfs.EA, error) {
	var eas []vfs.EA
	for l.Len() > 0 {
		var e smb.FEA
		e, l = l.Next()
		if err := vfs.ValidEAName(e.Name); err != nil {
			return nil, err
		}
		eas = append(eas, vfs.EA{Flags: e.Flags & smb.FEAFlagNeedEA, Name: vfs.EAName(e.Name), Value: e.Value})
	}
	return eas, nil
}

// parseFEAList reads an SMB_FEA_LIST (request data) into EAs.
func parseFEAList(data []byte) ([]vfs.EA, error) {
	body, err := smb.ParseFEAList(data)
	if err != nil {
		return nil, err
	}
	l, err := smb.ParseFEAs(body)
	if err != nil {
		return nil, err
	}
	return toEAs(l)
}

// appendEAList appends the SMB_FEA entries a query level reports: every EA
// for QUERY_ALL_EAS (names nil), else one entry per requested name, with
// an empty value for a name the file does not have, as Windows answers.
func appendEAList(dst []byte, eas []vfs.EA, names smb.GEAs, all bool) []byte {
	if all {
		for _, e := range eas {
			dst = smb.AppendFEA(dst, e.Flags, e.Name, e.Value)
		}
		return dst
	}
	for len(names) > 0 {
		var n []byte
		n, names = names.Next()
		name := vfs.EAName(n)
		found := false
		for _, e := range eas {
			if e.Name == name {
				dst = smb.AppendFEA(dst, e.Flags, e.Name, e.Value)
				found = true
				break
			}
		}
		if !found && len(n) <= 255 {
			dst = smb.AppendFEA(dst, 0, string(n), nil)
		}
	}
	return dst
}

// fillEAs sets info's EaSize and, for the EA list levels, its EAList from
// eas; data is the request's data, the SMB_GEA_LIST of
// QUERY_EAS_FROM_LIST.
func fillEAs(info *smb.FileInfo, level uint16, eas []vfs.EA, data []byte) error {
	info.EASize = vfs.FEAListSize(eas)
	switch level {
	case smb.LevelInfoQueryAllEAs:
		info.EAList = appendEAList(nil, eas, nil, true)
	case smb.LevelInfoQueryEAsFromList:
		names, err := smb.ParseGEAList(data)
		if err != nil {
			return err
		}
		info.EAList = appendEAList(nil, eas, names, false)
	}
	return nil
}

// findEAs fills the EA fields of one FIND entry of share's file at p, an
// SMB path.
func findEAs(share *vfs.Share, f *smb.FindFormat, fi *smb.FileInfo, p string) {
	if f.Level == smb.LevelFindFileDirectoryInfo || f.Level == smb.LevelFindFileNamesInfo || f.Level == smb.LevelInfoStandard {
		return
	}
	eas := share.EAsOf(p)
	fi.EASize = vfs.FEAListSize(eas)
	if f.Level == smb.LevelInfoQueryEAsFromList {
		fi.EAList = appendEAList(nil, eas, f.EANames, false)
	}
}

// findEANames reads the SMB_GEA_LIST of an EAS_FROM_LIST FIND request.
func findEANames(f *smb.FindFormat, data []byte) error {
	if f.Level != smb.LevelInfoQueryEAsFromList {
		return nil
	}
	names, err := smb.ParseGEAList(data)
	f.EANames = names
	return err
}

// trans2Open answers TRANS2_OPEN2 (MS-CIFS 2.2.6.1, 3.3.5.58.1): OPEN_ANDX's
// open in a transaction, with an SMB_FEA_LIST for a created or truncated
// file. An OpenMode of 0 (neither open, truncate nor create) is
// StatusObjectNameCollision, as Samba answers it (smbtorture raw.open
// t2open). A sharing violation is answered at once: OS/2 clients' timeout
// is ignored, as Windows ignores it.
func (c *conn) trans2Open(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseOpen2Params(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	eas, err := parseFEAList(t.Data)
	if err != nil {
		return err
	}
	if p.OpenMode() == 0 {
		return smb.StatusObjectNameCollision
	}
	params, err := vfs.OpenAndXParams(p.OpenMode(), p.AccessMode(), p.FileAttributes())
	if err != nil {
		return statusOf(err)
	}
	params.Opener = c.opener(req)
	params.EAs = eas
	if c.waitOplock(req.transBlock, share, req.path(p.FileName()), params.DesiredAccess, params.ShareAccess, openKind(params.CreateDisposition)) {
		return errNoReply
	}
	f, action, err := share.Create(req.path(p.FileName()), params)
	if err != nil {
		return statusOf(err)
	}
	fid, fi, err := c.registerOpen(req, f, action, p.AllocationSize())
	if err != nil {
		return err
	}
	r := smb.Open2Response{
		FID:            fid,
		FileAttributes: uint16(vfs.Attributes(fi)),
		CreationTime:   vfs.UTime(fi.ModTime()),
		FileDataSize:   uint32(vfs.EndOfFile(fi)),
		AccessMode:     p.AccessMode() & 0x7F,
		ActionTaken:    openResult(action),
	}
	out.params = r.Append(out.params)
	return nil
}

// CreateOptions Samba refuses in an NT create: opening by file ID is not
// supported; the filter-oplock and alert bits and the high byte are
// invalid (MS-SMB 2.2.8, libcli's NTCREATEX_OPTIONS_*_MASK).
const (
	createOptionsNotSupported = 0x00002000
	createOptionsInvalid      = 0x00100000 | 0x00000010 | 0x00000020 | 0xFF000000
)

// ntTransactCreate answers NT_TRANSACT_CREATE (MS-CIFS 2.2.7.1): the open
// of NT_CREATE_ANDX with a security descriptor, accepted and ignored, and
// a FILE_FULL_EA_INFORMATION list for a created or overwritten file. A bad
// EA name fails the request before anything is created.
func (c *conn) ntTransactCreate(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseNTTransactCreateParams(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	switch opts := p.CreateOptions(); {
	case opts&createOptionsNotSupported != 0:
		return smb.StatusNotSupported
	case opts&createOptionsInvalid != 0:
		return smb.StatusInvalidParameter
	}
	l, err := smb.NTTransactCreateEAs(p, t.Data)
	if err != nil {
		return err
	}
	eas, err := toEAs(l)
	if err != nil {
		return err
	}
	name := req.path(p.FileName())
	if root := p.RootDirectoryFID(); root != 0 {
		dir, err := c.file(req, uint16(root))
		if err != nil {
			return err
		}
		name = dir.Path() + "\\" + name
	}
	if c.waitOplock(req.transBlock, share, name, p.DesiredAccess(), p.ShareAccess(), openKind(p.CreateDisposition())) {
		return errNoReply
	}
	f, action, err := share.Create(name, vfs.CreateParams{
		DesiredAccess:     p.DesiredAccess(),
		FileAttributes:    p.ExtFileAttributes(),
		CreateDisposition: p.CreateDisposition(),
		CreateOptions:     p.CreateOptions(),
		ShareAccess:       p.ShareAccess(),
		Opener:            c.opener(req),
		EAs:               eas,
	})
	if err != nil {
		return statusOf(err)
	}
	resp, err := c.ntCreated(req, f, action)
	if err != nil {
		return err
	}
	out.params = smb.AppendNTTransactCreateResponse(out.params, &resp)
	return nil
}
