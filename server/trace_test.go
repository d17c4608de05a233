//go:build !tinysmbd_nocore

package server_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/pion/transport/v3/test"
)

// pathTrace is a slog handler that keeps the path attribute of each -v
// trace line ("smb NT_CREATE_ANDX" ...), by message.
type pathTrace struct {
	mu    sync.Mutex
	paths map[string][]string
}

func (h *pathTrace) Enabled(context.Context, slog.Level) bool { return true }
func (h *pathTrace) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "path" {
			h.mu.Lock()
			h.paths[r.Message] = append(h.paths[r.Message], a.Value.String())
			h.mu.Unlock()
		}
		return true
	})
	return nil
}
func (h *pathTrace) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *pathTrace) WithGroup(string) slog.Handler      { return h }

// TestTraceNamesPath: with Config.Trace, the trace line of an operation
// by name carries the name the client sent, and one by FID the path of
// the file it opened.
func TestTraceNamesPath(t *testing.T) {
	defer test.CheckRoutines(t)()
	g := newGateFs(t, map[string][]byte{"/a.dat": fileOf(100, 1)})
	trace := &pathTrace{paths: make(map[string][]string)}
	cfg := ioConfig(g, 0, trace)
	cfg.Trace = true
	addr, shutdown := serveUntilShutdown(t, cfg)
	s, fids := ioSession(t, addr, "a.dat")
	s.mid++
	s.send(t, readAndXRequest(s.mid, s.uid, s.tid, fids[0], 0, 100))
	s.reply(t)
	s.c.Close()
	shutdown()

	trace.mu.Lock()
	defer trace.mu.Unlock()
	for msg, want := range map[string]string{"smb NT_CREATE_ANDX": "a.dat", "smb READ_ANDX": "/a.dat"} {
		if got := trace.paths[msg]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: trace paths %q, want [%q]", msg, got, want)
		}
	}
	if got := trace.paths["smb SESSION_SETUP_ANDX"]; len(got) != 1 || got[0] != "" {
		t.Errorf("SESSION_SETUP_ANDX names no file, but its trace paths are %q", got)
	}
}
