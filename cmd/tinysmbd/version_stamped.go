//go:build tinysmbd_stamped

package main

// moduleVersion is "(devel)": the tinysmbd_stamped build tag is for builds
// that set main.version with -ldflags -X (the Makefile's firmware builds,
// the OpenWrt and Buildroot recipes), so the build info is not read. Its
// parser, runtime/debug.ParseBuildInfo and what it needs, costs about
// 10 KB of the stripped linux/mipsle firmware, and a build from a checkout
// with -buildvcs=false records no version there anyway.
func moduleVersion() string { return "(devel)" }
