package vfs

import (
	"errors"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// Access mask bits (MS-SMB 2.2.1.4.1, MS-DTYP 2.4.3).
const (
	AccessReadData        uint32 = 0x00000001
	AccessWriteData       uint32 = 0x00000002
	AccessAppendData      uint32 = 0x00000004
	AccessReadEA          uint32 = 0x00000008
	AccessWriteEA         uint32 = 0x00000010
	AccessExecute         uint32 = 0x00000020
	AccessDeleteChild     uint32 = 0x00000040
	AccessReadAttributes  uint32 = 0x00000080
	AccessWriteAttributes uint32 = 0x00000100
	AccessDelete          uint32 = 0x00010000
	AccessReadControl     uint32 = 0x00020000
	AccessWriteDAC        uint32 = 0x00040000
	AccessWriteOwner      uint32 = 0x00080000
	AccessSynchronize     uint32 = 0x00100000
	AccessMaximumAllowed  uint32 = 0x02000000
	AccessGenericAll      uint32 = 0x10000000
	AccessGenericExecute  uint32 = 0x20000000
	AccessGenericWrite    uint32 = 0x40000000
	AccessGenericRead     uint32 = 0x80000000

	// The generic rights map to these for files (MS-SMB2 2.2.13.1.1).
	AccessFileGenericRead           = AccessReadControl | AccessReadData | AccessReadAttributes | AccessReadEA | AccessSynchronize
	AccessFileGenericWrite          = AccessReadControl | AccessWriteData | AccessWriteAttributes | AccessWriteEA | AccessAppendData | AccessSynchronize
	AccessFileGenericExecute        = AccessReadControl | AccessReadAttributes | AccessExecute | AccessSynchronize
	AccessFileAll            uint32 = 0x001F01FF
)

// accessData holds the rights that need an open Fs handle.
const accessData = AccessReadData | AccessWriteData | AccessAppendData | AccessExecute

// accessWrite holds every right that changes the share's contents; a
// read-only share grants none of them.
const accessWrite = AccessWriteData | AccessAppendData | AccessWriteEA | AccessWriteAttributes |
	AccessDeleteChild | AccessDelete | AccessWriteDAC | AccessWriteOwner

// CreateDisposition values (MS-CIFS 2.2.4.64.1).
const (
	FileSupersede   uint32 = 0 // replace if it exists, else create
	FileOpen        uint32 = 1 // open if it exists, else fail
	FileCreate      uint32 = 2 // fail if it exists, else create
	FileOpenIf      uint32 = 3 // open if it exists, else create
	FileOverwrite   uint32 = 4 // truncate if it exists, else fail
	FileOverwriteIf uint32 = 5 // truncate if it exists, else create
)

// CreateOptions bits Share.Create honours (MS-CIFS 2.2.4.64.1); the others
// are accepted and ignored.
const (
	FileDirectoryFile    uint32 = 0x00000001
	FileNonDirectoryFile uint32 = 0x00000040
	FileDeleteOnClose    uint32 = 0x00001000
)

// CreateAction is what Share.Create did, as NT_CREATE_ANDX reports it
// (MS-CIFS 2.2.4.64.2). OPEN_ANDX's Action uses the same numbers for
// opened (1), created (2) and truncated (3).
type CreateAction uint32

// CreateAction values.
const (
	FileSuperseded  CreateAction = 0
	FileOpened      CreateAction = 1
	FileCreated     CreateAction = 2
	FileOverwritten CreateAction = 3
)

// CreateParams carries the NT_CREATE_ANDX fields Share.Create acts on.
type CreateParams struct {
	DesiredAccess     uint32 // Access* bits; generic rights are mapped
	FileAttributes    uint32 // for a created or overwritten file; only AttrReadonly is stored
	CreateDisposition uint32 // File{Supersede,Open,Create,OpenIf,Overwrite,OverwriteIf}
	CreateOptions     uint32 // File{DirectoryFile,NonDirectoryFile,DeleteOnClose}

	// ShareAccess is what the open lets others do (Share* bits); 0 shares
	// nothing. Every open states it, internal ones included.
	ShareAccess uint32
	// DenyMode says how a legacy open asked for its sharing (DenyNT for
	// NT_CREATE_ANDX); DENY_DOS and FCB opens get MS-DOS's handle sharing.
	DenyMode uint8
	// Opener identifies the client process for DENY_DOS/FCB handle sharing
	// (the server packs connection, UID and PID); 0 never matches.
	Opener uint64
	// EAs are set on a file or directory the open creates, overwrites or
	// supersedes (names already checked with ValidEAName); an open of an
	// existing file ignores them, as Samba does.
	EAs []EA
}

// OpenAndXParams converts the AccessMode and OpenMode (OpenFunction) of
// SMB_COM_OPEN_ANDX (MS-CIFS 2.2.4.41.1) and its FileAttrs to CreateParams.
// SMB_COM_OPEN (MS-CIFS 2.2.4.3) is openMode 0x0001: open an existing file.
// The sharing mode in AccessMode becomes ShareAccess and DenyMode as
// Samba maps them. An invalid combination is StatusSMBBadAccess
// (ERRDOS/ERRbadaccess), which Samba forces for it.
func OpenAndXParams(openMode, accessMode, fileAttrs uint16) (CreateParams, error) {
	p := CreateParams{FileAttributes: uint32(fileAttrs), CreateOptions: FileNonDirectoryFile}
	// MS-CIFS 2.2.4.41.1: AccessMode bits 4-6 are the sharing mode. The
	// compatibility mode (DENY_DOS) shares reading with a read-only open
	// and nothing otherwise (programs share everything, see attach); an
	// FCB open shares nothing.
	switch deny := accessMode >> 4 & 0x7; {
	case accessMode&0xF == 0xF || deny == 7:
		p.DenyMode = DenyFCB
	case deny == 0:
		p.DenyMode = DenyDOS
		if accessMode&0x7 == 0 {
			p.ShareAccess = ShareRead
		}
	case deny == 1:
	case deny == 2:
		p.ShareAccess = ShareRead
	case deny == 3:
		p.ShareAccess = ShareWrite
	case deny == 4:
		p.ShareAccess = ShareRead | ShareWrite
	default:
		return CreateParams{}, smb.StatusSMBBadAccess
	}
	// MS-CIFS 2.2.4.41.1: AccessMode bits 0-2 are the access; 0xF in the
	// low nibble is the FCB compatibility open, which is read/write.
	switch accessMode & 0xF {
	case 0:
		p.DesiredAccess = AccessFileGenericRead
	case 1:
		p.DesiredAccess = AccessFileGenericWrite
	case 2, 0xF:
		p.DesiredAccess = AccessFileGenericRead | AccessFileGenericWrite
	case 3:
		p.DesiredAccess = AccessFileGenericRead | AccessFileGenericExecute
	default:
		return CreateParams{}, smb.StatusSMBBadAccess
	}
	// MS-CIFS 2.2.4.41.1: OpenMode bits 0-1 say what to do if the file
	// exists (fail, open, truncate), bit 4 whether to create it if not.
	create := openMode&0x10 != 0
	switch openMode & 0x3 {
	case 0:
		// "Fail if it exists" without "create" makes no sense, except
		// that an open for execute then creates the file, as Windows and
		// Samba have it (smbtorture raw.open openx).
		if !create && accessMode&0x7 != 3 {
			return CreateParams{}, smb.StatusSMBBadAccess
		}
		p.CreateDisposition = FileCreate
	case 1:
		p.CreateDisposition = FileOpen
		if create {
			p.CreateDisposition = FileOpenIf
		}
	case 2:
		p.CreateDisposition = FileOverwrite
		if create {
			p.CreateDisposition = FileOverwriteIf
		}
	default:
		return CreateParams{}, smb.StatusSMBBadAccess
	}
	return p, nil
}

// DiskUsager is implemented by an afero.Fs that knows the size of the
// volume it stores files on, in bytes. RootFs implements it.
type DiskUsager interface {
	DiskUsage() (total, free, blockSize uint64, err error)
}

// DefaultMaxFileSize is the MaxFileSize NewShare sets for an Fs other than
// RootFs.
const DefaultMaxFileSize = 1 << 30

// Sizes Share.DiskUsage reports for an Fs that cannot say.
const (
	fakeTotal     = 1 << 40
	fakeFree      = fakeTotal / 2
	fakeBlockSize = 4096
)

// Share is one exported afero.Fs with SMB semantics. Paths given to its
// methods are SMB paths as the client sent them ("\dir\file"); they are
// cleaned with CleanPath and resolved case-insensitively with Resolve.
// A Share is a view of its shareCore: View gives the same files, open-file
// table, locks and caches with another read-only setting, so users with
// different rights on one share still meet each other's share modes,
// locks and oplocks. It is safe for concurrent use to the extent its Fs is.
type Share struct {
	*shareCore
	readOnly bool
}

// shareCore is what every view of a share has in common. Its mutable state
// is the open-file table, guarded by mu, and the name caches, guarded by
// their own locks.
type shareCore struct {
	fs afero.Fs
	// fsReadOnly is set for an afero.ReadOnlyFs, which no view can write.
	fsReadOnly bool

	// mu guards the open-file table: nodes, by stored path, and the
	// share-mode and lock state reachable from them (sharemode.go).
	mu    sync.Mutex
	nodes map[string]*fileNode

	// dos holds the DOS attributes the Fs cannot (dosattr.go).
	dos dosAttrs
	// eas holds the extended attributes the Fs cannot (eas.go).
	eas eaStore

	// MaxEABytes bounds the memory of the share's EA store; 0 means
	// DefaultMaxEABytes.
	MaxEABytes int

	// MaxFileSize, when positive, caps the size a write or truncate may
	// give a file; beyond it the request fails with StatusDiskFull. NewShare
	// leaves it 0 (no cap) for a RootFs, whose files the kernel stores
	// sparsely, and sets DefaultMaxFileSize for any other Fs, where one
	// write at a large offset would allocate every byte before it.
	MaxFileSize int64

	// names is the case-insensitive directory index (names.go); shorts
	// the long names behind short names handed out (mangle.go).
	names  nameCache
	shorts mangleCache

	// watches are the pending change notifications (notify.go).
	watches watchList
}

// NewShare returns a Share over fsys. A read-only share refuses every
// change with the status Samba 4.17 gives for "read only = yes": an open or
// create that asks for write access is StatusAccessDenied; a create
// without write access finds nothing (StatusObjectNameNotFound); deleting,
// renaming, making or removing a directory and setting attributes or times
// by path are StatusMediaWriteProtected. An afero.ReadOnlyFs makes the
// share read-only whatever readOnly says, so its refusals carry those
// statuses rather than the EPERM it would return.
//
// An afero.BasePathFs over the host's file system (afero.OsFs) keeps ".."
// in but lets the kernel follow symlinks anywhere; NewShare confines it as
// Confine does, so a link such as "evil -> /etc" is never served. Any
// other Fs is served as it is: Confined confines it first.
func NewShare(fsys afero.Fs, readOnly bool) *Share {
	under := fsys
	if j, ok := fsys.(*jailFs); ok {
		under = j.Fs
	}
	_, fsReadOnly := under.(*afero.ReadOnlyFs)
	if dir, ok := osBaseDir(fsys); ok {
		if j, err := Confine(fsys, dir); err == nil {
			fsys = j
		}
	}
	s := &Share{shareCore: &shareCore{fs: fsys, fsReadOnly: fsReadOnly}, readOnly: readOnly || fsReadOnly}
	s.names.limit = DefaultNameIndexEntries
	if _, ok := fsys.(*RootFs); !ok {
		s.MaxFileSize = DefaultMaxFileSize
	}
	return s
}

// Fs returns the afero.Fs the share serves.
func (s *Share) Fs() afero.Fs { return s.fs }

// ReadOnly reports whether the share refuses changes.
func (s *Share) ReadOnly() bool { return s.readOnly }

// View returns the share with readOnly in place of its own setting: the
// same files and open-file table, so share modes, locks, oplocks and
// change notifications hold across views. Files opened through a view
// keep its setting. A share over an afero.ReadOnlyFs stays read-only.
func (s *Share) View(readOnly bool) *Share {
	readOnly = readOnly || s.fsReadOnly
	if readOnly == s.readOnly {
		return s
	}
	return &Share{shareCore: s.shareCore, readOnly: readOnly}
}

// lookup cleans an SMB path and resolves it.
func (s *Share) lookup(smbPath string) (string, os.FileInfo, error) {
	p, err := CleanPath(smbPath)
	if err != nil {
		return "", nil, err
	}
	return s.resolve(p)
}

// resolve is Resolve with the share's name index and short names.
func (s *Share) resolve(p string) (string, os.FileInfo, error) {
	return resolveIn(s.fs, &s.names, &s.shorts, p)
}

// AltName is AltName(name) for a name the client is about to see as its
// short name; the share remembers it, so that a create by that short
// name after the file is gone recreates the long name.
func (s *Share) AltName(name string) string {
	a := AltName(name)
	if a != name {
		s.shorts.remember(a, name)
	}
	return a
}

// mutable fails on a read-only share with the status Samba gives for a
// change by path there (its CAN_WRITE check in the SMB1 path commands).
func (s *Share) mutable() error {
	if s.readOnly {
		return smb.StatusMediaWriteProtected
	}
	return nil
}

// hidden maps the error of a create on a name Resolve reported missing,
// turning a collision or a refusal to leave the share into
// StatusObjectNameNotFound: the name is a symlink leading out of the
// share or nowhere, which the client must not learn of.
func hidden(err error) error {
	st := statusErr(err)
	if st == smb.StatusObjectNameCollision || isEscape(err) {
		return smb.StatusObjectNameNotFound
	}
	return st
}

// grant computes the access an open receives: generic rights mapped to file
// rights, MAXIMUM_ALLOWED widened to everything the share permits.
func (s *Share) grant(desired uint32) (uint32, error) {
	a := mapGeneric(desired &^ AccessMaximumAllowed)
	if s.readOnly && a&accessWrite != 0 {
		return 0, smb.StatusAccessDenied
	}
	if desired&AccessMaximumAllowed != 0 {
		a |= AccessFileAll
		if s.readOnly {
			a &^= accessWrite
		}
	}
	return a, nil
}

func mapGeneric(a uint32) uint32 {
	if a&AccessGenericRead != 0 {
		a |= AccessFileGenericRead
	}
	if a&AccessGenericWrite != 0 {
		a |= AccessFileGenericWrite
	}
	if a&AccessGenericExecute != 0 {
		a |= AccessFileGenericExecute
	}
	if a&AccessGenericAll != 0 {
		a |= AccessFileAll
	}
	return a &^ (AccessGenericRead | AccessGenericWrite | AccessGenericExecute | AccessGenericAll)
}

func readOnlyMode(fi os.FileInfo) bool {
	return !fi.IsDir() && fi.Mode().Perm()&0o200 == 0
}

// Create opens or creates a file or directory with NT_CREATE_ANDX semantics
// (MS-CIFS 3.3.5.51, MS-FSA 2.1.5.1) and reports what it did. The share
// root ("\" or "") opens as a directory. Errors:
//
//   - StatusInvalidParameter: unknown disposition, both DIRECTORY_FILE and
//     NON_DIRECTORY_FILE, DIRECTORY_FILE with a disposition other than
//     FILE_CREATE, FILE_OPEN and FILE_OPEN_IF, superseding or overwriting
//     an existing directory, delete-on-close without DELETE access;
//   - StatusAccessDenied: write access or truncation on a read-only share
//     (a create there is StatusObjectNameNotFound), write access to a
//     read-only file, delete-on-close of the root, a device or FIFO;
//   - StatusObjectNameNotFound / StatusObjectPathNotFound (see Resolve);
//   - StatusObjectNameCollision: FILE_CREATE of an existing name;
//   - StatusFileIsADirectory / StatusNotADirectory: NON_DIRECTORY_FILE on a
//     directory, DIRECTORY_FILE on a file;
//   - StatusCannotDelete: delete-on-close of a read-only file, or of a new
//     file created read-only;
//   - StatusDeletePending: the file, or the directory a new name would go
//     in, is delete pending.
//
// A DesiredAccess of zero is accepted, as Samba does, and gives a handle
// good only for queries. Where Windows and Samba differ, vfs answers as
// Samba 4.17 does for SMB1, except that a delete-pending directory takes no
// new names, as on Windows.
func (s *Share) Create(smbPath string, p CreateParams) (*File, CreateAction, error) {
	cp, err := CleanPath(smbPath)
	if err != nil {
		return nil, 0, err
	}
	disp, opts := p.CreateDisposition, p.CreateOptions
	wantDir := opts&FileDirectoryFile != 0
	if disp > FileOverwriteIf || wantDir && opts&FileNonDirectoryFile != 0 {
		return nil, 0, smb.StatusInvalidParameter
	}
	// MS-FSA 2.1.5.1 phase 1: a directory can only be opened or created.
	if wantDir && disp != FileCreate && disp != FileOpen && disp != FileOpenIf {
		return nil, 0, smb.StatusInvalidParameter
	}
	access, err := s.grant(p.DesiredAccess)
	if err != nil {
		return nil, 0, err
	}
	doc := opts&FileDeleteOnClose != 0
	if doc && access&AccessDelete == 0 {
		// Samba answers so; MS-FSA 2.1.5.1 phase 1 agrees.
		return nil, 0, smb.StatusInvalidParameter
	}

	actual, fi, err := s.resolve(cp)
	if err == nil {
		return s.openExisting(actual, fi, p, access)
	}
	if err != smb.StatusObjectNameNotFound {
		return nil, 0, err
	}
	if disp == FileOpen || disp == FileOverwrite || s.readOnly {
		// On a read-only share only an open without write access gets
		// here (grant refused the others), and Samba answers it as if
		// the name were missing.
		return nil, 0, err
	}
	if doc && !wantDir && p.FileAttributes&AttrReadonly != 0 {
		// MS-FSA 2.1.5.1.1: a new file that would be read-only cannot be
		// deleted on close; nothing is created (smbtorture base.delete
		// deltest12).
		return nil, 0, smb.StatusCannotDelete
	}
	if s.parentDeletePending(actual) {
		// A delete-pending directory takes no new names: it was empty
		// when marked and must stay so to go. Windows answers so
		// (smbtorture base.delete deltest20); Samba 4.17 creates the file.
		return nil, 0, smb.StatusDeletePending
	}
	f := &File{share: s, path: actual, access: access, deleteOnClose: doc}
	if wantDir {
		if err := s.fs.Mkdir(actual, 0o777); err != nil {
			return nil, 0, hidden(err)
		}
		f.isDir = true
		if err := s.attach(f, p); err != nil {
			return nil, 0, err
		}
		s.dos.created(actual, p.FileAttributes, true)
		s.createdEAs(actual, p.EAs)
		s.changed(addition(actual, NotifyDirName))
		return f, FileCreated, nil
	}
	h, err := s.fs.OpenFile(actual, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, 0, hidden(err)
	}
	if err := s.attach(f, p); err != nil {
		h.Close()
		return nil, 0, err
	}
	f.h = h
	if p.FileAttributes&AttrReadonly != 0 {
		if fi, err := h.Stat(); err == nil {
			s.chmodAttributes(actual, fi, AttrReadonly)
		}
	}
	s.dos.created(actual, p.FileAttributes, false)
	s.createdEAs(actual, p.EAs)
	s.changed(addition(actual, NotifyFileName))
	return f, FileCreated, nil
}

func (s *Share) openExisting(actual string, fi os.FileInfo, p CreateParams, access uint32) (*File, CreateAction, error) {
	disp, opts := p.CreateDisposition, p.CreateOptions
	doc := opts&FileDeleteOnClose != 0
	switch {
	case fi.IsDir() && opts&FileNonDirectoryFile != 0:
		return nil, 0, smb.StatusFileIsADirectory
	case !fi.IsDir() && opts&FileDirectoryFile != 0:
		return nil, 0, smb.StatusNotADirectory
	case disp == FileCreate:
		return nil, 0, smb.StatusObjectNameCollision
	}
	if doc && actual == "/" {
		return nil, 0, smb.StatusAccessDenied
	}
	f := &File{share: s, path: actual, access: access, deleteOnClose: doc}
	if fi.IsDir() {
		// Only FILE_OPEN and FILE_OPEN_IF may name an existing directory;
		// Samba refuses superseding or overwriting one as an invalid
		// parameter (FILE_CREATE was a collision above).
		if disp != FileOpen && disp != FileOpenIf {
			return nil, 0, smb.StatusInvalidParameter
		}
		f.isDir = true
		if err := s.attach(f, p); err != nil {
			return nil, 0, err
		}
		return f, FileOpened, nil
	}
	if !fi.Mode().IsRegular() {
		// Opening a FIFO would block the connection; devices are not files
		// a client can use.
		return nil, 0, smb.StatusAccessDenied
	}
	truncate := disp == FileSupersede || disp == FileOverwrite || disp == FileOverwriteIf
	if readOnlyMode(fi) {
		if doc {
			return nil, 0, smb.StatusCannotDelete
		}
		explicit := mapGeneric(p.DesiredAccess &^ AccessMaximumAllowed)
		if truncate || explicit&(AccessWriteData|AccessAppendData) != 0 {
			return nil, 0, smb.StatusAccessDenied
		}
		f.access &^= AccessWriteData | AccessAppendData
	}
	if truncate && s.readOnly {
		return nil, 0, smb.StatusAccessDenied
	}
	// The share-access check comes before anything that changes the file:
	// a refused overwrite must not truncate it.
	if err := s.attach(f, p); err != nil {
		return nil, 0, err
	}
	if truncate || f.access&accessData != 0 {
		// An open for attributes only (Explorer's property queries) takes
		// no Fs handle, like Samba's stat opens, so it works on a file the
		// server may not read.
		flag := os.O_RDONLY
		if truncate || f.access&(AccessWriteData|AccessAppendData) != 0 {
			flag = os.O_RDWR
		}
		if truncate {
			flag |= os.O_TRUNC
		}
		h, err := s.fs.OpenFile(actual, flag, 0)
		if err != nil && flag == os.O_RDWR && p.DesiredAccess&AccessMaximumAllowed != 0 &&
			StatusFromError(err) == smb.StatusAccessDenied {
			// MAXIMUM_ALLOWED settles for what the OS permits.
			f.access &^= AccessWriteData | AccessAppendData
			h, err = s.fs.OpenFile(actual, os.O_RDONLY, 0)
		}
		if err != nil {
			f.abandon()
			return nil, 0, statusErr(err)
		}
		f.h = h
	}
	action := FileOpened
	switch disp {
	case FileSupersede:
		action = FileSuperseded
	case FileOverwrite, FileOverwriteIf:
		action = FileOverwritten
	}
	if truncate && p.FileAttributes&AttrReadonly != 0 {
		s.chmodAttributes(actual, fi, AttrReadonly)
	}
	if truncate {
		s.dos.created(actual, p.FileAttributes, false)
		s.createdEAs(actual, p.EAs)
		s.changed(modification(actual, NotifySize|NotifyLastWrite|NotifyAttributes))
	}
	return f, action, nil
}

// Stat returns the FileInfo of the file or directory at smbPath.
func (s *Share) Stat(smbPath string) (os.FileInfo, error) {
	actual, fi, err := s.lookup(smbPath)
	return s.withAttrs(actual, fi), err
}

// Resolve returns the path smbPath names as the file system spells it (the
// case on disk, "/" separators) and its FileInfo.
func (s *Share) Resolve(smbPath string) (string, os.FileInfo, error) {
	actual, fi, err := s.lookup(smbPath)
	return actual, s.withAttrs(actual, fi), err
}

// CheckDirectory answers SMB_COM_CHECK_DIRECTORY: nil for a directory,
// StatusNotADirectory for a file, the Resolve status when missing.
func (s *Share) CheckDirectory(smbPath string) error {
	_, fi, err := s.lookup(smbPath)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return smb.StatusNotADirectory
	}
	return nil
}

