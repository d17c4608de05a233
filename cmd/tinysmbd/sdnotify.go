package main

import (
	"net"
	"os"
)

// sdNotify sends state to the service manager that started tinysmbd with
// Type=notify: systemd's sd_notify protocol, one datagram of
// newline-separated KEY=VALUE lines to the unix socket named by
// $NOTIFY_SOCKET (a leading '@' names an abstract socket). Without the
// variable it does nothing, so the same binary runs under any init.
// The listener side needs no library: a datagram per state change is the
// whole protocol.
func sdNotify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}
