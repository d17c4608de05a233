//go:build !linux

package main

import "errors"

// dropPrivileges is only implemented for Linux, where tinysmbd's firmware
// runs and where Go changes the ids of every thread at once.
func dropPrivileges(identity) error {
	return errors.New("run_as is only supported on Linux")
}
