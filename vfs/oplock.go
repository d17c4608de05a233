package vfs

import "github.com/tinysmbd/tinysmbd/smb"

// Opportunistic locks (MS-CIFS 3.3.4.2, 3.3.5.35, 3.3.5.51; MS-SMB
// 2.2.4.9). vfs keeps the state beside the share modes; sending the break
// requests and timing the wait for an acknowledgement are the server's.
//
// An open that asks for an exclusive or batch oplock gets it when it is
// the only open of its file. Beside other opens it gets level II — a
// shared read-caching oplock — if its client takes level II oplocks and no
// other open holds an exclusive or batch one, and no oplock otherwise.
//
// A later open of a file whose holder has an exclusive or batch oplock
// waits while the holder is asked to give it up, and goes on when the
// holder acknowledges, closes the file, or the server stops waiting. The
// holder is broken to level II when its client takes level II oplocks and
// the open does not overwrite the file, to none otherwise; it may always
// acknowledge to less than it was offered.
//
// Level II holders are broken to none, without waiting for them (a client
// does not acknowledge such a break), by anything that changes the file's
// data: a write, a size change, a byte-range lock, through any open
// including their own, and an open that overwrites the file.

// statOnlyAccess are the rights of an open that reads or sets attributes
// only: such an open neither breaks an oplock nor is kept waiting by one,
// as Samba's is_oplock_stat_open decides, unless it overwrites the file.
const statOnlyAccess = AccessReadAttributes | AccessWriteAttributes | AccessSynchronize

// OplockBreak is called when an oplock must be broken, with the level
// (smb.OplockLevelII or smb.OplockNone) the holder is broken to. wait says
// the break is of an exclusive or batch oplock, which opens wait for
// until the holder answers (AckOplock, Close) or the server gives up
// (ExpireOplockBreak); a level II oplock is gone when its break is sent.
type OplockBreak func(to uint8, wait bool)

// GrantOplock gives f, just opened, the oplock asked for (smb.OplockExclusive
// or smb.OplockBatch), or level II beside other opens when levelII says
// f's client takes level II oplocks and nobody holds a byte-range lock on
// the file, and returns the level granted
// (smb.OplockNone when none may be had). onBreak runs, on the goroutine
// that needs the oplock broken and without the share's lock, each time
// it must be.
func (f *File) GrantOplock(level uint8, levelII bool, onBreak OplockBreak) uint8 {
	if level != smb.OplockExclusive && level != smb.OplockBatch {
		return smb.OplockNone
	}
	s := f.share
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.node
	if n == nil || f.isDir {
		return smb.OplockNone
	}
	if len(n.opens) > 1 {
		// MS-CIFS 3.3.5.51: beside other opens only a level II oplock may
		// be granted, and none beside an exclusive or batch one (an open
		// reading attributes only does not break it: smbtorture
		// raw.oplock EXCLUSIVE4, BATCH8), nor, as Samba decides, while
		// the file has byte-range locks (raw.oplock BRL4), which level II
		// holders could not see being taken.
		if !levelII || n.exclusiveHolder() != nil || len(n.locks) > 0 {
			return smb.OplockNone
		}
		level = smb.OplockLevelII
	}
	f.levelII, f.onBreak, f.breaking = levelII, onBreak, false
	f.setOplock(level)
	return level
}

// Oplock returns the oplock level f holds.
func (f *File) Oplock() uint8 {
	f.share.mu.Lock()
	defer f.share.mu.Unlock()
	return f.oplock
}

// setOplock changes f's level, keeping its node's count of level II
// holders. The share's mutex must be held.
func (f *File) setOplock(level uint8) {
	if f.oplock == level {
		return
	}
	if n := f.node; n != nil {
		if f.oplock == smb.OplockLevelII {
			n.nlevelII.Add(-1)
		}
		if level == smb.OplockLevelII {
			n.nlevelII.Add(1)
		}
	}
	f.oplock = level
}

// exclusiveHolder returns the open of n holding an exclusive or batch
// oplock; there is at most one. The share's mutex must be held.
func (n *fileNode) exclusiveHolder() *File {
	for _, o := range n.opens {
		if o.oplock == smb.OplockExclusive || o.oplock == smb.OplockBatch {
			return o
		}
	}
	return nil
}

// AckOplock takes the holder's acknowledgement of a break (MS-CIFS
// 3.3.5.27: LOCKING_ANDX with OPLOCK_RELEASE), level being the
// NewOplockLevel it gives (0 none, 1 level II): f keeps level II if it was
// offered and taken, and the opens that waited for the break go on. An
// acknowledgement without a break in progress gives up an exclusive or
// batch oplock; one of a level II break, which needs none, changes
// nothing.
func (f *File) AckOplock(level uint8) {
	s := f.share
	s.mu.Lock()
	var wake []func()
	switch {
	case f.breaking && level == 1 && f.breakTo == smb.OplockLevelII:
		f.setOplock(smb.OplockLevelII)
		f.breaking = false
		wake = f.wakeWaiters(wake)
	case f.oplock != smb.OplockLevelII:
		wake = f.dropOplock(wake)
	}
	s.mu.Unlock()
	runAll(wake)
}

// ExpireOplockBreak takes f's exclusive or batch oplock away when the
// server stops waiting for the holder to acknowledge its break, or cannot
// send it, and lets the opens that waited go on. It does nothing when no
// break is in progress any more: a timer may outlive the break it timed.
func (f *File) ExpireOplockBreak() {
	s := f.share
	s.mu.Lock()
	var wake []func()
	if f.breaking {
		wake = f.dropOplock(wake)
	}
	s.mu.Unlock()
	runAll(wake)
}

