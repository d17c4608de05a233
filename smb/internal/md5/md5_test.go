package md5

import (
	stdmd5 "crypto/md5"
	"testing"
)

// TestMatchesStandardLibrary checks every length across block boundaries,
// written whole and in two pieces.
func TestMatchesStandardLibrary(t *testing.T) {
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i*7 + 3)
	}
	for n := range len(data) {
		want := stdmd5.Sum(data[:n])
		if got := Sum(data[:n]); got != want {
			t.Fatalf("md5 of %d bytes = %x, want %x", n, got, want)
		}
		if got := Sum(data[:n/3], data[n/3:n]); got != want {
			t.Fatalf("md5 of %d bytes in two writes = %x, want %x", n, got, want)
		}
	}
}

func BenchmarkWrite64K(b *testing.B) {
	buf := make([]byte, 65536)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		d := New()
		d.Write(buf)
		d.Sum()
	}
}

func BenchmarkStandardLibrary64K(b *testing.B) {
	buf := make([]byte, 65536)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		stdmd5.Sum(buf)
	}
}
