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
	// mpx says the message is a request's final reply, holding one of the
	// connection's MaxMpxCount slots (limits.go) until it is written.
	mpx bool
}

// maxBatchMessages and maxBatchBytes bound one coalesced write, so a
// client with thousands of queued small replies still gets them in a few
// large writes rather than one unbounded one.
const (
	maxBatchMessages = 64
	maxBatchBytes    = 1 << 20
)

var errWriterClosed = errors.New("server: connection writer closed")

// batchWriter owns the write side of one connection. Responses arrive on a
// bounded queue; the writer takes the first, keeps taking while more are
// already waiting, and writes them all with one writev — natural batching
// with no timers: under light load every response goes out at once, under
// load they coalesce (the http2 scheduleFrameWrite/flushFrameWriter pattern).
// The first write error is sticky and ends the connection.
type batchWriter struct {
	conn         net.Conn
	queue        chan outMsg
	writeTimeout time.Duration
	pool         *bufferPool

	// done is closed when the writer goroutine exits; err then says why.
	done chan struct{}
	err  error

	closeOnce sync.Once
	quit      chan struct{}

	iov net.Buffers // what write is writing

	// mpx receives one token back per written message with outMsg.mpx.
	mpx chan struct{}

	// stats, read by tests and benchmarks after done is closed.
	writes   int
	messages int
}

func newBatchWriter(c net.Conn, depth int, writeTimeout time.Duration, pool *bufferPool) *batchWriter {
	return &batchWriter{
		conn:         c,
		queue:        make(chan outMsg, depth),
		writeTimeout: writeTimeout,
		pool:         pool,
		done:         make(chan struct{}),
		quit:         make(chan struct{}),
	}
}

// send queues m. It blocks while the queue is full — the reader then stops
// reading, which is TCP's own back-pressure on a client that sends faster than
// it reads — and fails once the writer has stopped.
func (w *batchWriter) send(m outMsg) error {
	select {
	case w.queue <- m:
		return nil
	case <-w.done:
		w.pool.put(m.buf)
		return errWriterClosed
	}
}

// close asks the writer to flush what is queued and stop.
func (w *batchWriter) close() {
	w.closeOnce.Do(func() { close(w.quit) })
}

func (w *batchWriter) run() {
	defer close(w.done)
	var (
		iov     net.Buffers
		held    []*[]byte
		pending *outMsg // a message taken from the queue that must start the next batch
		tokens  int     // MaxMpxCount slots the batch holds
	)
	release := func() {
		for _, b := range held {
			w.pool.put(b)
		}
		held = held[:0]
		iov = iov[:0]
		for ; tokens > 0; tokens-- {
			<-w.mpx
		}
	}
	defer func() {
		release()
		if pending != nil {
			w.pool.put(pending.buf)
		}
		for {
			select {
			case m := <-w.queue:
				w.pool.put(m.buf)
			default:
				return
			}
		}
	}()
	for {
		var first outMsg
		if pending != nil {
			first, pending = *pending, nil
		} else {
			select {
			case first = <-w.queue:
			case <-w.quit:
				// Flush whatever is still queued, then stop.
				select {
				case first = <-w.queue:
				default:
					return
				}
			}
		}
		held = append(held, first.buf)
		iov = append(iov, *first.buf)
		size := len(*first.buf)
		if first.mpx {
			tokens++
		}
		if !first.alone {
		drain:
			for len(held) < maxBatchMessages && size < maxBatchBytes {
				select {
				case m := <-w.queue:
					if m.alone {
						pending = &m
						break drain
					}
					held = append(held, m.buf)
					iov = append(iov, *m.buf)
					size += len(*m.buf)
					if m.mpx {
						tokens++
					}
				default:
					break drain
				}
			}
		}
		if err := w.write(&iov, len(held)); err != nil {
			w.err = err
			return
		}
		release()
	}
}

func (w *batchWriter) write(iov *net.Buffers, n int) error {
	if w.writeTimeout > 0 {
		w.conn.SetWriteDeadline(time.Now().Add(w.writeTimeout))
	}
	// net.Buffers.WriteTo consumes the slice header; write from a copy
	// kept in the writer (a local would escape and allocate per write) and
	// keep iov's backing array for reuse.
	w.iov = *iov
	_, err := w.iov.WriteTo(w.conn)
	w.iov = nil
	w.writes++
	w.messages += n
	return err
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
