package server

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// Pipelined reads and writes. A client may have up to
// MaxMpxCount requests outstanding on a connection and matches replies to
// requests by MID (MS-CIFS 2.2.4.52.2, 3.2.4.1.2, 3.3.5.2), so a server may
// work on them at once and answer them as they complete, as Samba does with
// its asynchronous reads and writes. tinysmbd does so for the requests that
// may wait on a slow file system — an os share on NFS or a slow SD card, an
// afero.Fs that goes over the network — and only for those: an unchained
// READ_ANDX or WRITE_ANDX on a disk file. Everything else, chains and named
// pipes included, runs on the reader under c.mu exactly as before.
//
// The reader validates such a request the way the inline path does (the
// same code, so the same status codes: session, tree, FID owner, access,
// byte-range locks), writes the reply up to the data, and queues an ioOp
// on the FID's ioQueue — a lone request too, since the reader cannot know
// that a file is slow until it is stuck in it, and a request arriving
// meanwhile would wait; but not once the FID has proved fast: a FID whose
// last fastStreak reads and writes each took at most fastIO does its I/O
// on the reader as before, under c.mu, unless another FID has requests in
// flight (requests already queued on its own FID are waited for, as by any
// other command on it). The hand-off costs little CPU, but it wakes a
// second thread, and on a small multi-core machine that wake-up costs more
// than a page-cache read (docs/concurrency.md has the figures). A fast FID that turns slow (a
// disk spinning up) holds the reader for that one request, as every
// request did before; the next goes to a runner.
//
// Requests on one FID run one at a time in arrival order; the queues of
// different FIDs run at once, each on a runner goroutine started (go
// c.io.run, a func value made once, so starting one does not allocate)
// when its queue gets a request while none is running, and ending when no
// queue waits for a runner — or, if the reader is still busy with requests
// already buffered, once it queues none for the runner's FID before it
// blocks (linger) — so an idle connection keeps no goroutine besides its
// reader. A runner touches nothing c.mu guards: the request record, its
// reply buffer, the open file and, for a WRITE_ANDX, the buffer its frame
// was read into travel with the op. The payload is a
// view into the FrameReader's buffer, which the next read from the socket
// would overwrite; netbt.FrameReader.Swap hands that buffer to the op and
// the reader reads on into a pooled one, moving over only the bytes it had
// read beyond the frame — nothing for a lone write. Copying the payload
// into a pooled buffer instead was slower (BenchmarkWriteAndXRoundTrip,
// BenchmarkPipelinedWriteAndX). The position change
// (position.go) and the records come back to the reader on the done list
// and are applied under c.mu before the next message and before any FID
// lookup (reapIO). The reader never waits for a runner while a runner
// could wait for it.
//
// Order: every other command that names a FID looks it up with conn.file,
// which first waits until the FID's queue is empty (waitIO), and commands
// that act on many files (TREE_DISCONNECT, LOGOFF_ANDX, PROCESS_EXIT, FLUSH
// of all files, the connection's end) wait until nothing is in flight. So a
// CLOSE, a SET_FILE_INFO, a LOCKING_ANDX or a core READ sees every earlier
// READ_ANDX and WRITE_ANDX on its FID done, and a CLOSE's reply can never
// precede theirs. A close therefore waits for the I/O on its FID rather
// than deferring the file's real close until the I/O lets go of it: the
// FID's requests must run in order anyway, a redirector waits for its
// replies before it closes a handle (so the wait is empty in practice), and
// a client that pipelines CLOSE and a conflicting open or a DELETE gets the
// share modes and delete-on-close of a file that really is closed, in
// arrival order. The price is paid only by a client that closes a handle
// with I/O outstanding on a slow file: its later requests wait too.
//
// Bound: at most MaxMpxCount requests, and maxInflightBytes of their data,
// are handed off; at the bound the reader stops reading until half of it
// is free again, and TCP pushes back on the client, as when the writer is
// blocked. (Waking the reader at each completion instead cost a futex wake
// per 64 KiB read of smbclient's get, which keeps more than 1 MiB of reads
// outstanding.) Pending locks and change notifications are not counted:
// they wait for other clients, not for a file system.
//
// Batching without timers: a reply waits in the batchWriter only while
// some goroutine has promised to come back to it — the reader while it has
// a complete request buffered (netbt.FrameReader.Ready, as before), and a
// runner while its FID queue holds another request: the runner's own
// replies then wait for that request, just as the reader's replies wait
// for the requests buffered behind them, which is how 32 reads of one file
// pipelined in one segment still go out in one write. Those replies are
// vouched for (batchWriter.queue with the queue's vouch); all others are
// loose. Before the reader blocks — in Next, on the MaxMpxCount bound, or
// waiting for a FID's queue — it marks itself idle under io.mu and then
// flushes the loose replies (flushLoose); a runner that finishes the last
// request of its queue turns its vouched replies loose, and flushes if the
// reader is idle, or else leaves them to the reader, which will flush
// before it blocks. Both decisions are made under io.mu, so either the
// runner sees the reader idle and flushes, or the reader's flushLoose comes
// after the runner's replies were queued. A reply thus never waits for the
// network, for a timer, or for another file's I/O: only for the requests
// that arrived with it (the reader's) or behind it on its own FID (a
// runner's). A lone request is answered as soon as its I/O returns.
//
// Lock order: c.mu, then io.mu, then the writer's mutex. A runner takes
// io.mu and the writer's mutex only, never c.mu, so the reader may wait
// for runners while it holds c.mu, and Status and Reload wait behind it.
//
// A panic in a runner (a file system bug, as in the reader's
// TestHandlerPanicClosesOnlyThatConnection) is recovered: it is logged,
// the connection is closed, and the requests still queued on that runner's
// FID are dropped unanswered. Teardown (the client went away, a framing
// error, Shutdown) first waits until nothing is in flight and no runner is
// left, so no file is closed under a read or write and no goroutine
// outlives the connection; Shutdown thereby waits for in-flight I/O, whose
// replies are flushed before the socket closes.

