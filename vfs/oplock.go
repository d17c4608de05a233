package vfs

import "github.com/tinysmbd/tinysmbd/smb"

// Opportunistic locks (MS-CIFS 3.3.4.2, 3.3.5.35, 3.3.5.51). An open that
// asks for an exclusive or batch oplock gets it when it is the only open
// of its file; a later open of the file from anywhere waits while the
// holder is asked to give the oplock up (the server sends the break
// request) and goes on when the holder acknowledges, closes the file, or
// the server gives up waiting. vfs keeps the state beside the share modes;
// sending the break and timing the wait are the server's.
//
// Level II oplocks are never granted: the holder is always broken to none.

// statOnlyAccess are the rights of an open that reads or sets attributes
// only: such an open neither breaks an oplock nor is kept waiting by one,
// as Samba's is_oplock_stat_open decides.
const statOnlyAccess = AccessReadAttributes | AccessWriteAttributes | AccessSynchronize

// GrantOplock gives f, just opened, the oplock level asked for
// (smb.OplockExclusive or smb.OplockBatch) if f is the only open of its file
// and not a directory, and returns the level granted (smb.OplockNone
// otherwise). onBreak runs, on the goroutine of the conflicting open and
// without the share's lock, when another open needs the oplock broken; the
// holder's answer is then ReleaseOplock or Close.
func (f *File) GrantOplock(level uint8, onBreak func()) uint8 {
	if level != smb.OplockExclusive && level != smb.OplockBatch {
		return smb.OplockNone
	}
	s := f.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.node
	if n == nil || f.isDir || len(n.opens) != 1 {
		return smb.OplockNone
	}
	f.oplock, f.onBreak, f.breaking = level, onBreak, false
	return level
}

// Oplock returns the oplock level f holds.
func (f *File) Oplock() uint8 {
	f.share.mu.Lock()
	defer f.share.mu.Unlock()
	return f.oplock
}

// ReleaseOplock gives f's oplock up, on the holder's acknowledgement of a
// break or when the server stops waiting for it, and lets the opens that
// waited for the break go on. Releasing an oplock not held does nothing.
func (f *File) ReleaseOplock() {
	s := f.share
	s.mu.Lock()
	wake := f.dropOplock(nil)
	s.mu.Unlock()
	runAll(wake)
}

// dropOplock clears f's oplock and hands back the opens waiting for it.
// The share's mutex must be held.
func (f *File) dropOplock(wake []func()) []func() {
	if f.oplock == smb.OplockNone {
		return wake
	}
	f.oplock, f.breaking, f.onBreak = smb.OplockNone, false, nil
	if n := f.node; n != nil {
		wake = append(wake, n.oplockWaiters...)
		n.oplockWaiters = nil
		if f.share.nodes[n.path] == n {
			f.share.dropIfIdle(n)
		}
	}
	return wake
}

// BreakOplock reports whether an open of smbPath asking desired access with
// sharing share must wait for another open's oplock to be broken; fn then
// runs once, on the goroutine that releases the oplock. A batch oplock is
// broken before the share modes are checked, an exclusive one only when
// the open would pass that check (Samba: batch breaks come first, and an
// open that meets a sharing violation with an exclusive holder fails at
// once without a break, smbtorture raw.oplock EXCLUSIVE1). The first
// waiter of a break starts it: the holder's onBreak runs before
// BreakOplock returns.
func (s *Share) BreakOplock(smbPath string, desired, share uint32, fn func()) bool {
	actual, _, err := s.lookup(smbPath)
	if err != nil {
		return false
	}
	access := mapGeneric(desired &^ AccessMaximumAllowed)
	if desired&AccessMaximumAllowed != 0 {
		access |= AccessFileAll
	}
	if access&^statOnlyAccess == 0 {
		return false
	}
	s.mu.Lock()
	n := s.nodes[actual]
	var h *File
	if n != nil {
		for _, o := range n.opens {
			if o.oplock != smb.OplockNone {
				h = o
				break
			}
		}
	}
	if h == nil || h.oplock == smb.OplockExclusive && n.violates(access, share) {
		s.mu.Unlock()
		return false
	}
	n.oplockWaiters = append(n.oplockWaiters, fn)
	var start func()
	if !h.breaking {
		h.breaking, start = true, h.onBreak
	}
	s.mu.Unlock()
	if start != nil {
		start()
	}
	return true
}
