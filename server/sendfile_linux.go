package server

import (
	"net"
	"sync/atomic"
	"syscall"
)

// sectionSender sends file sections to one TCP connection with
// sendfile(2). Its state lives in the struct and step is a method value made
// once, so a send allocates nothing.
type sectionSender struct {
	conn net.Conn
	raw  syscall.RawConn
	step func(fd uintptr) bool

	src  int   // the file's descriptor
	off  int64 // where sendfile continues
	left int   // bytes still to send
	err  error
}

// newSectionSender returns a sender for c, or nil when c is not a TCP
// connection (tests over pipes, Unix sockets).
func newSectionSender(c net.Conn) *sectionSender {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	s := &sectionSender{conn: c, raw: raw}
	s.step = s.sendfile
	return s
}

// send writes the section's n bytes. A file that shrank since its size was
// taken leaves the frame short of the length its header promised: the rest
// is sent as zeros, so the stream stays framed, as Samba does after a short
// sendfile.
func (s *sectionSender) send(sec fileSection) error {
	// Counted before the send: a test reads the count once the reply has
	// arrived, which may be before this goroutine runs again.
	sectionsSent.Add(1)
	s.src, s.off, s.left, s.err = int(sec.f.Fd()), sec.off, sec.n, nil
	if err := s.raw.Write(s.step); err != nil {
		return err
	}
	if s.err != nil {
		return s.err
	}
	for s.left > 0 {
		n, err := s.conn.Write(zeros[:min(s.left, len(zeros))])
		s.left -= n
		if err != nil {
			return err
		}
	}
	return nil
}

// sendfile is the RawConn.Write callback: false asks the poller to wait
// until the socket takes more.
func (s *sectionSender) sendfile(fd uintptr) bool {
	for s.left > 0 {
		n, err := syscall.Sendfile(int(fd), s.src, &s.off, s.left)
		if n > 0 {
			s.left -= n
		}
		switch {
		case err == syscall.EAGAIN:
			return false
		case err == syscall.EINTR:
		case err != nil:
			s.err = err
			return true
		case n == 0:
			s.err = nil // end of file: send pads the rest
			return true
		}
	}
	return true
}

// zeros pads a section whose file shrank.
var zeros [4096]byte

// sectionsSent counts the file sections whose sending began, for tests.
var sectionsSent atomic.Int64
