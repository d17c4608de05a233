package server

// SetSlotWaitHook makes fn run each time a connection's reader starts
// waiting because MaxMpxCount reads and writes are in flight, and returns
// a func that removes it. It must not run while a server is serving.
func SetSlotWaitHook(fn func()) (restore func()) {
	old := testSlotWait
	testSlotWait = fn
	return func() { testSlotWait = old }
}
