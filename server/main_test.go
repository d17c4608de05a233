package server_test

import (
	"os"
	"testing"
)

// envTestEmulator names the user-mode emulator that runs this test binary
// when it was built for another architecture (make qemu-test sets it to
// qemu-mips-static or qemu-arm-static, next to go test -exec): a test that
// re-executes the binary must go through it too, as no binfmt handler is
// assumed.
const envTestEmulator = "TINYSMBD_TEST_EMULATOR"

// selfCommand is the command line that runs this test binary again: the
// binary, behind the emulator when there is one.
func selfCommand() []string {
	if emu := os.Getenv(envTestEmulator); emu != "" {
		return []string{emu, os.Args[0]}
	}
	return []string{os.Args[0]}
}

// helperProcesses maps an environment variable to what the test binary does
// instead of running tests when a test re-executes it with that variable
// set (the os/exec helper-process pattern): a peer host in another network
// namespace, for instance.
var helperProcesses = map[string]func() int{}

func TestMain(m *testing.M) {
	for env, run := range helperProcesses {
		if os.Getenv(env) != "" {
			os.Exit(run())
		}
	}
	os.Exit(m.Run())
}
