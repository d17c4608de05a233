package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// dropPrivileges makes the process id: supplementary groups first, then the
// group, then the user, because each step needs the root the next one gives
// up. Since go1.16 these calls change every thread of the process on Linux
// (the runtime broadcasts them), not only the calling one. Setting the uid
// from root sets the real, effective and saved ids and clears the
// capability sets, CAP_NET_BIND_SERVICE included, so nothing can be
// regained; the last check proves it.
func dropPrivileges(id identity) error {
	if os.Geteuid() != 0 && os.Getuid() == id.uid && os.Getgid() == id.gid {
		// Started as that user already (systemd User=, su): nothing to drop.
		return nil
	}
	if err := syscall.Setgroups(id.groups); err != nil {
		return fmt.Errorf("run_as: setgroups %v: %w (start tinysmbd as root to use run_as)", id.groups, err)
	}
	if err := syscall.Setgid(id.gid); err != nil {
		return fmt.Errorf("run_as: setgid %d: %w", id.gid, err)
	}
	if err := syscall.Setuid(id.uid); err != nil {
		return fmt.Errorf("run_as: setuid %d: %w", id.uid, err)
	}
	if id.uid != 0 && syscall.Setuid(0) == nil {
		return errors.New("run_as: root could be regained after setuid; refusing to serve")
	}
	return nil
}
