package server

import (
	"errors"
	"io"
	"os"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// shareState is a configured share and its SMB view.
type shareState struct {
	cfg Share
	fs  *vfs.Share
}

func newShareState(sh Share) *shareState {
	return &shareState{cfg: sh, fs: vfs.NewShare(sh.Fs, sh.ReadOnly)}
}

// diskTree returns the share behind the request's tree. Path-based commands
// on IPC$ get STATUS_ACCESS_DENIED, as Samba answers them.
func (c *conn) diskTree(req *request) (*tree, *vfs.Share, error) {
	t := c.trees[req.tid]
	if t == nil {
		return nil, nil, smb.StatusSMBBadTID
	}
	if t.share == nil {
		return t, nil, smb.StatusAccessDenied
	}
	return t, t.share.fs, nil
}

// path decodes an SMB path field of the request.
func (req *request) path(raw []byte) string {
	var buf [512]byte
	return string(smb.DecodeString(buf[:0], raw, req.unicode))
}

// statusOf turns a vfs or OS error into the NTSTATUS Windows gives.
func statusOf(err error) smb.NTStatus { return vfs.StatusFromError(err) }

// fileInfo fills the neutral info-level record from a FileInfo.
func fileInfo(fi os.FileInfo, name, path string) smb.FileInfo {
	t := vfs.FileTimes(fi)
	eof := vfs.EndOfFile(fi)
	return smb.FileInfo{
		Name:           name,
		CreationTime:   vfs.FileTime(t.Creation),
		LastAccessTime: vfs.FileTime(t.Access),
		LastWriteTime:  vfs.FileTime(t.Write),
		ChangeTime:     vfs.FileTime(t.Change),
		EndOfFile:      uint64(eof),
		AllocationSize: uint64(vfs.FileAllocationSize(fi)),
		Attributes:     vfs.Attributes(fi),
		FileIndex:      vfs.FileIndex(fi, path),
		NumberOfLinks:  vfs.LinkCount(fi),
		Directory:      fi.IsDir(),
	}
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