// Remove deletes a file (SMB_COM_DELETE). A directory is
// StatusFileIsADirectory and a read-only file StatusCannotDelete, as on
// Windows.
func (s *Share) Remove(smbPath string) error {
	if err := s.mutable(); err != nil {
		return err
	}
	actual, fi, err := s.lookup(smbPath)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return smb.StatusFileIsADirectory
	}
	if readOnlyMode(fi) {
		return smb.StatusCannotDelete
	}
	// Deleting is an open for DELETE that shares nothing (Samba's unlink),
	// refused while another open of the file stands in its way. The
	// watches hear of it once s.mu is released (deferred calls run last
	// first).
	removed := false
	defer func() {
		if removed {
			s.changed(removal(actual, NotifyFileName))
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkUse(actual, AccessDelete, 0); err != nil {
		return err
	}
	if err := s.fs.Remove(actual); err != nil {
		return statusErr(err)
	}
	s.dos.removed(actual)
	s.dos.unlinked(fi)
	s.eas.removed(actual)
	removed = true
	return nil
}

// Mkdir creates a directory (SMB_COM_CREATE_DIRECTORY). An existing name is
// StatusObjectNameCollision; a missing parent StatusObjectPathNotFound, a
// delete-pending one StatusDeletePending.
func (s *Share) Mkdir(smbPath string) error {
	if err := s.mutable(); err != nil {
		return err
	}
	actual, _, err := s.lookup(smbPath)
	switch err {
	case nil:
		return smb.StatusObjectNameCollision
	case smb.StatusObjectNameNotFound:
		if s.parentDeletePending(actual) {
			return smb.StatusDeletePending
		}
		if err := s.fs.Mkdir(actual, 0o777); err != nil {
			return hidden(err)
		}
		s.changed(addition(actual, NotifyDirName))
		return nil
	}
	return err
}

// Rmdir removes an empty directory (SMB_COM_DELETE_DIRECTORY). A file is
// StatusNotADirectory, a non-empty directory StatusDirectoryNotEmpty and the
// share root StatusAccessDenied.
func (s *Share) Rmdir(smbPath string) error {
	if err := s.mutable(); err != nil {
		return err
	}
	actual, fi, err := s.lookup(smbPath)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return smb.StatusNotADirectory
	}
	if err := s.removeDir(actual); err != nil {
		return err
	}
	s.changed(removal(actual, NotifyDirName))
	return nil
}