// ioOp is one handed-off READ_ANDX or WRITE_ANDX.
type ioOp struct {
	next *ioOp
	req  *request
	f    *vfs.File
	fid  uint16
	cmd  uint8 // smb.ComReadAndX or smb.ComWriteAndX
	off  int64
	// n is the byte count a read asks for; start is where its block
	// begins in the reply (the data is the reply's last n bytes).
	n, start int
	// data is a write's payload; it aliases frame, the FrameReader
	// buffer the write's frame was read into, swapped out of the reader
	// (netbt.FrameReader.Swap) so that the reader reads on into another.
	data  []byte
	frame *[]byte
	// through asks a write to reach stable storage (WriteMode bit 0).
	through bool

	// cost is what the op counts in inflight.bytes.
	cost int
	// got is the byte count moved, moved whether the FID's position
	// follows it, and took how long the I/O took, for reapIO.
	got   int
	moved bool
	took  time.Duration

	// mid, uid, tid, pid and in are for the trace line only.
	mid, uid, tid uint16
	pid           uint32
	in            int
}

// ioQueue is the handed-off requests of one FID, oldest first; head is the
// one running.
type ioQueue struct {
	fid        uint16
	head, tail *ioOp
	// vouch counts the replies held in the writer on this queue's word:
	// its runner comes back to them after the next request.
	vouch vouch
}

// inflight is a connection's handed-off I/O. The zero value is ready
// except for cond.L and run, set on first use.
type inflight struct {
	mu   sync.Mutex
	cond sync.Cond // broadcast when a request completes or a runner ends
	// n counts the requests handed off and not yet complete, and bytes
	// the data they move; both change under mu and are read without it
	// by the reader's fast paths.
	n       atomic.Int32
	bytes   atomic.Int64
	runners int // runner goroutines started and not yet ended
	// waiters counts the goroutines waiting on cond for a FID's queue or
	// for everything to end (waitIO, drainIO), woken when a queue retires
	// or a runner ends; slotWait is set while the reader waits for room
	// (readerBlock), woken only once half of it is free again (drained),
	// so that a client keeping more in flight than the bound wakes the
	// reader once per half-bound of completions, not once per completion.
	waiters  int
	slotWait bool
	max      int // MaxMpxCount, for drained
	// lingering counts the runners whose queue ran empty while the
	// reader was busy: they wait for the reader's next request on their
	// FID, or for the reader to go idle, and then end (linger).
	lingering atomic.Int32
	// readerIdle is set while the reader is blocked, or about to block,
	// with nothing buffered: a runner finishing then flushes itself.
	readerIdle bool
	queues     []*ioQueue // one per FID with requests handed off
	ready      []*ioQueue // queues no runner has taken yet
	spareQ     []*ioQueue
	// doneHead..doneTail are the completed ops, oldest first, for reapIO.
	doneHead, doneTail *ioOp
	hasDone            atomic.Bool
	failed             string // set once a runner panicked

	// Under c.mu, for the reader's side.
	spare []*ioOp
	run   func()

	// idleSet is the reader's own note that it set readerIdle.
	idleSet bool
}

