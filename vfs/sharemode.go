package vfs

import (
	"path"
	"strings"
	"sync/atomic"

	"github.com/tinysmbd/tinysmbd/smb"
)

// ShareAccess bits of an open (MS-CIFS 2.2.4.64.1, MS-FSA 2.1.5.1.2).
const (
	ShareRead   uint32 = 0x1
	ShareWrite  uint32 = 0x2
	ShareDelete uint32 = 0x4
	ShareAll           = ShareRead | ShareWrite | ShareDelete
)

// Legacy open modes: how an OPEN_ANDX or core OPEN asked for its sharing,
// which changes what happens on a sharing violation (Samba's
// NTCREATEX_OPTIONS_PRIVATE_DENY_DOS and _DENY_FCB).
const (
	DenyNT  uint8 = iota // NT_CREATE_ANDX, or a DENY_ALL/WRITE/READ/NONE mode
	DenyDOS              // compatibility mode (AccessMode sharing bits 0)
	DenyFCB              // FCB open (AccessMode 0xFF)
)

// sharingAccess are the rights that take part in the share-access check;
// an open holding none of them (a "stat open") never conflicts
// (MS-FSA 2.1.5.1.2.1).
const sharingAccess = AccessReadData | AccessWriteData | AccessAppendData | AccessExecute | AccessDelete

// fileNode is the server-wide state of one file while it is open through
// any connection: its opens, its byte-range locks, the lock requests
// waiting on them and its delete-pending flag. It is keyed by the stored
// path within the share (case-canonical, as resolve returns it) and moves
// with the file on rename. Share.mu guards every field except nlocks and
// nlevelII.
type fileNode struct {
	path          string
	opens         []*File
	deletePending bool
	locks         []byteLock
	waiters       []*LockWaiter
	retrying      bool // retryWaiters is running
	// closeWatchers run when an open of the file closes (WaitClose).
	closeWatchers []func()
	// oplockWaiters run when the oplock being broken is released
	// (oplock.go).
	oplockWaiters []func()
	// modes counts the opens taking part in the share-access check by
	// what they hold and what they refuse to share, so that checking a
	// new open does not scan thousands of opens of one file.
	modes [6]int
	// nlocks is len(locks), read without the mutex by the I/O fast path
	// so that READ and WRITE on an unlocked file take no lock at all.
	nlocks atomic.Int32
	// nlevelII counts the opens holding a level II oplock, read without
	// the mutex by WRITE's fast path (oplock.go BreakLevelII).
	nlevelII atomic.Int32
}

// conflicts reports whether access may not be granted beside an open
// whose sharing is share (MS-FSA 2.1.5.1.2.1, checked both ways).
func conflicts(access, share uint32) bool {
	return access&(AccessWriteData|AccessAppendData) != 0 && share&ShareWrite == 0 ||
		access&(AccessReadData|AccessExecute) != 0 && share&ShareRead == 0 ||
		access&AccessDelete != 0 && share&ShareDelete == 0
}

// Indexes of fileNode.modes.
const (
	holdsRead = iota
	holdsWrite
	holdsDelete
	deniesRead
	deniesWrite
	deniesDelete
)

// count adds d to the mode counters for o.
func (n *fileNode) count(o *File, d int) {
	if o.dup || o.access&sharingAccess == 0 {
		return
	}
	add := func(i int, on bool) {
		if on {
			n.modes[i] += d
		}
	}
	add(holdsRead, o.access&(AccessReadData|AccessExecute) != 0)
	add(holdsWrite, o.access&(AccessWriteData|AccessAppendData) != 0)
	add(holdsDelete, o.access&AccessDelete != 0)
	add(deniesRead, o.shareAccess&ShareRead == 0)
	add(deniesWrite, o.shareAccess&ShareWrite == 0)
	add(deniesDelete, o.shareAccess&ShareDelete == 0)
}

// violates reports whether an open asking access with sharing share
// conflicts with any open of n, the check of MS-FSA 2.1.5.1.2.1 against
// each open (stat opens and DENY_DOS/FCB duplicates excepted) answered from
// the counters.
func (n *fileNode) violates(access, share uint32) bool {
	if access&sharingAccess == 0 {
		return false
	}
	m := &n.modes
	return access&(AccessWriteData|AccessAppendData) != 0 && m[deniesWrite] > 0 ||
		access&(AccessReadData|AccessExecute) != 0 && m[deniesRead] > 0 ||
		access&AccessDelete != 0 && m[deniesDelete] > 0 ||
		share&ShareWrite == 0 && m[holdsWrite] > 0 ||
		share&ShareRead == 0 && m[holdsRead] > 0 ||
		share&ShareDelete == 0 && m[holdsDelete] > 0
}

