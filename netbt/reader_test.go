package netbt

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/iotest"
)

// frame builds one packet.
func frame(typ byte, payload []byte) []byte {
	b := make([]byte, HeaderLen, HeaderLen+len(payload))
	PutHeader(b, typ, len(payload))
	return append(b, payload...)
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

// smallStream is a few hundred bytes of assorted packets, small enough to be
// cut at every point.
func smallStream(t testing.TB) []byte {
	return bytes.Join([][]byte{
		readCapture(t, "smbclient-request-smbserver"),
		AppendKeepalive(nil),
		frame(TypeSessionMessage, pattern(100, 1)),
		AppendPositiveResponse(nil),
		frame(TypeSessionMessage, nil),
		AppendNegativeResponse(nil, CodeUnspecified),
		frame(TypeSessionMessage, pattern(37, 2)),
	}, nil)
}

type copiedFrame struct {
	typ     byte
	payload string
}

// readAll returns copies of all frames and the error that ended the stream.
func readAll(fr *FrameReader) ([]copiedFrame, error) {
	var out []copiedFrame
	for {
		f, err := fr.Next()
		if err != nil {
			return out, err
		}
		out = append(out, copiedFrame{f.Type, string(f.Payload)})
	}
}

// splitReader returns its parts in successive Reads, never joining two.
type splitReader struct {
	parts [][]byte
	reads int
}

func (r *splitReader) Read(p []byte) (int, error) {
	r.reads++
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

func checkFrames(t *testing.T, what string, got []copiedFrame, err error, want []copiedFrame) {
	t.Helper()
	if err != io.EOF {
		t.Fatalf("%s: stream ended with %v; want io.EOF", what, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames; want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: frame %d = %#x %x; want %#x %x", what, i, got[i].typ, got[i].payload, want[i].typ, want[i].payload)
		}
	}
}

func TestFrameReaderSegmentation(t *testing.T) {
	stream := smallStream(t)
	want, err := readAll(NewFrameReader(bytes.NewReader(stream), SessionService, 0))
	checkFrames(t, "whole", want, err, want)
	if len(want) != 7 || want[0].typ != TypeSessionRequest || want[2].payload != string(pattern(100, 1)) {
		t.Fatalf("unexpected reference frames %x", want)
	}

	for i := 0; i <= len(stream); i++ {
		r := &splitReader{parts: [][]byte{bytes.Clone(stream[:i]), bytes.Clone(stream[i:])}}
		got, err := readAll(NewFrameReader(r, SessionService, 0))
		checkFrames(t, "split", got, err, want)
		// Every split point at once, in two different rhythms.
		for _, j := range []int{i / 2, (i + len(stream)) / 2} {
			lo, hi := min(i, j), max(i, j)
			r := &splitReader{parts: [][]byte{stream[:lo], stream[lo:hi], stream[hi:]}}
			got, err := readAll(NewFrameReader(r, SessionService, 0))
			checkFrames(t, "three-way split", got, err, want)
		}
	}

	readers := map[string]func(io.Reader) io.Reader{
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for name, wrap := range readers {
		got, err := readAll(NewFrameReader(wrap(bytes.NewReader(stream)), SessionService, 0))
		checkFrames(t, name, got, err, want)
	}
}

func TestFrameReaderLargeFrames(t *testing.T) {
	tests := []struct {
		mode Mode
		max  int
		n    int
	}{
		{SessionService, 0, MaxSessionLength},
		{SessionService, 70000, 70000},
		{DirectTCP, 0x30000, 0x20001},
	}
	for _, tt := range tests {
		stream := bytes.Join([][]byte{
			frame(TypeSessionMessage, pattern(10, 3)),
			frame(TypeSessionMessage, pattern(tt.n, 4)),
			frame(TypeSessionMessage, pattern(tt.n/3, 5)),
			frame(TypeSessionMessage, pattern(10, 6)),
		}, nil)
		want, err := readAll(NewFrameReader(bytes.NewReader(stream), tt.mode, tt.max))
		checkFrames(t, "whole", want, err, want)
		if len(want) != 4 || len(want[1].payload) != tt.n {
			t.Fatalf("%v %d: unexpected frames", tt.mode, tt.n)
		}
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"one byte": iotest.OneByteReader,
			"half":     iotest.HalfReader,
			"data+EOF": iotest.DataErrReader,
		} {
			fr := NewFrameReader(wrap(bytes.NewReader(stream)), tt.mode, tt.max)
			got, err := readAll(fr)
			checkFrames(t, name, got, err, want)
			if limit := min(2*(HeaderLen+tt.n), fr.max+HeaderLen); len(fr.buf) > limit {
				t.Errorf("%v: buffer grew to %d for a %d-byte frame", tt.mode, len(fr.buf), tt.n)
			}
		}
		for _, cut := range []int{1, 3, 4, 13, 14, 15, 8191, 8192, 8193, 20000, len(stream) - 11, len(stream) - 14} {
			r := &splitReader{parts: [][]byte{stream[:cut], stream[cut:]}}
			got, err := readAll(NewFrameReader(r, tt.mode, tt.max))
			checkFrames(t, "split", got, err, want)
		}
	}
}

func TestFrameReaderBulkReads(t *testing.T) {
	var stream []byte
	for i := range 20 {
		stream = append(stream, frame(TypeSessionMessage, pattern(100, byte(i)))...)
	}
	r := &splitReader{parts: [][]byte{stream}}
	fr := NewFrameReader(r, SessionService, 0)
	for i := range 20 {
		f, err := fr.Next()
		if err != nil || len(f.Payload) != 100 || f.Payload[0] != byte(i) {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got, want := fr.Buffered(), (19-i)*104; got != want {
			t.Fatalf("after frame %d Buffered() = %d; want %d", i, got, want)
		}
	}
	if r.reads != 1 {
		t.Errorf("20 frames took %d Reads; want 1", r.reads)
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Errorf("Next at end = %v; want io.EOF", err)
	}
}

// TestFrameReaderReady checks that Ready is true exactly when Next would
// not read: two whole frames and half a third arrive in one read.
func TestFrameReaderReady(t *testing.T) {
	first := frame(TypeSessionMessage, pattern(100, 1))
	second := frame(TypeSessionMessage, pattern(100, 2))
	third := frame(TypeSessionMessage, pattern(100, 3))
	r := &splitReader{parts: [][]byte{
		append(append(append([]byte{}, first...), second...), third[:2]...), // cut inside the header
		third[2:50], // header complete, payload not
		third[50:],
	}}
	fr := NewFrameReader(r, SessionService, 0)
	if fr.Ready() {
		t.Fatal("Ready before any read")
	}
	for i, want := range []bool{true, false} {
		if _, err := fr.Next(); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
		if got := fr.Ready(); got != want {
			t.Fatalf("after frame %d Ready() = %v; want %v", i+1, got, want)
		}
	}
	if f, err := fr.Next(); err != nil || f.Payload[0] != 3 {
		t.Fatalf("frame 3: %v", err)
	}
	if fr.Ready() {
		t.Fatal("Ready with nothing buffered")
	}

	bad := NewFrameReader(&splitReader{parts: [][]byte{append(append([]byte{}, first...), 0x42, 0, 0, 1)}}, SessionService, 0)
	if _, err := bad.Next(); err != nil {
		t.Fatal(err)
	}
	if !bad.Ready() {
		t.Error("Ready() = false before a header Next rejects without reading")
	}
}

func TestFrameReaderPayloadCapacity(t *testing.T) {
	stream := append(frame(TypeSessionMessage, []byte("first")), frame(TypeSessionMessage, []byte("second"))...)
	fr := NewFrameReader(bytes.NewReader(stream), SessionService, 0)
	f, err := fr.Next()
	if err != nil {
		t.Fatal(err)
	}
	_ = append(f.Payload, "XXXXXXXXXX"...) // must not scribble over the next frame
	f, err = fr.Next()
	if err != nil || string(f.Payload) != "second" {
		t.Fatalf("second frame = %q, %v", f.Payload, err)
	}
}

func TestFrameReaderTooLarge(t *testing.T) {
	tests := []struct {
		name   string
		mode   Mode
		max    int
		header []byte
	}{
		{"session limit", SessionService, 1000, []byte{0, 0, 0x03, 0xE9}},
		{"session E bit", SessionService, 0xFFFF, []byte{0, 1, 0, 0}},
		{"direct limit", DirectTCP, 1 << 20, []byte{0, 0x10, 0, 1}},
		{"direct 16M", DirectTCP, MaxDirectLength - 1, []byte{0, 0xFF, 0xFF, 0xFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &splitReader{parts: [][]byte{bytes.Clone(tt.header), make([]byte, 100)}}
			fr := NewFrameReader(r, tt.mode, tt.max)
			if _, err := fr.Next(); err != ErrFrameTooLarge {
				t.Fatalf("Next = %v; want ErrFrameTooLarge", err)
			}
			if len(fr.buf) > initialBufSize || r.reads != 1 {
				t.Errorf("buffer %d bytes after %d Reads; want <= %d after 1", len(fr.buf), r.reads, initialBufSize)
			}
			if _, err := fr.Next(); err != ErrFrameTooLarge {
				t.Errorf("second Next = %v; want sticky ErrFrameTooLarge", err)
			}
		})
	}
}

// TestFrameReaderSetMaxLength lowers the limit for one frame and raises it
// for the next, as a server does around authentication: a frame the lower
// limit refuses is refused on its header alone.
func TestFrameReaderSetMaxLength(t *testing.T) {
	small, big := pattern(100, 1), pattern(3000, 2)
	fr := NewFrameReader(bytes.NewReader(append(frame(TypeSessionMessage, small), frame(TypeSessionMessage, big)...)), SessionService, 0)
	fr.SetMaxLength(1000)
	if f, err := fr.Next(); err != nil || !bytes.Equal(f.Payload, small) {
		t.Fatalf("Next = %v, %v; want the 100-byte frame", len(f.Payload), err)
	}
	fr.SetMaxLength(0) // back to the mode's maximum
	if f, err := fr.Next(); err != nil || !bytes.Equal(f.Payload, big) {
		t.Fatalf("Next = %v, %v; want the 3000-byte frame", len(f.Payload), err)
	}

	r := &splitReader{parts: [][]byte{{0, 0, 0x0B, 0xB8}, make([]byte, 100)}}
	fr = NewFrameReader(r, SessionService, 0)
	fr.SetMaxLength(1000)
	if _, err := fr.Next(); err != ErrFrameTooLarge {
		t.Fatalf("Next = %v; want ErrFrameTooLarge", err)
	}
	if len(fr.buf) > initialBufSize || r.reads != 1 {
		t.Errorf("buffer %d bytes after %d Reads; want <= %d after 1", len(fr.buf), r.reads, initialBufSize)
	}
}

// TestFrameReaderLoris sends headers announcing the largest frame and then
// only a trickle: the buffer must track what arrived, not what was promised.
func TestFrameReaderLoris(t *testing.T) {
	r := &splitReader{parts: [][]byte{{0, 1, 0xFF, 0xFF}, make([]byte, 10)}}
	fr := NewFrameReader(r, SessionService, 0)
	if _, err := fr.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("Next = %v; want io.ErrUnexpectedEOF", err)
	}
	if len(fr.buf) != initialBufSize {
		t.Errorf("buffer grew to %d on a bare header", len(fr.buf))
	}

	r = &splitReader{parts: [][]byte{{0, 1, 0xFF, 0xFF}, make([]byte, 20000)}}
	fr = NewFrameReader(r, SessionService, 0)
	if _, err := fr.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("Next = %v; want io.ErrUnexpectedEOF", err)
	}
	if len(fr.buf) > 2*(20000+HeaderLen) {
		t.Errorf("buffer grew to %d after 20004 bytes", len(fr.buf))
	}
}

func TestFrameReaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		mode   Mode
		stream []byte
		frames int
		err    error
	}{
		{"empty", SessionService, nil, 0, io.EOF},
		{"partial header", SessionService, []byte{0, 0}, 0, io.ErrUnexpectedEOF},
		{"partial payload", SessionService, []byte{0, 0, 0, 5, 1, 2}, 0, io.ErrUnexpectedEOF},
		{"after frame", SessionService, []byte{0x85, 0, 0, 0, 0}, 1, io.ErrUnexpectedEOF},
		{"bad flags", SessionService, []byte{0, 0x02, 0, 0}, 0, ErrBadHeader},
		{"bad type", SessionService, []byte("GET / HTTP/1.0\r\n\r\n"), 0, ErrBadHeader},
		{"bad type after frame", SessionService, []byte{0x85, 0, 0, 0, 0x86, 0, 0, 0}, 1, ErrBadHeader},
		{"direct request", DirectTCP, readCapture(t, "smbclient-request-ip"), 0, ErrBadHeader},
		{"direct ok", DirectTCP, []byte{0, 0, 0, 1, 0xFF}, 1, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, wrap := range map[string]func(io.Reader) io.Reader{
				"bulk":     func(r io.Reader) io.Reader { return r },
				"one byte": iotest.OneByteReader,
				"data+EOF": iotest.DataErrReader,
			} {
				fr := NewFrameReader(wrap(bytes.NewReader(tt.stream)), tt.mode, 0)
				got, err := readAll(fr)
				if len(got) != tt.frames || err != tt.err {
					t.Errorf("%s: %d frames, %v; want %d, %v", name, len(got), err, tt.frames, tt.err)
				}
				if _, again := fr.Next(); again != err {
					t.Errorf("%s: Next after %v = %v", name, err, again)
				}
			}
		})
	}
}

