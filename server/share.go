package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// shareState is a configured share and its SMB view.
type shareState struct {
	cfg Share
	fs  *vfs.Share
	// rw and ro are fs as writers and readers see it; valid, readers and
	// writers its parsed lists (access.go).
	rw, ro                  *vfs.Share
	valid, readers, writers accessList
}

// newShareState confines sh.Fs (vfs.Confined) unless sh.Unconfined, or
// refuses the share.
func newShareState(sh Share) (*shareState, error) {
	fsys := sh.Fs
	if !sh.Unconfined {
		var err error
		if fsys, err = vfs.Confined(fsys); err != nil {
			return nil, fmt.Errorf("server: share %q: %w (serve a vfs.NewRootFs or a vfs.Confine, or set Unconfined if the Fs confines itself)", sh.Name, err)
		}
	}
	return &shareState{cfg: sh, fs: vfs.NewShare(fsys, sh.ReadOnly)}, nil
}

// shareSet is the shares being served. It is immutable once built: Reload
// installs a new one, and a connection that loaded the old one keeps a
// consistent view for the request at hand.
type shareSet struct {
	list    []*shareState          // configuration order, for share listings
	byName  map[string]*shareState // by upper-case name
	guestOK bool                   // some share admits guests
	groups  []Group                // Config.Groups, which Reload keeps
	// table is Config.Groups by upper-case name, each member an
	// upper-case account name; ga the Authenticator when it keeps the
	// groups instead (see accessList.has).
	table map[string]map[string]bool
	ga    GroupAuthenticator
}

// newShareSet checks shares and builds their set. A share that old also
// serves with the same Fs and ReadOnly keeps its vfs.Share, so trees
// connected to it survive a reload (see Reload).
func newShareSet(shares []Share, old *shareSet) (*shareSet, error) {
	set := &shareSet{byName: make(map[string]*shareState, len(shares))}
	for _, sh := range shares {
		key := strings.ToUpper(sh.Name)
		if key == "" || key == "IPC$" {
			return nil, fmt.Errorf("server: share name %q is reserved or empty", sh.Name)
		}
		if _, dup := set.byName[key]; dup {
			return nil, fmt.Errorf("server: share %q defined twice", sh.Name)
		}
		if sh.Fs == nil {
			return nil, fmt.Errorf("server: share %q has no file system", sh.Name)
		}
		st, err := newShareState(sh)
		if err != nil {
			return nil, err
		}
		if old != nil {
			if prev := old.byName[key]; prev != nil && sameShareFs(prev.cfg, sh) {
				st.fs = prev.fs
			}
		}
		st.rw, st.ro = st.fs.View(false), st.fs.View(true)
		set.list = append(set.list, st)
		set.byName[key] = st
		set.guestOK = set.guestOK || sh.GuestOK
	}
	return set, nil
}

// sameShareFs reports whether b serves the same tree as a, the same way:
// the same Fs value, ReadOnly and Unconfined. Fs values whose dynamic type
// is not comparable are never the same (== on them would panic).
func sameShareFs(a, b Share) bool {
	if a.ReadOnly != b.ReadOnly || a.Unconfined != b.Unconfined || reflect.TypeOf(a.Fs) != reflect.TypeOf(b.Fs) {
		return false
	}
	return reflect.TypeOf(a.Fs).Comparable() && a.Fs == b.Fs
}

// serves reports whether the set still serves fs, the vfs.Share of a
// connected tree.
func (set *shareSet) serves(fs *vfs.Share) bool {
	for _, st := range set.list {
		if st.fs == fs {
			return true
		}
	}
	return false
}

// path decodes an SMB path field of the request, and keeps the first for
// the trace line.
func (req *request) path(raw []byte) string {
	var buf [512]byte
	p := string(smb.DecodeString(buf[:0], raw, req.unicode))
	if req.tracePath == "" {
		req.tracePath = p
	}
	return p
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
