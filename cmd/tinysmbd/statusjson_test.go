package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

// statusJSON mirrors the schema of docs/status-json.md; decoding with
// DisallowUnknownFields keeps the two in step.
type statusJSON struct {
	PID           int               `json:"pid"`
	Version       string            `json:"version"`
	Config        string            `json:"config"`
	Listen        map[string]string `json:"listen"`
	Started       time.Time         `json:"started"`
	UptimeSeconds uint64            `json:"uptime_seconds"`
	Connections   []struct {
		ID       uint64     `json:"id"`
		Client   string     `json:"client"`
		Local    string     `json:"local"`
		Framing  string     `json:"framing"`
		Dialect  string     `json:"dialect"`
		Since    *time.Time `json:"since"`
		Sessions []struct {
			UID    uint16     `json:"uid"`
			User   string     `json:"user"`
			Domain string     `json:"domain"`
			Guest  bool       `json:"guest"`
			Since  *time.Time `json:"since"`
		} `json:"sessions"`
		Trees []struct {
			TID      uint16     `json:"tid"`
			UID      uint16     `json:"uid"`
			Share    string     `json:"share"`
			ReadOnly bool       `json:"read_only"`
			Since    *time.Time `json:"since"`
		} `json:"trees"`
		Files []struct {
			FID           uint16     `json:"fid"`
			TID           uint16     `json:"tid"`
			UID           uint16     `json:"uid"`
			PID           uint32     `json:"pid"`
			Share         string     `json:"share"`
			Path          string     `json:"path"`
			Access        uint32     `json:"access"`
			Directory     bool       `json:"directory"`
			DeleteOnClose bool       `json:"delete_on_close"`
			Opened        *time.Time `json:"opened"`
			Locks         []struct {
				PID       uint32 `json:"pid"`
				Offset    uint64 `json:"offset"`
				Length    uint64 `json:"length"`
				Exclusive bool   `json:"exclusive"`
			} `json:"locks"`
		} `json:"files"`
	} `json:"connections"`
}

func decodeStatusJSON(t *testing.T, b []byte) statusJSON {
	t.Helper()
	var got statusJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("status -json is not the documented JSON: %v\n%s", err, b)
	}
	return got
}

func TestWriteStatusJSON(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	writeStatusJSON(&b, testDaemonInfo, testStatus(t0), t0.Add(time.Hour))
	got := decodeStatusJSON(t, b.Bytes())
	if got.PID != 4242 || got.Version != "tinysmbd v0.1.0" || got.Config != "/etc/tinysmbd.toml" ||
		!reflect.DeepEqual(got.Listen, map[string]string{"netbt": "0.0.0.0:139", "direct": "0.0.0.0:445", "nbns": "0.0.0.0:137"}) ||
		!got.Started.Equal(t0) || got.UptimeSeconds != 3600 || len(got.Connections) != 2 {
		t.Fatalf("process fields wrong: %+v", got)
	}
	c := got.Connections[0]
	if c.ID != 3 || c.Client != "192.168.1.20:50123" || c.Dialect != "NT LM 0.12" || !c.Since.Equal(t0.Add(time.Minute)) ||
		len(c.Sessions) != 1 || c.Sessions[0].User != "alice" || c.Sessions[0].Domain != "HOME" ||
		len(c.Trees) != 1 || c.Trees[0].Share != "media" || !c.Trees[0].ReadOnly ||
		len(c.Files) != 1 || c.Files[0].FID != 7 || c.Files[0].Path != "/a.mkv" || c.Files[0].Access != 1 ||
		len(c.Files[0].Locks) != 1 || c.Files[0].Locks[0].Length != 4096 || !c.Files[0].Locks[0].Exclusive {
		t.Fatalf("first connection wrong: %+v", c)
	}
	if c := got.Connections[1]; c.Sessions == nil || len(c.Sessions) != 0 || c.Files == nil {
		t.Fatalf("a connection without logon must have empty lists, not null: %s", b.String())
	}
}

// TestStatusJSONStrings: names are whatever clients and file systems
// chose, so quotes, backslashes, control characters and bytes that are not
// UTF-8 must still give valid JSON.
func TestStatusJSONStrings(t *testing.T) {
	for _, name := range []string{`a"b`, `dir\file`, "tab\there\nnl\x00\x1f", "caf\xe9", "grüße 日本"} {
		st := server.Status{Connections: []server.ConnStatus{{ID: 1, Files: []server.FileStatus{{Path: name}}}}}
		var b bytes.Buffer
		writeStatusJSON(&b, daemonInfo{}, st, time.Now())
		got := decodeStatusJSON(t, b.Bytes())
		want := strings.ToValidUTF8(name, "\uFFFD")
		if p := got.Connections[0].Files[0].Path; p != want {
			t.Errorf("path %q came back %q", name, p)
		}
		if got.Connections[0].Since != nil {
			t.Errorf("a zero time must be null")
		}
	}
}

// TestStatusJSONDocExample decodes the example of docs/status-json.md as
// strictly as the real output, so the page and the schema cannot drift.
func TestStatusJSONDocExample(t *testing.T) {
	page, err := os.ReadFile("../../docs/status-json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(page), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/status-json.md has no json example")
	}
	got := decodeStatusJSON(t, []byte(example))
	if len(got.Connections) != 1 || len(got.Connections[0].Files) != 1 || len(got.Connections[0].Files[0].Locks) != 1 {
		t.Fatalf("the example lost its nested lists: %+v", got)
	}
}