// testSlotWait, if set, runs when the reader starts waiting for a request
// to complete because MaxMpxCount are in flight (tests only).
var testSlotWait func()

// ioFile looks up the file of a READ_ANDX or WRITE_ANDX (block b) and
// decides where its I/O runs. It runs off the reader (async) when the
// reader is handling it (not a deferred open's replay, not Reload), it is
// a single unchained block (MS-CIFS 2.2.4.42.1: AndXCommand 0xFF), and
// either the FID has no record of fast I/O (fileOwner.ioFast) or a request
// on another FID is in flight. Otherwise, or when onReader asks for it (a
// read sendfile may send, which the writer sends from the reader), it runs
// on the reader, after the FID's handed-off requests, as file has it; fast
// reports a FID with a full record.
func (c *conn) ioFile(req *request, b smb.Block, fid uint16, onReader bool) (f *vfs.File, async, fast bool, err error) {
	f, o, err := c.lookupFile(req, fid)
	if err != nil {
		return nil, false, false, err
	}
	fid = req.fid(fid)
	fast = o.ioFast >= fastStreak
	if !onReader && c.inReader && b.Offset == smb.HeaderLen && len(b.Words) > 0 && b.Words[0] == smb.ComNoAndXCommand &&
		(!fast || c.io.n.Load() > 0 && c.io.othersBusy(fid)) {
		return f, true, fast, nil
	}
	c.waitIO(fid)
	return f, false, fast, nil
}

// noteInlineIO records the time a read or write the reader did itself took.
// The frame's arrival (handleFrame's lastActive) starts the clock: one
// clock read on the data path, not two, and the microseconds of parsing
// before the I/O do not count at fastIO.
func (c *conn) noteInlineIO(fid uint16, fast bool) {
	if d := time.Since(c.lastActive); !fast || d > fastIO {
		c.noteIO(fid, d)
	}
}

// othersBusy reports whether a FID other than fid has requests in flight.
func (io *inflight) othersBusy(fid uint16) bool {
	io.mu.Lock()
	defer io.mu.Unlock()
	for _, q := range io.queues {
		if q.fid != fid && q.head != nil {
			return true
		}
	}
	return false
}

// fastIO and fastStreak define a fast FID: fastStreak reads and writes in
// a row that each took at most fastIO, about what a page-cache hit or an
// in-memory file takes and far less than a network file system's or a
// slow card's round trip.
const fastStreak = 4

var fastIO = time.Millisecond // a variable for tests (SetFastIO)

// noteIO records how long a read or write on fid took. Called under c.mu.
func (c *conn) noteIO(fid uint16, d time.Duration) {
	o, ok := c.fileOwners[fid]
	if !ok {
		return
	}
	switch {
	case d > fastIO:
		if o.ioFast == 0 {
			return
		}
		o.ioFast = 0
	case o.ioFast < fastStreak:
		o.ioFast++
	default:
		return
	}
	c.fileOwners[fid] = o
}

// deferIO hands op, whose reply req has begun, to the runner of its FID
// and takes over req; data, for a write, is copied first. Called under
// c.mu.
func (c *conn) deferIO(req *request, op ioOp, data []byte) {
	io := &c.io
	if io.run == nil {
		io.cond.L = &io.mu
		io.run = c.runIO
	}
	p := popSpare(&io.spare)
	*p = op
	p.req = req
	p.mid, p.uid, p.tid, p.pid = req.hdr.MID(), req.uid, req.tid, req.hdr.PID()
	p.cost = op.n
	if op.cmd == smb.ComWriteAndX {
		p.frame, p.data, p.cost = c.swapFrame(), data, len(data)
	}
	// The header aliases the frame, which the reader reuses.
	req.hdr = nil

	io.mu.Lock()
	var q *ioQueue
	for _, x := range io.queues {
		if x.fid == op.fid {
			q = x
			break
		}
	}
	start := q == nil
	if start {
		q = popSpare(&io.spareQ)
		*q = ioQueue{fid: op.fid}
		io.queues = append(io.queues, q)
		io.ready = append(io.ready, q)
		io.runners++
	}
	if q.tail == nil {
		q.head = p
		if !start && io.lingering.Load() > 0 {
			io.cond.Broadcast() // the queue's runner is lingering
		}
	} else {
		q.tail.next = p
	}
	q.tail = p
	io.n.Add(1)
	io.bytes.Add(int64(p.cost))
	io.mu.Unlock()
	if start {
		go io.run()
	}
}

