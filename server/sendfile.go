package server

import "os"

// fileSection is file data a READ_ANDX reply carries without copying it
// into the reply buffer (Config.Sendfile): the writer sends the reply's
// head, then n bytes of the file from off with sendfile(2), which moves
// them from the page cache to the socket inside the kernel. Over loopback
// it is not faster than the copy (docs/configuration.md, sendfile), which
// is why it is off unless configured.
type fileSection struct {
	f   *os.File
	off int64
	n   int
}

// minSendfile is the smallest read sent with sendfile: below it the copy is
// cheaper than the second system call, and small replies keep coalescing
// into one write (batchWriter).
const minSendfile = 16 << 10
