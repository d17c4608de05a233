//go:build tinysmbd_noipc

package server

import "github.com/tinysmbd/tinysmbd/smb"

// IPCBuilt is false: the tinysmbd_noipc build tag left named pipes and the
// TRANSACTION command that carries RAP and pipe calls (ipc.go) out of this
// binary. IPC$ still connects, since clients connect it before anything
// else; no pipe opens on it (STATUS_OBJECT_NAME_NOT_FOUND, as a name that
// is not a pipe gets), and TRANSACTION is an unknown command.
const IPCBuilt = false

type pipeTable struct{}

func (c *conn) ntCreatePipe(*request, smb.NTCreateRequest) error {
	return smb.StatusObjectNameNotFound
}

func (c *conn) readPipe(*request, smb.ReadAndXRequest) (bool, error)   { return false, nil }
func (c *conn) writePipe(*request, smb.WriteAndXRequest) (bool, error) { return false, nil }
func (c *conn) closePipe(*request, uint16) bool                        { return false }
func (c *conn) closePipesWhere(func(fileOwner) bool)                   {}
