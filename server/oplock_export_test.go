package server

import "time"

// SetOplockBreakWait shortens the wait for an oplock break
// acknowledgement; the returned func restores it.
func SetOplockBreakWait(d time.Duration) (restore func()) {
	old := oplockBreakWait.Swap(int64(d))
	return func() { oplockBreakWait.Store(old) }
}

// LockTimers is how many LOCKING_ANDX Timeout timers are armed.
func (s *Server) LockTimers() int64 { return s.lockTimers.Load() }
