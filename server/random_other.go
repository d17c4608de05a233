//go:build !linux

package server

import "crypto/rand"

// randRead fills b with cryptographic randomness (see random_linux.go for
// why Linux does not use crypto/rand).
func randRead(b []byte) { rand.Read(b) }
