//go:build tinysmbd_nodns

package main

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
)

// A tinysmbd_nodns build binds listen addresses without net.Listen, whose
// address resolution links net's DNS resolver, /etc/hosts and nsswitch.conf
// parsers and the DNS wire format: about 240 KB of a stripped linux/mipsle
// binary, which is what lets every optional subsystem fit in the 4 MiB
// firmware budget. Listen addresses must then be IP literals (or an empty
// host for every address) with a numeric port; validate refuses anything
// else at start, naming the tag, rather than failing later at bind time.

// errNoResolver says what a tinysmbd_nodns binary cannot do.
var errNoResolver = errors.New("want an IP address and a numeric port: this binary was built without host name resolution (build tag tinysmbd_nodns)")

// listenTCP binds addr, an IP literal and port, with net.ListenTCP, which
// takes the same path as net.Listen does once the address is resolved:
// "0.0.0.0:445" and ":445" still listen on IPv4 and IPv6 alike.
func listenTCP(addr string) (net.Listener, error) {
	a, err := parseListenAddr(addr)
	if err != nil {
		return nil, err
	}
	return net.ListenTCP("tcp", a)
}

// checkListenAddr refuses an address listenTCP cannot bind without a
// resolver.
func checkListenAddr(addr string) error {
	_, err := parseListenAddr(addr)
	return err
}

func parseListenAddr(addr string) (*net.TCPAddr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, errNoResolver
	}
	a := &net.TCPAddr{Port: int(p)}
	if host != "" {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return nil, errNoResolver
		}
		a.IP, a.Zone = ip.AsSlice(), ip.Zone()
	}
	return a, nil
}
