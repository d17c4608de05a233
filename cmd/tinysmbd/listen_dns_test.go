//go:build !tinysmbd_nodns

package main

import "testing"

// TestListenAddrWithResolver keeps host names valid where the binary can
// resolve them.
func TestListenAddrWithResolver(t *testing.T) {
	fc := defaultFileConfig()
	fc.Shares = []shareSection{{Name: "s", Path: memPath}}
	fc.Server.DirectListen = "localhost:445"
	if err := fc.validate(); err != nil {
		t.Errorf("validate with a host name: %v", err)
	}
	l, err := listenTCP("localhost:0")
	if err != nil {
		t.Fatalf("listenTCP(localhost:0): %v", err)
	}
	l.Close()
}
