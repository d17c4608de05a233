//go:build race

package server_test

// raceEnabled: the race detector instruments memory accesses and allocates
// on its own, so allocation counts mean nothing in a -race build.
const raceEnabled = true
