package server

import (
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// delete removes files matching a name, which may carry wildcards
// (MS-CIFS 3.3.5.10).
func (c *conn) delete(req *request, b smb.Block) error {
	d, err := smb.ParseDeleteRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	name := req.path(d.FileName())
	search := d.SearchAttributes()
	if !vfs.HasWildcards(name) {
		// A search that admits hidden and system files (smbclient's
		// del) excludes nothing: no need to look the name up first.
		if uint32(search)&(vfs.AttrHidden|vfs.AttrSystem) != vfs.AttrHidden|vfs.AttrSystem {
			if fi, err := share.Stat(name); err == nil && !fi.IsDir() && excludedBySearch(vfs.Attributes(fi), search) {
				return smb.StatusNoSuchFile
			}
		}
		if c.waitOplock(b, share, name, vfs.AccessDelete, vfs.ShareAll, vfs.OpenData) {
			// Deleting is opening for DELETE: it breaks a batch oplock
			// first (smbtorture raw.oplock BATCH1, BATCH3).
			return errNoReply
		}
		if err := share.Remove(name); err != nil {
			return statusOf(err)
		}
		smb.EncodeEmptyResponse(&req.resp, smb.ComDelete)
		return nil
	}
	dir, pattern, err := vfs.SplitPattern(name)
	if err != nil {
		return statusOf(err)
	}
	entries, err := share.List(dir, pattern)
	if err != nil {
		return statusOf(err)
	}
	deleted := 0
	for _, e := range entries {
		if e.Dot || e.Info.IsDir() || excludedBySearch(e.Attributes(), search) {
			continue
		}
		if err := share.Remove(dir + "\\" + e.Name); err != nil {
			return statusOf(err)
		}
		deleted++
	}
	if deleted == 0 {
		return smb.StatusNoSuchFile
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComDelete)
	return nil
}

// rename renames a file or directory; the target must not exist
// (MS-CIFS 3.3.5.11).
// excludedBySearch reports whether a file with attributes attrs is outside
// what SearchAttributes search matches: MS-CIFS 2.2.4.7.1, a hidden or
// system file matches only when search includes that attribute. Samba
// answers such a file, named alone, with STATUS_NO_SUCH_FILE.
func excludedBySearch(attrs uint32, search uint16) bool {
	return attrs&^uint32(search)&(vfs.AttrHidden|vfs.AttrSystem) != 0
}

func (c *conn) rename(req *request, b smb.Block) error {
	r, err := smb.ParseRenameRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	if c.waitRenameOplock(b, share, req.path(r.OldFileName())) {
		return errNoReply
	}
	if err := share.Rename(req.path(r.OldFileName()), req.path(r.NewFileName()), false); err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComRename)
	return nil
}

func (c *conn) createDirectory(req *request, b smb.Block) error {
	d, err := smb.ParseCreateDirectoryRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	if err := share.Mkdir(req.path(d.DirectoryName())); err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComCreateDirectory)
	return nil
}

func (c *conn) deleteDirectory(req *request, b smb.Block) error {
	d, err := smb.ParseDeleteDirectoryRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	if err := share.Rmdir(req.path(d.DirectoryName())); err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComDeleteDirectory)
	return nil
}

func (c *conn) checkDirectory(req *request, b smb.Block) error {
	d, err := smb.ParseCheckDirectoryRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	if err := share.CheckDirectory(req.path(d.DirectoryName())); err != nil {
		return statusOf(err)
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComCheckDirectory)
	return nil
}

// queryInformation is the core attribute query (MS-CIFS 3.3.5.12).
func (c *conn) queryInformation(req *request, b smb.Block) error {
	q, err := smb.ParseQueryInformationRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	fi, err := share.Stat(req.path(q.FileName()))
	if err != nil {
		return statusOf(err)
	}
	size := uint32(0)
	if !fi.IsDir() {
		size = uint32(min(vfs.EndOfFile(fi), 0xFFFFFFFF))
	}
	smb.QueryInformationResponse{
		FileAttributes: uint16(vfs.Attributes(fi)),
		LastWriteTime:  vfs.UTime(fi.ModTime()),
		FileSize:       size,
	}.Encode(&req.resp)
	return nil
}

// setInformation sets attributes and the write time (MS-CIFS 3.3.5.13; a
// time of 0 leaves it unchanged).
func (c *conn) setInformation(req *request, b smb.Block) error {
	s, err := smb.ParseSetInformationRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	name := req.path(s.FileName())
	if err := share.SetAttributes(name, uint32(s.FileAttributes())); err != nil {
		return statusOf(err)
	}
	if t := s.LastWriteTime(); t != 0 && t != 0xFFFFFFFF {
		// Only the write time, as Samba sets it: the access time stays,
		// and a change notification reports a write-time change alone
		// (smbtorture raw.notify mask: set path write time).
		if err := share.SetTimes(name, time.Time{}, vfs.TimeFromUTime(t, nil)); err != nil {
			return statusOf(err)
		}
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComSetInformation)
	return nil
}

// queryInformationDisk reports the share's size in the 16-bit units of the
// core protocol (MS-CIFS 3.3.5.14); smbclient's "dskattr" uses it.
func (c *conn) queryInformationDisk(req *request, b smb.Block) error {
	if err := smb.ParseQueryInformationDiskRequest(b); err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	total, free, _ := share.DiskUsage()
	smb.ScaleDiskInfo(total, free).Encode(&req.resp)
	return nil
}
