package server

import (
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Refusal logs are rate-limited per client address: a flood of refused
// connections or failed logons from one address must not fill an
// appliance's flash with one line each. The first event of a kind from an
// address is logged at once, in full; the ones after it within
// logSummaryInterval are only counted, and summarised in one line when the
// interval ends ("512 connections refused from 10.0.0.7 in the last 1m0s").

const (
	// logSummaryInterval is how often counted refusals are summarised.
	logSummaryInterval = time.Minute
	// maxLogAddresses bounds the (kind, address) pairs counted at once; past
	// it, new addresses are counted together under logOtherAddresses, so a
	// peer spraying source addresses cannot grow the table.
	maxLogAddresses   = 1024
	logOtherAddresses = "other addresses"
)

// logKind is one kind of rate-limited event.
type logKind uint8

const (
	logRefused      logKind = iota // a connection over a connection or pending-logon cap
	logEvicted                     // the oldest connection not logged on, closed to make room
	logNotLoggedOn                 // a connection closed before it logged on
	logLogonBlocked                // a logon refused over logon_failure_limit
	logLogonFailed                 // a failed logon
	numLogKinds
)

// logKindSummary is what a summary line says the events of a kind were.
var logKindSummary = [numLogKinds]string{
	logRefused:      " connections refused from ",
	logEvicted:      " connections not logged on closed to make room, from ",
	logNotLoggedOn:  " connections closed before logging on, from ",
	logLogonBlocked: " logons refused over logon_failure_limit, from ",
	logLogonFailed:  " logons failed, from ",
}

type logKey struct {
	kind   logKind
	client string
}

// logCount is the events of one key since start that were not logged.
type logCount struct {
	start time.Time
	n     int
}

// logLimiter decides which refusals are logged and summarises the rest.
type logLimiter struct {
	mu       sync.Mutex
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time
	counts   map[logKey]*logCount
	timer    *time.Timer // runs flush every interval while counts is not empty
	armed    bool
	closed   bool
}

func newLogLimiter(log *slog.Logger) *logLimiter {
	return &logLimiter{
		log:      log,
		interval: logSummaryInterval,
		now:      time.Now,
		counts:   make(map[logKey]*logCount),
	}
}

// allow reports whether an event of kind from client is to be logged now;
// if not, it is counted for the next summary.
func (l *logLimiter) allow(kind logKind, client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := logKey{kind, client}
	c := l.counts[k]
	if c == nil && len(l.counts) >= maxLogAddresses {
		k.client = logOtherAddresses
		c = l.counts[k]
		if c == nil {
			c = &logCount{start: l.now()}
			l.counts[k] = c
		}
	}
	if c == nil {
		l.counts[k] = &logCount{start: l.now()}
		l.arm()
		return true
	}
	c.n++
	l.arm()
	return false
}

// arm starts the summary timer unless it runs; l.mu is held.
func (l *logLimiter) arm() {
	if l.armed || l.closed {
		return
	}
	l.armed = true
	if l.timer == nil {
		l.timer = time.AfterFunc(l.interval, l.tick)
		return
	}
	l.timer.Reset(l.interval)
}

func (l *logLimiter) tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = false
	l.flush(false)
	if len(l.counts) > 0 {
		l.arm()
	}
}

// flush writes a summary line for each key with events counted and starts
// its next interval; a key quiet for a whole interval is forgotten, so its
// next event is logged at once. With all set, every key is forgotten.
// l.mu is held.
func (l *logLimiter) flush(all bool) {
	now := l.now()
	for k, c := range l.counts {
		since := now.Sub(c.start)
		if c.n > 0 {
			l.log.Warn(strconv.Itoa(c.n)+logKindSummary[k.kind]+k.client+" in the last "+roughly(since),
				"client", k.client, "count", c.n)
			c.start, c.n = now, 0
			since = 0
		}
		if all || since >= l.interval {
			delete(l.counts, k)
		}
	}
}

// close writes the summaries still pending and stops the timer.
func (l *logLimiter) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed, l.armed = true, false
	if l.timer != nil {
		l.timer.Stop()
	}
	l.flush(true)
}

// roughly is d to the second, or to the millisecond below a second.
func roughly(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
