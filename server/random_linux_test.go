package server

import (
	"bytes"
	"syscall"
	"testing"
	"unsafe"
)

// The getrandom number must be the right one on every architecture the tests
// run on (make qemu-test runs them on mips and arm too): a wrong one would
// fail with ENOSYS, or call another system call.
func TestGetrandomTrap(t *testing.T) {
	trap := getrandomTrap()
	if trap == 0 {
		t.Fatal("getrandom's number is unknown on this architecture")
	}
	var b [16]byte
	n, _, errno := syscall.Syscall(trap, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0)
	if errno != 0 || n != uintptr(len(b)) {
		t.Fatalf("getrandom(%d) = %d, %v", trap, n, errno)
	}
}

func TestRandRead(t *testing.T) {
	for name, read := range map[string]func([]byte){"randRead": randRead, "readURandom": readURandom} {
		var a, b [32]byte
		read(a[:])
		read(b[:])
		if a == b || a == [32]byte{} {
			t.Errorf("%s: two reads gave %x and %x", name, a, b)
		}
		big := make([]byte, 1<<20)
		read(big)
		if bytes.Count(big, []byte{0}) > len(big)/128 {
			t.Errorf("%s: a 1 MiB read is mostly zeros", name)
		}
	}
}
