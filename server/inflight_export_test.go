package server

import "time"

// SetSlotWaitHook makes fn run each time a connection's reader starts
// waiting because MaxMpxCount reads and writes are in flight, and returns
// a func that removes it. It must not run while a server is serving.
func SetSlotWaitHook(fn func()) (restore func()) {
	old := testSlotWait
	testSlotWait = fn
	return func() { testSlotWait = old }
}

// SetFastIO sets the time under which a read or write counts as fast
// (fastIO; 0: none does, so every unchained READ_ANDX and WRITE_ANDX goes
// to a runner) and returns a func that restores it. It must not run while
// a server is serving.
func SetFastIO(d time.Duration) (restore func()) {
	old := fastIO
	fastIO = d
	return func() { fastIO = old }
}