// framePool holds FrameReader buffers swapped out with a write's data,
// for the reader to swap in at the next handed-off write. Each is at most
// a frame long (Config.MaxMessageSize), and in flight at most MaxMpxCount
// per connection.
var framePool sync.Pool

// swapFrame takes the reader's buffer, which holds the frame being
// handled, and gives the reader a pooled one.
func (c *conn) swapFrame() *[]byte {
	b, _ := framePool.Get().(*[]byte)
	if b == nil {
		b = new([]byte)
	}
	*b = c.fr.Swap(*b)
	return b
}

// putFrame returns op's frame buffer to the pool.
func putFrame(op *ioOp) {
	if op.frame != nil {
		framePool.Put(op.frame)
	}
	op.frame, op.data = nil, nil
}

// popSpare takes a record from a free list, or makes one: connections
// recycle their request records, so steady traffic allocates none.
func popSpare[T any](list *[]*T) *T {
	n := len(*list)
	if n == 0 {
		return new(T)
	}
	p := (*list)[n-1]
	*list = (*list)[:n-1]
	return p
}

// runIO is a runner: it takes queues until none is ready.
func (c *conn) runIO() {
	for c.runQueue() {
	}
}

// runQueue runs a ready queue until it is empty, reporting false when
// there was none (the runner ends).
func (c *conn) runQueue() bool {
	io := &c.io
	io.mu.Lock()
	if len(io.ready) == 0 {
		io.runners--
		if io.waiters > 0 {
			io.cond.Broadcast()
		}
		io.mu.Unlock()
		return false
	}
	q := io.ready[0]
	copy(io.ready, io.ready[1:])
	io.ready[len(io.ready)-1] = nil
	io.ready = io.ready[:len(io.ready)-1]
	failed := io.failed != ""
	io.mu.Unlock()
	if failed {
		c.abortQueue(q)
		return true
	}
	for op := q.head; op != nil; {
		if r := c.doIO(op); r != nil {
			c.ioPanic(q, r)
			return true
		}
		op = c.finishIO(q, op)
	}
	return true
}

// doIO performs op and completes its reply, recovering a panic of the
// file system.
func (c *conn) doIO(op *ioOp) (panicked any) {
	defer func() { panicked = recover() }()
	req := op.req
	var err error
	began := time.Now()
	if op.cmd == smb.ComReadAndX {
		op.got, err = readAndXData(&req.resp, op.f, op.off, op.start, op.n)
		op.moved = err == nil
	} else {
		op.got, op.moved, err = writeAndXData(op.f, op.data, op.off, op.through)
		putFrame(op)
		if err == nil {
			smb.EncodeWriteAndXResponse(&req.resp, uint32(op.got), 0xFFFF)
		}
	}
	op.took = time.Since(began)
	st := smb.StatusSuccess
	if err != nil {
		st = statusOf(err)
		req.resp.Empty(op.cmd)
	}
	req.resp.SetStatus(st)
	if c.trace() {
		c.log.Debug("smb "+smb.CommandName(op.cmd), "mid", op.mid, "uid", op.uid, "tid", op.tid, "pid", op.pid,
			"status", st.Error(), "in", op.in, "out", len(req.resp.Bytes())-4, "path", op.f.Path(), "async", true)
	}
	b := req.resp.Bytes()
	putFrameHeader(b, c.framing)
	signReply(req, b)
	*req.buf = b
	return nil
}

