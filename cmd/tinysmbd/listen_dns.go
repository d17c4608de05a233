//go:build !tinysmbd_nodns

package main

import "net"

// listenTCP binds addr with net.Listen, which resolves a host name such as
// "localhost:445" (/etc/hosts, then DNS).
func listenTCP(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}

// checkListenAddr accepts any HOST:PORT: this build resolves host names and
// service names when it binds.
func checkListenAddr(string) error { return nil }
