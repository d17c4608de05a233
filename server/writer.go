package server

import (
	"errors"
	"net"
	"sync"
	"time"
)

// outMsg is one encoded response ready for the socket: a complete NetBT (or
// direct-TCP) frame, header included.
type outMsg struct {
	buf *[]byte
	// alone asks the writer to give this message a write of its own, with
	// nothing before or after it in the same segment (Q161968).
	alone bool
	// section, when it has bytes, is the rest of the frame: file data the
	// writer sends after buf straight from the file (sendfile.go).
	section fileSection
}

// maxBatchMessages and maxBatchBytes bound one coalesced write, so a
// client with thousands of queued small replies still gets them in a few
// large writes rather than one unbounded one.
const (
	maxBatchMessages = 64
	maxBatchBytes    = 1 << 20
)

var errWriterClosed = errors.New("server: connection writer closed")

// batchWriter owns the write side of one connection. Replies are queued as
// they are produced and written together with one writev when the reader
// has no complete request left in its buffer (netbt.FrameReader.Ready):
// natural batching with no timers and no goroutine hand-off. A lone request
// is answered before the reader waits for the next, so its latency is one
// write syscall; 32 requests that arrived in one segment are answered with
// one write. A reply marked alone gets a write of its own (Q161968).
//
// The reader calls send and flush; a goroutine completing a request later
// (a pending lock, a change notification) calls sendNow; the runners of
// pipelined reads and writes call queue, unvouch and flush (inflight.go). The mutex orders
// them; it is held across the write, so a slow peer stalls the reader,
// which then stops reading: TCP's own back-pressure. The first write error
// is sticky and ends the connection.
type batchWriter struct {
	conn         net.Conn
	writeTimeout time.Duration
	pool         *bufferPool

	mu     sync.Mutex
	held   []outMsg    // queued frames, oldest first
	size   int         // bytes in held
	iovBuf net.Buffers // held's slices, kept for reuse
	iov    net.Buffers // what the current write is writing
	failed error       // the first write error
	closed bool
	batch  int // the most replies one write carries
	// loose counts the held replies no goroutine has vouched to come
	// back to (inflight.go); gen counts the flushes, so a vouch from
	// before the last one is known to be spent.
	loose int
	gen   uint64

	// sender sends file sections; nil when the connection cannot
	// (sendfile.go).
	sender *sectionSender

	// stats, read by tests and benchmarks.
	writes   int
	messages int
}

func newBatchWriter(c net.Conn, writeTimeout time.Duration, pool *bufferPool, batch int) *batchWriter {
	return &batchWriter{conn: c, writeTimeout: writeTimeout, pool: pool, batch: max(batch, 1), sender: newSectionSender(c)}
}

// canSendSections reports whether send accepts messages with a file
// section on this connection.
func (w *batchWriter) canSendSections() bool { return w.sender != nil }

// send queues m for the next flush, writing at once when m must go alone
// (after what precedes it) or the queue has reached its bounds.
func (w *batchWriter) send(m outMsg) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.errLocked(); err != nil {
		w.pool.put(m.buf)
		return err
	}
	if m.alone {
		if err := w.flushLocked(); err != nil {
			w.pool.put(m.buf)
			return err
		}
	}
	w.held = append(w.held, m)
	w.size += len(*m.buf) + m.section.n
	w.loose++
	// A file section goes out at once: the file it reads must still be
	// open, and the next request may be a CLOSE.
	if m.alone || m.section.n > 0 || len(w.held) >= w.batch || w.size >= maxBatchBytes {
		return w.flushLocked()
	}
	return nil
}

// vouch is a runner's promise to come back to the replies it queued
// (inflight.go): n replies queued since flush number gen.
type vouch struct {
	n   int
	gen uint64
}