// finishIO queues op's reply, retires op and returns the next request of
// q, or nil once q is empty (then retired too). See the package comment
// for when it flushes.
func (c *conn) finishIO(q *ioQueue, op *ioOp) *ioOp {
	io := &c.io
	m := outMsg{buf: op.req.buf}
	op.req.buf = nil
	io.mu.Lock()
	next := op.next
	var full, flush, linger bool
	if next != nil {
		full, _ = c.w.queue(m, &q.vouch)
		q.head = next
	} else {
		full, _ = c.w.queue(m, nil)
		c.w.unvouch(&q.vouch)
		flush = io.readerIdle
		q.head, q.tail = nil, nil
		if linger = !io.readerIdle && io.failed == ""; linger {
			io.lingering.Add(1)
		} else {
			io.retireLocked(q)
		}
	}
	io.doneLocked(op)
	io.mu.Unlock()
	if full || flush {
		c.w.flush()
	}
	if linger {
		next = c.linger(q)
	}
	return next
}

// linger keeps the runner of the empty queue q while the reader is busy:
// the reader, handling requests already buffered, may well queue another
// on this FID, and starting a runner again for it costs more (a goroutine
// and, often, waking a thread) than waiting. It returns that request, or
// nil once the reader goes idle (readerBlock, waitIO, drainIO wake it),
// having retired q: an idle connection keeps no runner.
func (c *conn) linger(q *ioQueue) *ioOp {
	io := &c.io
	io.mu.Lock()
	for q.head == nil && !io.readerIdle && io.failed == "" {
		io.cond.Wait()
	}
	io.lingering.Add(-1)
	next := q.head
	if next == nil {
		io.retireLocked(q)
	}
	io.mu.Unlock()
	return next
}

// setReaderIdleLocked marks the reader idle, waking the runners that
// linger for its next request.
func (io *inflight) setReaderIdleLocked() {
	io.readerIdle = true
	if io.lingering.Load() > 0 {
		io.cond.Broadcast()
	}
}

// doneLocked moves op to the done list and counts it complete.
func (io *inflight) doneLocked(op *ioOp) {
	op.next = nil
	if io.doneTail == nil {
		io.doneHead = op
	} else {
		io.doneTail.next = op
	}
	io.doneTail = op
	io.hasDone.Store(true)
	io.n.Add(-1)
	io.bytes.Add(-int64(op.cost))
	if io.slotWait && io.drained() {
		io.cond.Broadcast()
	}
}

// drained reports whether at most half of the in-flight bounds is used:
// the reader, stopped at the bound, reads on from there.
func (io *inflight) drained() bool {
	return int(io.n.Load()) <= io.max/2 && io.bytes.Load() <= maxInflightBytes/2
}

// retireLocked forgets the empty queue q.
func (io *inflight) retireLocked(q *ioQueue) {
	if io.waiters > 0 {
		io.cond.Broadcast()
	}
	for i, x := range io.queues {
		if x == q {
			last := len(io.queues) - 1
			io.queues[i] = io.queues[last]
			io.queues[last] = nil
			io.queues = io.queues[:last]
			break
		}
	}
	*q = ioQueue{}
	io.spareQ = append(io.spareQ, q)
}

// abortQueue drops q's requests unanswered: the connection is closing
// because a runner panicked.
func (c *conn) abortQueue(q *ioQueue) {
	io := &c.io
	io.mu.Lock()
	defer io.mu.Unlock()
	for op := q.head; op != nil; {
		next := op.next
		c.srv.bufPool.put(op.req.buf)
		op.req.buf = nil
		putFrame(op)
		op.moved = false
		io.doneLocked(op)
		op = next
	}
	c.w.unvouch(&q.vouch)
	io.retireLocked(q)
}

// ioPanic logs a runner's panic, closes the connection (the reader then
// tears it down, waiting for the other runners) and drops q.
func (c *conn) ioPanic(q *ioQueue, r any) {
	c.log.Error("panic in I/O", "panic", r, "stack", string(debug.Stack()))
	c.io.mu.Lock()
	if c.io.failed == "" {
		c.io.failed = fmt.Sprintf("panic: %v", r)
	}
	c.io.cond.Broadcast() // lingering runners end
	c.io.mu.Unlock()
	c.abortQueue(q)
	c.nc.Close()
}

// ioFailure is the reason a runner ended the connection, or "".
func (c *conn) ioFailure() string {
	c.io.mu.Lock()
	defer c.io.mu.Unlock()
	return c.io.failed
}