// add and remove keep n.opens and the counters; f.nodeIdx makes removal
// O(1).
func (n *fileNode) add(f *File) {
	f.node = n
	f.nodeIdx = len(n.opens)
	n.opens = append(n.opens, f)
	n.count(f, 1)
}

func (n *fileNode) remove(f *File) {
	i := f.nodeIdx
	last := len(n.opens) - 1
	n.opens[i] = n.opens[last]
	n.opens[i].nodeIdx = i
	n.opens[last] = nil
	n.opens = n.opens[:last]
	n.count(f, -1)
	f.node = nil
}

// isExecutable is Samba's test for the DENY_DOS rule that lets everyone
// share a program file.
func isExecutable(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".exe" || ext == ".com" || ext == ".dll" || ext == ".sym"
}

// node returns the node of path p, creating it. s.mu must be held.
func (s *Share) node(p string) *fileNode {
	if n := s.nodes[p]; n != nil {
		return n
	}
	if s.nodes == nil {
		s.nodes = make(map[string]*fileNode)
	}
	n := &fileNode{path: p}
	s.nodes[p] = n
	return n
}

// attach enters f, about to be opened at f.path with the parameters p, in
// the open-file table, checking it against the file's other opens:
// StatusDeletePending if the file is being deleted, StatusSharingViolation
// when the share-access check fails. On a violation between DENY_DOS or FCB
// opens of the same opener, the new open becomes a duplicate of the old
// one, as MS-DOS and Samba's fcb_or_dos_open do, and is granted.
func (s *Share) attach(f *File, p CreateParams) error {
	f.shareAccess = p.ShareAccess
	f.denyMode = p.DenyMode
	f.opener = p.Opener
	if f.denyMode == DenyDOS && isExecutable(f.path) {
		f.shareAccess = ShareRead | ShareWrite
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.node(f.path)
	if n.deletePending {
		s.dropIfIdle(n)
		return smb.StatusDeletePending
	}
	if n.violates(f.access, f.shareAccess) && !s.dosDuplicate(f, n) {
		s.dropIfIdle(n)
		return smb.StatusSharingViolation
	}
	n.add(f)
	return nil
}

// dosDuplicate looks for the open a DENY_DOS or FCB open may share despite
// a violation: one of the same opener, also DENY_DOS or FCB, holding write
// access (Samba's fcb_or_dos_open). It marks f a duplicate if found.
func (s *Share) dosDuplicate(f *File, n *fileNode) bool {
	if f.denyMode == DenyNT || f.opener == 0 {
		return false
	}
	for _, o := range n.opens {
		if o.opener == f.opener && o.denyMode != DenyNT && o.access&AccessWriteData != 0 {
			if o.denyMode == DenyDOS && isExecutable(f.path) {
				return false
			}
			f.dup = true
			return true
		}
	}
	return false
}

// dropIfIdle forgets a node nothing refers to any more. s.mu must be held.
func (s *Share) dropIfIdle(n *fileNode) {
	if len(n.opens) == 0 && len(n.waiters) == 0 && len(n.closeWatchers) == 0 && len(n.oplockWaiters) == 0 && s.nodes[n.path] == n {
		delete(s.nodes, n.path)
	}
}

// detach takes f out of the table at Close: its locks go, lock requests it
// was waiting for fail with StatusRangeNotLocked, other waiters are
// retried, and a delete-on-close flag makes the file delete pending. When
// f was the last open of a delete-pending file, remove runs (with s.mu
// held, so no new open can slip in before the file is gone) and its error
// is returned. The returned calls report finished waiters and must run
// after s.mu is released; detach itself releases it.
func (s *Share) detach(f *File, remove func(p string) error) (err error, wake []func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.node
	if n == nil {
		return nil, nil
	}
	wake = f.dropOplock(wake)
	n.remove(f)
	for _, fn := range n.closeWatchers {
		wake = append(wake, fn)
	}
	n.closeWatchers = nil
	released := n.dropLocksOf(f)
	wake = n.cancelWaitersOf(f, smb.StatusRangeNotLocked, wake)
	if released {
		wake = n.retryWaiters(wake)
	}
	if f.deleteOnClose {
		n.deletePending = true
	}
	if len(n.opens) == 0 {
		if n.deletePending {
			err = remove(n.path)
		}
		n.deletePending = false
		s.dropIfIdle(n)
	}
	return err, wake
}

// setDeletePending sets or clears the file's delete-pending state
// (FileDispositionInformation): Windows marks the file, not the handle.
func (s *Share) setDeletePending(f *File, del bool) {
	s.mu.Lock()
	if f.node != nil {
		f.node.deletePending = del
	}
	s.mu.Unlock()
}

// deletePending reports whether the file is delete pending.
func (s *Share) deletePending(f *File) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.node != nil && f.node.deletePending
}

