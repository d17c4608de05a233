//go:build !tinysmbd_stamped

package main

import "runtime/debug"

// moduleVersion is the version of a binary built without -X main.version:
// the main module's version from the build info, which `go install
// github.com/tinysmbd/tinysmbd/cmd/tinysmbd@v1.2.3` records.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
