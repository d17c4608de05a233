//go:build tinysmbd_nocore

package server

import "github.com/tinysmbd/tinysmbd/smb"

// CoreBuilt is false: the tinysmbd_nocore build tag left the core commands
// and the LAN Manager dialects (core.go) out of this binary. NEGOTIATE
// picks NT LM 0.12 or no dialect, and the core commands are unknown
// commands.
const CoreBuilt = false

type coreState struct{}

// lockAndReadCap is 0: LOCK_AND_READ and WRITE_AND_UNLOCK (lockread.go)
// are left out with the core commands, so CAP_LOCK_AND_READ is not
// advertised.
const lockAndReadCap = 0

func (c *conn) negotiateLANMAN(*request, smb.NegotiateRequest) bool { return false }