// reapIO applies the position changes of completed requests, in the order
// they completed, and recycles their records. Called under c.mu.
func (c *conn) reapIO() {
	io := &c.io
	if !io.hasDone.Load() {
		return
	}
	io.mu.Lock()
	op := io.doneHead
	io.doneHead, io.doneTail = nil, nil
	io.hasDone.Store(false)
	io.mu.Unlock()
	for op != nil {
		next := op.next
		c.noteIO(op.fid, op.took)
		if op.moved {
			if op.cmd == smb.ComReadAndX {
				c.pos.readDone(op.fid, op.off, op.got)
			} else {
				c.pos.wroteDone(op.fid, op.off, op.got)
			}
		}
		c.releaseRequest(op.req)
		*op = ioOp{}
		io.spare = append(io.spare, op)
		op = next
	}
}

// waitIO waits until no handed-off request on fid is left, or none at all
// for fid 0 (never a valid FID), and applies what completed. Called under
// c.mu: the runners never take it.
func (c *conn) waitIO(fid uint16) {
	c.reapIO()
	io := &c.io
	if io.n.Load() == 0 {
		return
	}
	io.mu.Lock()
	if !io.busyLocked(fid) {
		io.mu.Unlock()
		return
	}
	reader := c.inReader
	if reader {
		// The reader blocks: the replies it leaves must not wait for it.
		io.setReaderIdleLocked()
		io.mu.Unlock()
		c.w.flushLoose()
		io.mu.Lock()
	}
	io.waiters++
	for io.busyLocked(fid) {
		io.cond.Wait()
	}
	io.waiters--
	if reader {
		io.readerIdle = false
	}
	io.mu.Unlock()
	c.reapIO()
}

func (io *inflight) busyLocked(fid uint16) bool {
	if fid == 0 {
		return io.n.Load() > 0
	}
	for _, q := range io.queues {
		if q.fid == fid && q.head != nil {
			return true
		}
	}
	return false
}

// maxInflightBytes bounds the data of a connection's handed-off requests,
// as maxBatchBytes bounds its writer's: each holds its reply or its frame
// buffer until it completes.
const maxInflightBytes = 1 << 20

// readerBlock is called by the reader before it blocks for input: it
// flushes the replies nobody else will, and when max requests or
// maxInflightBytes are in flight it waits until half of that is free
// (back-pressure). With nothing in flight it is the plain flush of the
// batchWriter's design.
func (c *conn) readerBlock(max int) error {
	io := &c.io
	// A runner decides to linger and counts its last request complete
	// under one hold of io.mu, so reading n as 0 here means lingering
	// already counts it.
	if io.n.Load() == 0 && io.lingering.Load() == 0 {
		return c.w.flush()
	}
	io.mu.Lock()
	io.setReaderIdleLocked()
	io.idleSet = true
	io.mu.Unlock()
	if err := c.w.flushLoose(); err != nil {
		return err
	}
	if !c.ioFull(max) {
		return nil
	}
	io.mu.Lock()
	if c.ioFull(max) && testSlotWait != nil {
		testSlotWait()
	}
	io.max = max
	io.slotWait = true
	for !io.drained() {
		io.cond.Wait()
	}
	io.slotWait = false
	io.mu.Unlock()
	return nil
}

// readerAwake ends what readerBlock began, once the reader has input.
func (c *conn) readerAwake() {
	io := &c.io
	if !io.idleSet {
		return
	}
	io.mu.Lock()
	io.readerIdle = false
	io.mu.Unlock()
	io.idleSet = false
}

// ioFull reports whether max requests or maxInflightBytes are in flight.
func (c *conn) ioFull(max int) bool {
	return int(c.io.n.Load()) >= max || c.io.bytes.Load() >= maxInflightBytes
}

// drainIO waits, at the connection's end, until every handed-off request
// has completed and every runner has ended. The reader is idle from here
// on, so the runners flush their own replies.
func (c *conn) drainIO() {
	io := &c.io
	io.mu.Lock()
	io.setReaderIdleLocked()
	if io.runners > 0 || io.n.Load() > 0 {
		c.log.Debug("connection ending: waiting for reads and writes in flight", "requests", io.n.Load())
		io.waiters++
		for io.runners > 0 || io.n.Load() > 0 {
			io.cond.Wait()
		}
		io.waiters--
	}
	io.mu.Unlock()
}
