package server

import (
	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// ntRename answers NT_RENAME (MS-CIFS 2.2.4.66, 3.3.5.41) as Samba does,
// which smbtorture raw.rename ntrename checks: no wildcards in either name
// (STATUS_OBJECT_PATH_SYNTAX_BAD); RENAME_FLAG_RENAME renames as RENAME
// does, refused while an open does not share delete access, a hidden or
// system file being invisible unless SearchAttributes names it;
// RENAME_FLAG_HARD_LINK links where the share's Fs can
// (STATUS_NOT_SUPPORTED elsewhere); RENAME_FLAG_COPY copies the file;
// RENAME_FLAG_MOVE_CLUSTER_INFORMATION is STATUS_INVALID_PARAMETER and any
// other level STATUS_ACCESS_DENIED. ClusterCount is ignored.
func (c *conn) ntRename(req *request, b smb.Block) error {
	r, err := smb.ParseNTRenameRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	oldName, newName := req.path(r.OldFileName()), req.path(r.NewFileName())
	if vfs.HasWildcards(oldName) || vfs.HasWildcards(newName) {
		return smb.StatusObjectPathSyntaxBad
	}
	switch r.InformationLevel() {
	case smb.RenameFlagRename:
		if fi, serr := share.Stat(oldName); serr == nil && excludedBySearch(vfs.Attributes(fi), r.SearchAttributes()) {
			return smb.StatusNoSuchFile
		}
		if c.waitRenameOplock(b, share, oldName) {
			return errNoReply
		}
		err = share.Rename(oldName, newName, false)
	case smb.RenameFlagHardLink:
		err = share.Link(oldName, newName)
	case smb.RenameFlagCopy:
		err = share.Copy(oldName, newName)
	case smb.RenameFlagMoveClusterInformation:
		return smb.StatusInvalidParameter
	default:
		return smb.StatusAccessDenied
	}
	if err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComNTRename)
	return nil
}
