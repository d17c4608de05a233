package main

import (
	"net"
	"syscall"
)

// peerCredentials returns the process, user and group at the other end of
// c, as the kernel recorded them when it connected (SO_PEERCRED, unix(7)).
func peerCredentials(c *net.UnixConn) (peerCred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return peerCred{pid: -1, uid: -1, gid: -1}, err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return peerCred{pid: -1, uid: -1, gid: -1}, err
	}
	if credErr != nil {
		return peerCred{pid: -1, uid: -1, gid: -1}, credErr
	}
	return peerCred{pid: int(cred.Pid), uid: int(cred.Uid), gid: int(cred.Gid)}, nil
}

// listenUnixPrivate listens on a new socket file at path that nobody but
// the owner and group can connect to from its creation on: bind(2) applies
// the umask, so a umask of 0117 leaves no moment with a wider mode (the
// caller's chmod then only confirms 0660). Changing the umask is
// process-wide; it happens once, at start-up, before any other file is
// created.
func listenUnixPrivate(path string) (*net.UnixListener, error) {
	old := syscall.Umask(0o117)
	defer syscall.Umask(old)
	return net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
}
