package server

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestSectionSenderPadsShrunkFile sends a section longer than what is left
// of its file, as when another client truncates the file between the
// READ_ANDX's size check and the send: the receiver gets the file's bytes,
// then zeros up to the promised length, so the stream stays framed.
func TestSectionSenderPadsShrunkFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := newSectionSender(c)
	if s == nil {
		t.Fatal("no section sender for a TCP connection")
	}
	if err := s.send(fileSection{f: f, off: 4, n: 5000}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	want := append([]byte("456789"), make([]byte, 5000-6)...)
	if b := <-got; !bytes.Equal(b, want) {
		t.Errorf("received %d bytes (%q...), want \"456789\" and %d zeros", len(b), b[:min(len(b), 10)], 5000-6)
	}
}
