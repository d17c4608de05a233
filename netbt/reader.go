package netbt

import (
	"errors"
	"io"
)

// initialBufSize holds a typical SMB request and its pipelined successors
// without growing.
const initialBufSize = 8 << 10

// maxEmptyReads bounds how often a Reader may return (0, nil) in a row
// before Next gives up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

var errNegativeRead = errors.New("netbt: reader returned invalid count from Read")

// Frame is one packet read by a FrameReader.
type Frame struct {
	Type    byte   // always TypeSessionMessage in DirectTCP mode
	Payload []byte // aliases the reader's buffer until the next call to Next
}

// FrameReader cuts a stream into packets. It reads in bulk into one buffer,
// keeps whatever follows the current packet for the next call, and grows the
// buffer only as a packet's bytes actually arrive.
type FrameReader struct {
	rd   io.Reader
	mode Mode
	max  int
	buf  []byte
	r, w int   // buf[r:w] is read but not yet returned
	rerr error // read error deferred because a frame was complete
	err  error // sticky framing error
}

// NewFrameReader returns a FrameReader that reads packets framed per mode
// from rd and rejects payloads longer than maxLength. A maxLength that is not
// positive or exceeds mode.MaxLength() means mode.MaxLength().
func NewFrameReader(rd io.Reader, mode Mode, maxLength int) *FrameReader {
	if maxLength <= 0 || maxLength > mode.MaxLength() {
		maxLength = mode.MaxLength()
	}
	return &FrameReader{rd: rd, mode: mode, max: maxLength}
}

// SetMaxLength changes the longest payload Next accepts, from the next
// header on, with the same rules as NewFrameReader's maxLength. A server
// lowers it until the client has authenticated, so that an anonymous peer
// cannot make it buffer a large message.
func (fr *FrameReader) SetMaxLength(maxLength int) {
	if maxLength <= 0 || maxLength > fr.mode.MaxLength() {
		maxLength = fr.mode.MaxLength()
	}
	fr.max = maxLength
}

// Reset discards all state and reads from rd next, keeping the buffer so a
// pooled FrameReader serves another connection without allocating.
func (fr *FrameReader) Reset(rd io.Reader) {
	fr.rd = rd
	fr.r, fr.w = 0, 0
	fr.rerr, fr.err = nil, nil
}

// Swap gives the caller the reader's buffer, and with it the payload of the
// frame Next returned last, which then stays valid for as long as the
// caller keeps the buffer, whatever Next does later: a server can hand a
// write's data to another goroutine without copying it. The reader goes on
// in nb, a buffer the caller no longer uses (nil or empty to let the
// reader allocate when it next reads), into which it moves the bytes it
// has read beyond that frame; if nb is too short for them it allocates a
// buffer that holds them.
func (fr *FrameReader) Swap(nb []byte) []byte {
	old := fr.buf
	rest := fr.w - fr.r
	if len(nb) < rest {
		nb = make([]byte, max(rest, min(initialBufSize, fr.max+HeaderLen)))
	}
	if len(nb) == 0 {
		nb = nil // fill allocates a buffer of its first size
	}
	fr.w = copy(nb, old[fr.r:fr.w])
	fr.r = 0
	fr.buf = nb
	return old
}

// Buffered returns how many bytes beyond the last returned frame have
// already been read: a server seeing 0 knows no request is waiting and may
// flush its replies.
func (fr *FrameReader) Buffered() int { return fr.w - fr.r }

// Ready reports whether Next can return without reading: a whole packet, or
// a header Next will reject, is already buffered. A server answering
// pipelined requests flushes its queued replies only when Ready turns false,
// so a burst that arrived together is answered together, and a lone request
// is answered before the server waits for the next.
func (fr *FrameReader) Ready() bool {
	if fr.err != nil || fr.rerr != nil {
		return true
	}
	if fr.w-fr.r < HeaderLen {
		return false
	}
	h, err := ParseHeader(fr.buf[fr.r:fr.w], fr.mode)
	if err != nil || h.Length > fr.max {
		return true
	}
	return fr.w-fr.r >= HeaderLen+h.Length
}

// Next returns the next packet. Its payload is valid until the next call to
// Next or Reset. Next returns io.EOF when the stream ends between packets,
// io.ErrUnexpectedEOF when it ends inside one, ErrBadHeader or
// ErrFrameTooLarge (for this and every later call) when the stream cannot be
// framed, and any other error from the underlying Reader as it is; after such
// a read error, calling Next again resumes where the stream stopped.
func (fr *FrameReader) Next() (Frame, error) {
	if fr.err != nil {
		return Frame{}, fr.err
	}
	if fr.r == fr.w {
		fr.r, fr.w = 0, 0
	}
	if err := fr.fill(HeaderLen); err != nil {
		if err == io.EOF && fr.r == fr.w {
			return Frame{}, io.EOF
		}
		return Frame{}, noEOF(err)
	}
	h, err := ParseHeader(fr.buf[fr.r:fr.w], fr.mode)
	if err != nil {
		fr.err = err
		return Frame{}, err
	}
	// Checked before the buffer grows: a header alone must not make the
	// server commit memory (SMBLoris).
	if h.Length > fr.max {
		fr.err = ErrFrameTooLarge
		return Frame{}, ErrFrameTooLarge
	}
	n := HeaderLen + h.Length
	if err := fr.fill(n); err != nil {
		return Frame{}, noEOF(err)
	}
	p := fr.buf[fr.r+HeaderLen : fr.r+n : fr.r+n]
	fr.r += n
	return Frame{Type: h.Type, Payload: p}, nil
}

// fill reads until buf[r:w] holds at least n bytes; n never exceeds
// max+HeaderLen.
func (fr *FrameReader) fill(n int) error {
	if fr.buf == nil {
		fr.buf = make([]byte, min(initialBufSize, fr.max+HeaderLen))
	}
	for empty := 0; fr.w-fr.r < n; {
		if fr.rerr != nil {
			err := fr.rerr
			fr.rerr = nil
			return err
		}
		if fr.r > 0 && fr.r+n > len(fr.buf) {
			// Slide the partial packet to the front so it completes
			// contiguously; what this overwrites expired with this call.
			fr.w = copy(fr.buf, fr.buf[fr.r:fr.w])
			fr.r = 0
		}
		if fr.w == len(fr.buf) {
			// Full with r == 0 and still short of n: the peer has sent a
			// whole buffer of this packet, so it may have twice as much.
			nb := make([]byte, min(2*len(fr.buf), fr.max+HeaderLen))
			copy(nb, fr.buf[:fr.w])
			fr.buf = nb
		}
		m, err := fr.rd.Read(fr.buf[fr.w:])
		if m < 0 || m > len(fr.buf)-fr.w {
			panic(errNegativeRead)
		}
		fr.w += m
		if err != nil {
			if fr.w-fr.r >= n {
				fr.rerr = err
				return nil
			}
			return err
		}
		if m > 0 {
			empty = 0
		} else if empty++; empty >= maxEmptyReads {
			return io.ErrNoProgress
		}
	}
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
