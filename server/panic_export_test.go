package server

import "github.com/tinysmbd/tinysmbd/smb"

// RegisterPanickingCommand makes command code panic when a client sends
// it, standing in for a handler bug; the returned func restores the table.
// It must not run while a server is serving.
func RegisterPanickingCommand(code uint8) (restore func()) {
	old := commands[code]
	register(code, needNothing, func(*conn, *request, smb.Block) error { panic("test: handler bug") })
	return func() { commands[code] = old }
}