// PathDeletePending reports whether the file or directory stored at p (as
// Resolve returns it) is delete pending: a query by path then fails with
// StatusDeletePending as an open would (MS-FSA 2.1.5.1.2).
func (s *Share) PathDeletePending(p string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[p]
	return n != nil && n.deletePending
}

// parentDeletePending reports whether the directory holding p is delete
// pending.
func (s *Share) parentDeletePending(p string) bool {
	return p != "/" && s.PathDeletePending(path.Dir(p))
}

// nodePath returns f's current path, which a rename through any open may
// have changed.
func (s *Share) nodePath(f *File) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.node != nil {
		return f.node.path
	}
	return f.path
}

// checkUse refuses a path operation on a file others have open: an open
// asking access with sharing share must pass the share-access check against
// every open, and a delete-pending file is StatusDeletePending. s.mu must
// be held.
func (s *Share) checkUse(p string, access, share uint32) error {
	n := s.nodes[p]
	if n == nil {
		return nil
	}
	if n.deletePending {
		return smb.StatusDeletePending
	}
	if n.violates(access, share) {
		return smb.StatusSharingViolation
	}
	return nil
}

// openBelow reports whether a file below directory dir is open; Windows
// refuses to rename such a directory (STATUS_ACCESS_DENIED). s.mu must be
// held.
func (s *Share) openBelow(dir string) bool {
	prefix := dir + "/"
	for p, n := range s.nodes {
		if len(n.opens) > 0 && strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// moveNode rekeys the node of a renamed file. s.mu must be held.
func (s *Share) moveNode(from, to string) {
	n := s.nodes[from]
	if n == nil {
		return
	}
	delete(s.nodes, from)
	n.path = to
	s.nodes[to] = n
}

// OpenInfo describes one open of a file for a status report.
type OpenInfo struct {
	Access        uint32
	ShareAccess   uint32
	DeletePending bool
	Locks         []LockInfo
}

// LockInfo is one byte-range lock as Locks reports it.
type LockInfo struct {
	PID    uint32
	Offset uint64
	Length uint64
	Shared bool
}

// Locks returns the byte-range locks f holds, for a status snapshot.
func (f *File) Locks() []LockInfo {
	s := f.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.node
	if n == nil {
		return nil
	}
	var out []LockInfo
	for _, l := range n.locks {
		if l.f == f {
			out = append(out, LockInfo{PID: l.pid, Offset: l.off, Length: l.n, Shared: l.shared})
		}
	}
	return out
}

// Info describes f for a status snapshot.
func (f *File) Info() OpenInfo {
	return OpenInfo{
		Access:        f.access,
		ShareAccess:   f.shareAccess,
		DeletePending: f.share.deletePending(f),
		Locks:         f.Locks(),
	}
}

// abandon takes a file that failed to open out of the table again.
func (f *File) abandon() {
	f.deleteOnClose = false
	_, wake := f.share.detach(f, func(string) error { return nil })
	runAll(wake)
}

// WaitClose arranges for fn to run once, on the goroutine that closes it,
// when the next open of the file at smbPath closes: a server defers an open
// that met a sharing violation until then (Samba's deferred open). It
// reports false, and never calls fn, if the file does not exist.
func (s *Share) WaitClose(smbPath string, fn func()) bool {
	actual, _, err := s.lookup(smbPath)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[actual]
	if n == nil || len(n.opens) == 0 {
		return false
	}
	n.closeWatchers = append(n.closeWatchers, fn)
	return true
}
