//go:build !linux

package vfs

import (
	"errors"
	"os"
	"time"

	"github.com/spf13/afero"
)

// Outside Linux the operating system's stat record is not decoded; callers
// fall back to values derived from os.FileInfo alone.

func sysInode(os.FileInfo) (uint64, bool) { return 0, false }

func sysNlink(os.FileInfo) (uint64, bool) { return 0, false }

func sysBlocks(os.FileInfo) (int64, bool) { return 0, false }

func sysTimes(os.FileInfo) (atime, ctime time.Time, ok bool) {
	return time.Time{}, time.Time{}, false
}

var errNoStatfs = errors.New("vfs: disk usage not supported on this platform")

func fileDiskUsage(*os.File) (total, free, blockSize uint64, err error) {
	return 0, 0, 0, errNoStatfs
}

// fdPath is not available: the jail falls back to comparing file identity.
func fdPath(*os.File) (string, bool) { return "", false }

// openPath is not available either.
func openPath(os.FileInfo) (string, bool) { return "", false }

// rootReadlink is root.Readlink.
func rootReadlink(root *os.Root, name string) (string, error) { return root.Readlink(name) }

// sendableFile is nil: the server uses sendfile(2) on Linux only.
func sendableFile(afero.File) *os.File { return nil }

func fileSize(*os.File) (int64, error) { return 0, errNoStatfs }