// removeDir checks emptiness itself because MemMapFs.Remove would happily
// drop a directory and orphan its contents.
func (s *Share) removeDir(actual string) error {
	if actual == "/" {
		return smb.StatusAccessDenied
	}
	if err := s.checkEmpty(actual); err != nil {
		return err
	}
	if err := s.fs.Remove(actual); err != nil {
		return statusErr(err)
	}
	s.dos.removed(actual)
	s.eas.removed(actual)
	return nil
}

func (s *Share) checkEmpty(dir string) error {
	d, err := s.fs.Open(dir)
	if err != nil {
		return statusErr(err)
	}
	names, err := d.Readdirnames(1)
	d.Close()
	if err != nil && err != io.EOF {
		return statusErr(err)
	}
	if len(names) > 0 {
		return smb.StatusDirectoryNotEmpty
	}
	return nil
}

// Rename moves a file or directory (SMB_COM_RENAME, NT_RENAME and the
// rename information levels). The target's last component is used as
// given, so renaming "a.txt" to "A.TXT" changes the case. An existing
// target is StatusObjectNameCollision unless replace is set; even then a
// directory is never replaced (StatusAccessDenied). Moving a directory
// below itself is StatusInvalidParameter; renaming the root
// StatusAccessDenied.
//
// A file others have open without FILE_SHARE_DELETE, or with DELETE
// access, cannot be renamed by name (StatusSharingViolation), an open target cannot be replaced and a
// directory with open files below it cannot move (StatusAccessDenied);
// the opens of a renamed file follow it.
func (s *Share) Rename(oldPath, newPath string, replace bool) error {
	_, err := s.rename(oldPath, newPath, replace, nil)
	return err
}