// queue adds m without writing, on v's word or, with v nil, loose, and
// reports whether the batch has reached its bounds: the caller flushes
// then, once it holds no other lock.
func (w *batchWriter) queue(m outMsg, v *vouch) (full bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.errLocked(); err != nil {
		w.pool.put(m.buf)
		return false, err
	}
	w.held = append(w.held, m)
	w.size += len(*m.buf) + m.section.n
	if v == nil {
		w.loose++
	} else {
		if v.gen != w.gen {
			v.n, v.gen = 0, w.gen
		}
		v.n++
	}
	return len(w.held) >= w.batch || w.size >= maxBatchBytes, nil
}

// unvouch turns the replies held on v's word loose.
func (w *batchWriter) unvouch(v *vouch) {
	w.mu.Lock()
	if v.gen == w.gen {
		w.loose += v.n
	}
	v.n = 0
	w.mu.Unlock()
}

// flushLoose writes everything queued if any of it is loose.
func (w *batchWriter) flushLoose() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.loose == 0 {
		return w.errLocked()
	}
	return w.flushLocked()
}

// sendNow queues m and writes everything queued: for replies produced away
// from the reader, which flushes only when it is about to wait for input.
func (w *batchWriter) sendNow(m outMsg) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.errLocked(); err != nil {
		w.pool.put(m.buf)
		return err
	}
	w.held = append(w.held, m)
	w.size += len(*m.buf) + m.section.n
	return w.flushLocked()
}

// flush writes everything queued with one writev.
func (w *batchWriter) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// close flushes what is queued and refuses later sends.
func (w *batchWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	w.closed = true
}

// err returns the write error that ended the connection, if one did.
func (w *batchWriter) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

func (w *batchWriter) errLocked() error {
	switch {
	case w.failed != nil:
		return w.failed
	case w.closed:
		return errWriterClosed
	}
	return nil
}

func (w *batchWriter) flushLocked() error {
	if len(w.held) == 0 {
		return w.errLocked()
	}
	if w.failed == nil {
		if w.writeTimeout > 0 {
			w.conn.SetWriteDeadline(time.Now().Add(w.writeTimeout))
		}
		iov := w.iovBuf[:0]
		for i := range w.held {
			m := &w.held[i]
			iov = append(iov, *m.buf)
			if m.section.n == 0 {
				continue
			}
			// The frame's head, and whatever was queued before it, then
			// its data from the file.
			if w.writev(iov); w.failed != nil {
				break
			}
			iov = iov[:0]
			w.writes++
			if err := w.sender.send(m.section); err != nil {
				w.failed = err
				break
			}
		}
		if len(iov) > 0 && w.failed == nil {
			w.writev(iov)
		}
		w.messages += len(w.held)
	}
	for i, m := range w.held {
		w.pool.put(m.buf)
		w.held[i] = outMsg{}
	}
	clear(w.iovBuf[:cap(w.iovBuf)])
	w.held = w.held[:0]
	w.size = 0
	w.loose = 0
	w.gen++
	return w.failed
}

// writev writes iov with one writev(2), recording the first error.
func (w *batchWriter) writev(iov net.Buffers) {
	w.iovBuf = iov
	// net.Buffers.WriteTo consumes the slice header; write from a copy
	// kept in the writer (a local would escape and allocate per write)
	// and keep iovBuf's backing array for reuse.
	w.iov = iov
	_, err := w.iov.WriteTo(w.conn)
	w.iov = nil
	w.writes++
	if err != nil {
		w.failed = err
	}
}

// bufferPool recycles response buffers. Buffers that grew past maxKeep (a
// large READ) are dropped rather than kept, so an idle server's memory
// returns to a few small buffers.
type bufferPool struct {
	p       sync.Pool
	size    int
	maxKeep int
}

func newBufferPool(size, maxKeep int) *bufferPool {
	bp := &bufferPool{size: size, maxKeep: maxKeep}
	bp.p.New = func() any {
		b := make([]byte, 0, bp.size)
		return &b
	}
	return bp
}

func (bp *bufferPool) get() *[]byte {
	b := bp.p.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

func (bp *bufferPool) put(b *[]byte) {
	if b == nil || cap(*b) > bp.maxKeep {
		return
	}
	bp.p.Put(b)
}
