package server

import (
	"io"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// randRead fills b with the kernel's cryptographic randomness, for server
// challenges and GUIDs: getrandom(2), which at boot waits until the pool is
// initialised, and /dev/urandom on a kernel older than 3.17 without it.
// crypto/rand does the same, but since Go 1.24 it links the FIPS 140 module
// (its DRBG, AES, SHA-2, SHA-3 and their self-tests), about 180 KB of a
// linux/mipsle firmware binary. Like crypto/rand, it never returns short: a
// kernel that cannot supply randomness is a fatal error.
func randRead(b []byte) {
	trap := getrandomTrap()
	for len(b) > 0 {
		if trap == 0 {
			readURandom(b)
			return
		}
		n, _, errno := syscall.Syscall(trap, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0)
		switch errno {
		case 0:
			b = b[n:]
		case syscall.EINTR:
		case syscall.ENOSYS:
			trap = 0
		default:
			panic("tinysmbd: getrandom: " + errno.Error())
		}
	}
}

// getrandomTrap is getrandom's system call number, which package syscall
// lacks for most 32-bit architectures; 0 where it is not known.
func getrandomTrap() uintptr {
	switch runtime.GOARCH {
	case "386":
		return 355
	case "amd64":
		return 318
	case "arm":
		return 384
	case "arm64", "loong64", "riscv64":
		return 278
	case "mips", "mipsle":
		return 4353
	case "mips64", "mips64le":
		return 5313
	case "ppc64", "ppc64le":
		return 359
	case "s390x":
		return 349
	}
	return 0
}

func readURandom(b []byte) {
	f, err := os.Open("/dev/urandom")
	if err == nil {
		_, err = io.ReadFull(f, b)
		f.Close()
	}
	if err != nil {
		panic("tinysmbd: " + err.Error())
	}
}
