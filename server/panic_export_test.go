package server

import "github.com/tinysmbd/tinysmbd/smb"

// PanicOn makes s panic in the handler of command code, standing in for a
// handler bug. s gets a copy of the dispatch table, so other servers are
// not affected; it must be called before s serves.
func PanicOn(s *Server, code uint8) {
	t := *s.commands
	t[code] = command{fn: func(*conn, *request, smb.Block) error { panic("test: handler bug") }}
	s.commands = &t
}
