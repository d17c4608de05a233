// Package vfs gives an afero.Fs the file semantics an SMB1 client expects
// from a Windows server: SMB path canonicalisation that can never leave the
// share (CleanPath, and RootFs, which confines an OS directory with os.Root
// so symlinks cannot escape either; Confine, which does the same for an
// afero.BasePathFs over the OS, and Confined, which picks the confinement
// for any afero.Fs), case-insensitive lookup on
// case-sensitive filesystems (Resolve, with a per-Share index of directory
// names, names.go) and 8.3 short names (Mangle), NT create dispositions and
// delete-on-close (Share, File), DOS and NT wildcards (Match), attributes
// and timestamps in their wire encodings, the FID table (OpenTable) and the
// mapping of Go and errno errors to NTSTATUS (StatusFromError).
//
// Design constraints: vfs knows nothing of the wire format beyond status
// codes, starts no goroutines, and every error it returns from Share, File
// and OpenTable is an smb.NTStatus, ready to send. A Share's mutable state
// is its mutex-guarded open-file table and its bounded, mutex-guarded
// caches (directory name index, short names handed out), and it may be
// used from several connections at once; File and
// OpenTable belong to one connection and are not safe for concurrent use.
//
// Share modes, delete-pending and byte-range locks live in a per-Share
// open-file table keyed by stored path (sharemode.go, brlock.go): it is
// shared by every connection and guarded by the Share's mutex, and lock
// requests that must wait are LockWaiters whose completion the server
// sends. Oplocks — exclusive, batch and level II — live there too
// (oplock.go). Not implemented: alternate data streams.
package vfs
