//go:build linux

package vfs

import (
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/afero"
)

// statT returns the kernel's stat record behind fi, when fi came from the
// operating system rather than from an in-memory Fs.
func statT(fi os.FileInfo) *syscall.Stat_t {
	st, _ := fi.Sys().(*syscall.Stat_t)
	return st
}

func sysInode(fi os.FileInfo) (uint64, bool) {
	if st := statT(fi); st != nil {
		return st.Ino, true
	}
	return 0, false
}

func sysNlink(fi os.FileInfo) (uint64, bool) {
	if st := statT(fi); st != nil {
		return uint64(st.Nlink), true
	}
	return 0, false
}

// sysBlocks returns the bytes really allocated: st_blocks counts 512-byte
// units on Linux whatever the filesystem block size (stat(2)).
func sysBlocks(fi os.FileInfo) (int64, bool) {
	if st := statT(fi); st != nil {
		return st.Blocks * 512, true
	}
	return 0, false
}

// sysTimes returns the access and status-change times; Linux's stat has no
// birth time.
func sysTimes(fi os.FileInfo) (atime, ctime time.Time, ok bool) {
	st := statT(fi)
	if st == nil {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(st.Atim.Unix()), time.Unix(st.Ctim.Unix()), true
}

// fileDiskUsage runs fstatfs on the open directory f. f_frsize is the unit
// f_blocks is counted in (statfs(2)); older kernels leave it zero, and then
// f_bsize is.
func fileDiskUsage(f *os.File) (total, free, blockSize uint64, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, 0, 0, err
	}
	var st syscall.Statfs_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstatfs(int(fd), &st) }); err != nil {
		return 0, 0, 0, err
	}
	if serr != nil {
		return 0, 0, 0, serr
	}
	bs := uint64(st.Frsize)
	if bs == 0 {
		bs = uint64(st.Bsize)
	}
	return uint64(st.Blocks) * bs, uint64(st.Bavail) * bs, bs, nil
}

// fdPath asks the kernel for the path of the file open on f: the
// /proc/self/fd link names what was opened, whatever name led there
// (proc(5)). It fails when /proc is not mounted, and for a file already
// unlinked, whose link text no longer names it.
func fdPath(f *os.File) (string, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return "", false
	}
	var p string
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		p, lerr = os.Readlink("/proc/self/fd/" + strconv.FormatUint(uint64(fd), 10))
	}); err != nil || lerr != nil {
		return "", false
	}
	if strings.HasSuffix(p, " (deleted)") || !strings.HasPrefix(p, "/") {
		return "", false
	}
	return p, true
}

// openPath is fdPath for a file whose *os.File a wrapper hides
// (afero.RegexpFile): it looks among the process's descriptors for one
// open on the file fi describes (same device and inode) and returns the
// path the kernel gives it.
func openPath(fi os.FileInfo) (string, bool) {
	st := statT(fi)
	if st == nil {
		return "", false
	}
	// Readdirnames, not os.ReadDir: its sort of the entries would add a
	// generic sort to the firmware.
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return "", false
	}
	fds, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return "", false
	}
	for _, fd := range fds {
		var o syscall.Stat_t
		p := "/proc/self/fd/" + fd
		if syscall.Stat(p, &o) != nil || o.Dev != st.Dev || o.Ino != st.Ino {
			continue
		}
		if l, err := os.Readlink(p); err == nil && strings.HasPrefix(l, "/") && !strings.HasSuffix(l, " (deleted)") {
			return l, true
		}
	}
	return "", false
}

// rootReadlink is root.Readlink(name) for a clean relative name, done as
// readlink(2) of the last component in the link's directory opened
// through root, named by its /proc/self/fd entry (proc(5)): os.Root's
// Readlink instantiates its generic walker once more, 8 KB of mipsle
// firmware. Without /proc it fails.
func rootReadlink(root *os.Root, name string) (string, error) {
	dir, base := path.Split(name)
	if dir == "" {
		dir = "."
	}
	d, err := root.Open(dir)
	if err != nil {
		return "", err
	}
	t, ok := "", false
	if rc, err := d.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			t, err = os.Readlink("/proc/self/fd/" + strconv.FormatUint(uint64(fd), 10) + "/" + base)
			ok = err == nil
		})
	}
	d.Close()
	if !ok {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: syscall.EINVAL}
	}
	return t, nil
}

// sendableFile is the operating-system file behind h that sendfile(2) can
// read from, or nil.
func sendableFile(h afero.File) *os.File { return osFile(h) }

// fileSize is the size of the open file f, from fstat(2) on its descriptor:
// f.Stat would allocate a FileInfo for every read.
func fileSize(f *os.File) (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}