type step struct {
	data []byte
	err  error
}

// stepReader plays back Read results.
type stepReader struct{ steps []step }

func (r *stepReader) Read(p []byte) (int, error) {
	if len(r.steps) == 0 {
		return 0, io.EOF
	}
	s := &r.steps[0]
	n := copy(p, s.data)
	s.data = s.data[n:]
	if len(s.data) > 0 {
		return n, nil
	}
	r.steps = r.steps[1:]
	return n, s.err
}

func TestFrameReaderReadErrors(t *testing.T) {
	errTimeout := errors.New("timeout")
	msg := frame(TypeSessionMessage, []byte("hello"))

	// An error mid-frame is reported, and the next call resumes the frame.
	fr := NewFrameReader(&stepReader{steps: []step{
		{msg[:6], errTimeout},
		{msg[6:], nil},
	}}, SessionService, 0)
	if _, err := fr.Next(); err != errTimeout {
		t.Fatalf("Next = %v; want %v", err, errTimeout)
	}
	if f, err := fr.Next(); err != nil || string(f.Payload) != "hello" {
		t.Fatalf("resumed Next = %q, %v", f.Payload, err)
	}

	// An error arriving with the end of a frame waits until the next call.
	fr = NewFrameReader(&stepReader{steps: []step{
		{msg, errTimeout},
		{msg, nil},
	}}, SessionService, 0)
	if f, err := fr.Next(); err != nil || string(f.Payload) != "hello" {
		t.Fatalf("Next = %q, %v", f.Payload, err)
	}
	if _, err := fr.Next(); err != errTimeout {
		t.Fatalf("Next = %v; want deferred %v", err, errTimeout)
	}
	if f, err := fr.Next(); err != nil || string(f.Payload) != "hello" {
		t.Fatalf("Next after deferred error = %q, %v", f.Payload, err)
	}

	// A reader that never makes progress.
	fr = NewFrameReader(&stepReader{steps: make([]step, maxEmptyReads)}, SessionService, 0)
	if _, err := fr.Next(); err != io.ErrNoProgress {
		t.Fatalf("Next = %v; want io.ErrNoProgress", err)
	}
}

