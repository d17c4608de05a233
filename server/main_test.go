package server_test

import (
	"os"
	"testing"
)

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
