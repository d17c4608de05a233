package server

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeLogLimiter is a logLimiter on a clock the test moves, writing to a
// buffer; its timer is never due within a test.
func fakeLogLimiter() (*logLimiter, *time.Time, *bytes.Buffer) {
	buf := new(bytes.Buffer)
	l := newLogLimiter(slog.New(slog.NewTextHandler(buf, nil)))
	l.interval = time.Minute
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	return l, &now, buf
}

func (l *logLimiter) testFlush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flush(false)
}

// TestLogLimiterSummarises: the first event of a kind from an address is
// logged at once, the rest of the interval summarised in one line with
// their count; other addresses and kinds count apart; an address quiet for
// an interval is logged at once again.
func TestLogLimiterSummarises(t *testing.T) {
	l, now, buf := fakeLogLimiter()
	defer l.close()
	if !l.allow(logRefused, "10.0.0.7") {
		t.Fatal("first refusal from 10.0.0.7 not logged at once")
	}
	for range 2341 {
		if l.allow(logRefused, "10.0.0.7") {
			t.Fatal("a second refusal within the interval was logged at once")
		}
	}
	if !l.allow(logRefused, "10.0.0.8") || !l.allow(logLogonFailed, "10.0.0.7") {
		t.Fatal("another address or kind was not logged at once")
	}
	*now = now.Add(time.Minute)
	l.testFlush()
	out := buf.String()
	if want := "2341 connections refused from 10.0.0.7 in the last 1m0s"; !strings.Contains(out, want) || strings.Count(out, "\n") != 1 {
		t.Fatalf("summary:\n%s\nwant one line with %q", out, want)
	}
	// A flood that goes on gets one line per interval.
	buf.Reset()
	for range 10 {
		if l.allow(logRefused, "10.0.0.7") {
			t.Fatal("a refusal in the interval after a summary was logged at once")
		}
	}
	*now = now.Add(time.Minute)
	l.testFlush()
	if out := buf.String(); !strings.Contains(out, "10 connections refused from 10.0.0.7 in the last 1m0s") || strings.Count(out, "\n") != 1 {
		t.Fatalf("second summary:\n%s", out)
	}
	buf.Reset()
	*now = now.Add(time.Minute)
	l.testFlush()
	if buf.Len() != 0 {
		t.Fatalf("a quiet interval wrote:\n%s", buf)
	}
	if !l.allow(logRefused, "10.0.0.7") {
		t.Fatal("a refusal after a quiet interval was not logged at once")
	}
}

// TestLogLimiterBounded: past maxLogAddresses keys, new addresses are
// counted together and summarised as logOtherAddresses.
func TestLogLimiterBounded(t *testing.T) {
	l, _, buf := fakeLogLimiter()
	for i := range maxLogAddresses {
		l.allow(logRefused, "10.1."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256))
	}
	for i := range 100 {
		if l.allow(logRefused, "10.2.0."+strconv.Itoa(i)) {
			t.Fatal("an address past the table's bound was logged at once")
		}
	}
	if len(l.counts) > maxLogAddresses+1 {
		t.Fatalf("%d keys counted, want at most %d", len(l.counts), maxLogAddresses+1)
	}
	l.close()
	if out := buf.String(); !strings.Contains(out, "100 connections refused from other addresses") {
		t.Fatalf("no summary of the other addresses:\n%s", tailLines(out, 5))
	}
	if l.allow(logRefused, "10.3.0.1"); l.armed {
		t.Fatal("a closed limiter armed its timer")
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