func TestFrameReaderReset(t *testing.T) {
	fr := NewFrameReader(bytes.NewReader([]byte{0x86, 0, 0, 0}), SessionService, 0)
	if _, err := fr.Next(); err != ErrBadHeader {
		t.Fatalf("Next = %v", err)
	}
	buf := fr.buf
	fr.Reset(bytes.NewReader(AppendKeepalive(nil)))
	if f, err := fr.Next(); err != nil || f.Type != TypeKeepalive {
		t.Fatalf("Next after Reset = %+v, %v", f, err)
	}
	if &fr.buf[0] != &buf[0] {
		t.Error("Reset dropped the buffer")
	}
}

// replayReader serves data over and over, as much as fits in each Read.
type replayReader struct {
	data []byte
	off  int
}

func (r *replayReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

func TestFrameReaderNoAlloc(t *testing.T) {
	for _, size := range []int{0, 60, 3000, 61440} {
		stream := bytes.Join([][]byte{
			frame(TypeSessionMessage, pattern(size, 1)),
			AppendKeepalive(nil),
			frame(TypeSessionMessage, pattern(size/2+1, 2)),
		}, nil)
		fr := NewFrameReader(&replayReader{data: stream}, SessionService, 0)
		for range 100 {
			if _, err := fr.Next(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := fr.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d-byte frames: Next allocates %v times; want 0", size, allocs)
		}
	}
}

func BenchmarkFrameReader(b *testing.B) {
	for _, bm := range []struct {
		name string
		size int
	}{
		{"echo", 40},
		{"read-request", 59},
		{"write-64k", 65536 + 64},
	} {
		b.Run(bm.name, func(b *testing.B) {
			f := frame(TypeSessionMessage, pattern(bm.size, 1))
			stream := bytes.Repeat(f, max(1, 1<<16/len(f)))
			fr := NewFrameReader(&replayReader{data: stream}, SessionService, 0)
			if _, err := fr.Next(); err != nil { // grow the buffer outside the measurement
				b.Fatal(err)
			}
			b.SetBytes(int64(len(f)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fr.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(smallStream(f), uint8(0), false)
	f.Add(smallStream(f), uint8(7), false)
	f.Add(readCapture(f, "smbclient-request-ip"), uint8(3), true)
	f.Add([]byte{0, 0, 0, 2, 1, 2, 0, 1, 0, 0}, uint8(1), true)
	f.Add([]byte{0, 0, 0x10, 1}, uint8(0), false)
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8, direct bool) {
		mode := SessionService
		if direct {
			mode = DirectTCP
		}
		const max = 1 << 12
		want, wantErr := readAll(NewFrameReader(bytes.NewReader(stream), mode, max))

		var parts [][]byte
		for s := stream; len(s) > 0; {
			n := min(len(s), int(chunk)+1)
			parts = append(parts, s[:n])
			s = s[n:]
		}
		got, err := readAll(NewFrameReader(&splitReader{parts: slices.Clone(parts)}, mode, max))
		if err != wantErr || len(got) != len(want) {
			t.Fatalf("chunks of %d: %d frames, %v; bulk: %d frames, %v", int(chunk)+1, len(got), err, len(want), wantErr)
		}
		// Swapping in a buffer of chunk bytes after every frame changes
		// nothing either.
		fr := NewFrameReader(&splitReader{parts: parts}, mode, max)
		for i := 0; ; i++ {
			f, err := fr.Next()
			if err != nil {
				if err != wantErr || i != len(want) {
					t.Fatalf("with Swap: %d frames, %v; bulk: %d frames, %v", i, err, len(want), wantErr)
				}
				break
			}
			if i >= len(want) || f.Type != want[i].typ || string(f.Payload) != want[i].payload {
				t.Fatalf("with Swap: frame %d differs", i)
			}
			fr.Swap(make([]byte, chunk))
		}
		var again []byte
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("frame %d differs between chunked and bulk reads", i)
			}
			again = append(again, frame(got[i].typ, []byte(got[i].payload))...)
		}
		// Re-encoding the frames reproduces the stream they came from.
		if !bytes.HasPrefix(stream, again) {
			t.Fatalf("re-encoded frames are not a prefix of the stream")
		}
		if wantErr == io.EOF && len(again) != len(stream) {
			t.Fatalf("clean EOF after %d of %d bytes", len(again), len(stream))
		}
	})
}

// TestFrameReaderSwap checks that a swapped-out buffer keeps the last
// payload intact while the reader goes on in the new one, with the frames
// read beyond it moved over, for each kind of buffer handed in.
func TestFrameReaderSwap(t *testing.T) {
	frames := [][]byte{pattern(3000, 1), pattern(10, 2), pattern(5000, 3), pattern(20000, 4)}
	var stream []byte
	for _, p := range frames {
		stream = append(stream, frame(TypeSessionMessage, p)...)
	}
	for name, spare := range map[string]func() []byte{
		"nil":   func() []byte { return nil },
		"empty": func() []byte { return []byte{} },
		"short": func() []byte { return make([]byte, 5) },
		"big":   func() []byte { return make([]byte, 64<<10) },
	} {
		for _, cut := range []int{len(stream), 3010, 4000} {
			r := &splitReader{parts: [][]byte{stream[:cut], stream[cut:]}}
			fr := NewFrameReader(r, SessionService, 0)
			var kept [][]byte
			for i, want := range frames {
				f, err := fr.Next()
				if err != nil {
					t.Fatalf("%s, cut %d: frame %d: %v", name, cut, i, err)
				}
				if !bytes.Equal(f.Payload, want) {
					t.Fatalf("%s, cut %d: frame %d differs", name, cut, i)
				}
				old := fr.Swap(spare())
				if len(old) == 0 {
					t.Fatalf("%s: Swap returned no buffer", name)
				}
				kept = append(kept, f.Payload)
			}
			if _, err := fr.Next(); err != io.EOF {
				t.Fatalf("%s, cut %d: Next at end = %v; want io.EOF", name, cut, err)
			}
			for i, p := range kept {
				if !bytes.Equal(p, frames[i]) {
					t.Errorf("%s, cut %d: payload %d changed after Swap", name, cut, i)
				}
			}
		}
	}
}

// TestFrameReaderSwapNoAlloc: swapping two buffers back and forth, as a
// server with a buffer pool does, allocates nothing.
func TestFrameReaderSwapNoAlloc(t *testing.T) {
	stream := frame(TypeSessionMessage, pattern(61440, 1))
	fr := NewFrameReader(&replayReader{data: stream}, SessionService, 0)
	spare := make([]byte, 128<<10)
	for range 10 {
		if _, err := fr.Next(); err != nil {
			t.Fatal(err)
		}
		spare = fr.Swap(spare)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := fr.Next(); err != nil {
			t.Fatal(err)
		}
		spare = fr.Swap(spare)
	})
	if allocs != 0 {
		t.Errorf("Next and Swap allocate %v times; want 0", allocs)
	}
}