// rename returns the new stored path; via is the open renaming the file,
// or nil for a rename by name.
func (s *Share) rename(oldPath, newPath string, replace bool, via *File) (string, error) {
	if err := s.mutable(); err != nil {
		return "", err
	}
	oc, err := CleanPath(oldPath)
	if err != nil {
		return "", err
	}
	nc, err := CleanPath(newPath)
	if err != nil {
		return "", err
	}
	if oc == "/" || nc == "/" {
		return "", smb.StatusAccessDenied
	}
	oa, ofi, err := s.resolve(oc)
	if err != nil {
		return "", err
	}
	na, nfi, err := s.resolve(nc)
	switch {
	case err == nil && na == oa:
		// The same file, maybe spelled in another case: rename to the
		// spelling asked for.
		na = joinPath(path.Dir(na), path.Base(nc))
		if na == oa {
			return na, nil
		}
	case err == nil:
		if !replace {
			return "", smb.StatusObjectNameCollision
		}
		if nfi.IsDir() || readOnlyMode(nfi) {
			return "", smb.StatusAccessDenied
		}
		if ofi.IsDir() {
			// rename(2) will not put a directory over a file.
			if err := s.fs.Remove(na); err != nil {
				return "", statusErr(err)
			}
		}
	case err != smb.StatusObjectNameNotFound:
		return "", err
	}
	if ofi.IsDir() && strings.HasPrefix(na, oa+"/") {
		return "", smb.StatusInvalidParameter
	}
	renamed := false
	defer func() {
		// After s.mu is released: the old name went, the new one came.
		if renamed {
			s.renamed(oa, na, ofi.IsDir())
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.renameCheck(oa, na, ofi.IsDir(), via); err != nil {
		return "", err
	}
	if err := s.fs.Rename(oa, na); err != nil {
		return "", statusErr(err)
	}
	s.dos.renamed(oa, na)
	s.eas.renamed(oa, na)
	s.moveNode(oa, na)
	renamed = true
	return na, nil
}

// renameCheck applies the open-file rules of Rename. s.mu must be held.
func (s *Share) renameCheck(oa, na string, dir bool, via *File) error {
	if via == nil {
		// A rename by name is an open for DELETE sharing read and write
		// only, as Samba's: it fails against an open holding DELETE access
		// even when that open shares delete (smbtorture raw.rename
		// ntrename, whose open asks for every right).
		if err := s.checkUse(oa, AccessDelete, ShareRead|ShareWrite); err != nil {
			return err
		}
	} else if n := s.nodes[oa]; n != nil && n.deletePending {
		return smb.StatusDeletePending
	}
	if na != oa {
		if n := s.nodes[na]; n != nil && len(n.opens) > 0 {
			return smb.StatusAccessDenied
		}
	}
	if dir && s.openBelow(oa) {
		return smb.StatusAccessDenied
	}
	return nil
}

// SetTimes sets the access and modification times; a zero Time leaves that
// time unchanged.
func (s *Share) SetTimes(smbPath string, atime, mtime time.Time) error {
	if err := s.mutable(); err != nil {
		return err
	}
	actual, fi, err := s.lookup(smbPath)
	if err != nil {
		return err
	}
	if err := s.setTimes(actual, fi, atime, mtime); err != nil {
		return err
	}
	s.changed(modification(actual, timesClass(atime, mtime)))
	return nil
}

func (s *Share) setTimes(actual string, fi os.FileInfo, atime, mtime time.Time) error {
	if atime.IsZero() && mtime.IsZero() {
		return nil
	}
	t := FileTimes(fi)
	if atime.IsZero() {
		atime = t.Access
	}
	if mtime.IsZero() {
		mtime = t.Write
	}
	return statusErr(s.fs.Chtimes(actual, atime, mtime))
}

// SetAttributes applies DOS attributes. AttrReadonly clears every write
// bit of a file's mode, and its absence restores the owner's; HIDDEN,
// SYSTEM and ARCHIVE are kept beside the Fs for as long as the Share lives
// (dosattr.go); READONLY on a directory is accepted and ignored. A caller
// skips the call when the request means "no change".
func (s *Share) SetAttributes(smbPath string, attrs uint32) error {
	if err := s.mutable(); err != nil {
		return err
	}
	actual, fi, err := s.lookup(smbPath)
	if err != nil {
		return err
	}
	return s.setAttributes(actual, fi, attrs)
}

// setAttributes applies attrs to the entry at actual, whose FileInfo is
// fi. The watches hear of it only when the attributes a client reads
// changed, ARCHIVE (and so NORMAL) aside: setting the attributes a file has is no change,
// and neither is the archive bookkeeping (smbtorture raw.notify mask
// counts every class a SET reports, and its SETATTR of NORMAL on a new,
// archived file is a write-time change alone).
func (s *Share) setAttributes(actual string, fi os.FileInfo, attrs uint32) error {
	watched := s.watches.n.Load() > 0
	var before uint32
	if watched {
		before = Attributes(s.withAttrs(actual, fi)) &^ (AttrArchive | AttrNormal)
	}
	s.dos.setFile(actual, fi, attrs)
	if err := s.chmodAttributes(actual, fi, attrs); err != nil {
		return err
	}
	if watched {
		if now, err := s.fs.Stat(actual); err == nil && Attributes(s.withAttrs(actual, now))&^(AttrArchive|AttrNormal) != before {
			s.changed(modification(actual, NotifyAttributes))
		}
	}
	return nil
}

func (s *Share) chmodAttributes(actual string, fi os.FileInfo, attrs uint32) error {
	if fi.IsDir() {
		return nil
	}
	mode := fi.Mode().Perm()
	if attrs&AttrReadonly != 0 {
		mode &^= 0o222
	} else if mode&0o200 == 0 {
		mode |= 0o200
	}
	if mode == fi.Mode().Perm() {
		return nil
	}
	return statusErr(s.fs.Chmod(actual, mode))
}

// DiskUsage reports the volume's total and free bytes and its block size.
// An Fs that does not implement DiskUsager (MemMapFs), or whose answer
// fails, reports a believable 1 TiB volume, half free, in 4 KiB blocks.
func (s *Share) DiskUsage() (total, free, blockSize uint64) {
	if du, ok := s.fs.(DiskUsager); ok {
		if t, f, b, err := du.DiskUsage(); err == nil && b > 0 {
			return t, f, b
		}
	}
	return fakeTotal, fakeFree, fakeBlockSize
}

// Entry is one directory entry as FIND returns it.
type Entry struct {
	Name string      // the name to report; authoritative over Info.Name()
	Info os.FileInfo // for "." the directory itself, for ".." its parent
	Dot  bool        // a synthesized "." or ".." entry
}

// Attributes returns the DOS attributes of the entry (see Attributes),
// judging hidden-ness by the entry's name.
func (e Entry) Attributes() uint32 { return attributes(e.Info, e.Name) }

// List answers FIND_FIRST and SEARCH for the directory dir (an SMB path)
// and a pattern from SplitPattern: the entries whose names Match pattern, in
// byte order after "." and "..", which are synthesized as Windows returns
// them. An empty pattern is "*". A pattern without wildcards is looked up
// case-insensitively and yields at most that entry. No match is an empty
// list and nil, since SMB commands report it differently. A missing dir
// fails as Resolve does and a file as dir is StatusNotADirectory, Samba's
// answers.
//
// Entries whose names an SMB path cannot carry (for example containing ':'
// or '\') are left out, and so are symlinks that lead outside the share or
// nowhere.
func (s *Share) List(dir, pattern string) ([]Entry, error) {
	da, dfi, err := s.lookup(dir)
	if err != nil {
		return nil, err
	}
	if !dfi.IsDir() {
		return nil, smb.StatusNotADirectory
	}
	if pattern == "" {
		pattern = "*"
	}
	if !HasWildcards(pattern) && pattern != "." && pattern != ".." {
		if err := checkComponent(pattern, false); err != nil {
			return nil, err
		}
		actual, fi, err := s.resolve(joinPath(da, pattern))
		if err == smb.StatusObjectNameNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []Entry{{Name: path.Base(actual), Info: s.withAttrs(actual, fi)}}, nil
	}
	all, err := s.readDir(da, dfi)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if Match(pattern, e.Name) {
			out = append(out, e)
		}
	}
	return s.entriesWithAttrs(da, out), nil
}

// readDir returns a sorted snapshot of dir with "." and ".." first.
func (s *Share) readDir(dir string, dfi os.FileInfo) ([]Entry, error) {
	d, err := s.fs.Open(dir)
	if err != nil {
		return nil, statusErr(err)
	}
	infos, err := d.Readdir(-1)
	d.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, statusErr(err)
	}
	pfi := dfi
	if dir != "/" {
		if fi, err := s.fs.Stat(path.Dir(dir)); err == nil {
			pfi = fi
		}
	}
	out := make([]Entry, 0, len(infos)+2)
	out = append(out, Entry{Name: ".", Info: dfi, Dot: true}, Entry{Name: "..", Info: pfi, Dot: true})
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name() < infos[j].Name() })
	for _, fi := range infos {
		name := fi.Name()
		if name == "." || name == ".." || checkComponent(name, false) != nil {
			continue
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			// Report what the link leads to; RootFs refuses links that
			// leave the share, and those are hidden like dangling ones.
			t, err := s.fs.Stat(joinPath(dir, name))
			if err != nil {
				continue
			}
			fi = t
		}
		out = append(out, Entry{Name: name, Info: fi})
	}
	return out, nil
}