// dropOplock clears f's oplock and hands back the opens waiting for it.
// The share's mutex must be held.
func (f *File) dropOplock(wake []func()) []func() {
	if f.oplock == smb.OplockNone {
		return wake
	}
	f.setOplock(smb.OplockNone)
	f.breaking, f.onBreak = false, nil
	return f.wakeWaiters(wake)
}

// wakeWaiters hands back the opens waiting for f's break. The share's
// mutex must be held.
func (f *File) wakeWaiters(wake []func()) []func() {
	if n := f.node; n != nil {
		wake = append(wake, n.oplockWaiters...)
		n.oplockWaiters = nil
		if f.share.nodes[n.path] == n {
			f.share.dropIfIdle(n)
		}
	}
	return wake
}

// What an open that may break oplocks does to the file, for BreakOplock.
const (
	// OpenData reads or writes the data (or deletes or renames the file
	// by opening it): it breaks an exclusive or batch oplock to level
	// II, if the holder's client takes level II.
	OpenData uint8 = iota
	// OpenOverwrite replaces the data (FILE_SUPERSEDE, FILE_OVERWRITE,
	// FILE_OVERWRITE_IF, a resize by path): it breaks every oplock to
	// none, level II ones without waiting, and breaks even when it only
	// asks for attribute access.
	OpenOverwrite
	// OpenPathChange renames or deletes the file by path without taking
	// a handle to it (TRANS2_SET_PATH_INFORMATION): it breaks a batch
	// oplock, whose holder may be caching a closed handle, to none and
	// leaves the others alone, as Windows does (smbtorture raw.oplock
	// BATCH19, EXCLUSIVE7).
	OpenPathChange
)

// BreakOplock reports whether an open of smbPath asking desired access with
// sharing share, doing what kind says (OpenData, OpenOverwrite,
// OpenPathChange), must wait for another open's oplock to be broken; fn
// then runs once, on the goroutine that ends the wait. A batch oplock is
// broken before the share modes are checked, an exclusive one only when
// the open would pass that check (Samba: batch breaks come first, and an
// open that meets a sharing violation with an exclusive holder fails at
// once without a break, smbtorture raw.oplock EXCLUSIVE1). A
// delete-pending file is not broken: the open fails (raw.oplock DOC1). The
// first waiter of a break starts it: the holder's onBreak runs before
// BreakOplock returns.
func (s *Share) BreakOplock(smbPath string, desired, share uint32, kind uint8, fn func()) bool {
	s.mu.Lock()
	idle := len(s.nodes) == 0
	s.mu.Unlock()
	if idle {
		// Nothing is open, so no oplock stands in the way: the open
		// need not look the name up twice.
		return false
	}
	actual, _, err := s.lookup(smbPath)
	if err != nil {
		return false
	}
	access := mapGeneric(desired &^ AccessMaximumAllowed)
	if desired&AccessMaximumAllowed != 0 {
		access |= AccessFileAll
	}
	if access&^statOnlyAccess == 0 && kind != OpenOverwrite {
		return false
	}
	s.mu.Lock()
	n := s.nodes[actual]
	if n == nil || n.deletePending {
		s.mu.Unlock()
		return false
	}
	var breaks []OplockBreak
	if kind == OpenOverwrite {
		breaks = n.dropLevelII()
	}
	h := n.exclusiveHolder()
	var wait bool
	switch {
	case h == nil:
	case kind == OpenPathChange:
		wait = h.oplock == smb.OplockBatch
	default:
		wait = h.oplock == smb.OplockBatch || !n.violates(access, share)
	}
	var start OplockBreak
	to := smb.OplockNone
	if wait {
		n.oplockWaiters = append(n.oplockWaiters, fn)
		if !h.breaking {
			// MS-CIFS 3.3.4.2: the holder keeps read caching unless
			// the open overwrites the file or its client cannot
			// take a level II oplock (smbtorture raw.oplock BATCH24).
			h.breaking, h.breakTo = true, smb.OplockNone
			if h.levelII && kind == OpenData {
				h.breakTo = smb.OplockLevelII
			}
			start, to = h.onBreak, h.breakTo
		}
	}
	s.mu.Unlock()
	for _, b := range breaks {
		b(smb.OplockNone, false)
	}
	if start != nil {
		start(to, true)
	}
	return wait
}

// dropLevelII takes every level II oplock of n away and returns the breaks
// to send, each to be called with smb.OplockNone and wait false. The
// share's mutex must be held.
func (n *fileNode) dropLevelII() []OplockBreak {
	var breaks []OplockBreak
	for _, o := range n.opens {
		if o.oplock == smb.OplockLevelII {
			o.setOplock(smb.OplockNone)
			if o.onBreak != nil {
				breaks = append(breaks, o.onBreak)
			}
			o.onBreak = nil
		}
	}
	return breaks
}

// BreakLevelII breaks every level II oplock of f's file to none, f's own
// included, because f is about to change the file's data or size or to
// lock a range of it (MS-CIFS 3.3.4.2; Samba breaks the writer's own level
// II oplock too, smbtorture raw.oplock BATCH1). A file without level II
// holders is answered without the share's lock and without allocating, so
// reads and writes of other files pay one atomic load.
func (f *File) BreakLevelII() {
	n := f.node
	if n == nil || n.nlevelII.Load() == 0 {
		return
	}
	s := f.share
	s.mu.Lock()
	breaks := n.dropLevelII()
	s.mu.Unlock()
	for _, b := range breaks {
		b(smb.OplockNone, false)
	}
}
