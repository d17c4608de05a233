package vfs

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/spf13/afero"
)

func TestFileTime(t *testing.T) {
	tests := []struct {
		t  time.Time
		ft uint64
	}{
		{time.Time{}, 0},
		{time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), 1},
		{time.Unix(0, 0), 116444736000000000},
		// 2009-02-13 23:31:30 UTC, Unix 1234567890.
		{time.Unix(1234567890, 123456700), 128790414901234567},
		{time.Date(1600, 12, 31, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(40000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
	}
	for _, tt := range tests {
		if got := FileTime(tt.t); got != tt.ft {
			t.Errorf("FileTime(%v) = %d, want %d", tt.t, got, tt.ft)
		}
	}
	// Round trip at 100 ns resolution.
	for _, tm := range []time.Time{
		time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999900, time.UTC),
		time.Unix(0, 0).UTC(),
		time.Date(2026, 11, 25, 13, 14, 15, 123456700, time.UTC),
		time.Date(30827, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got := TimeFromFileTime(FileTime(tm)); !got.Equal(tm) {
			t.Errorf("round trip %v -> %d -> %v", tm, FileTime(tm), got)
		}
	}
	for _, ft := range []uint64{0, math.MaxUint64, math.MaxUint64 - 1, 1 << 63} {
		if got := TimeFromFileTime(ft); !got.IsZero() {
			t.Errorf("TimeFromFileTime(%#x) = %v, want zero", ft, got)
		}
	}
	if ft := uint64(132000000000000000); FileTime(TimeFromFileTime(ft)) != ft {
		t.Errorf("FILETIME %d does not round trip", ft)
	}
}

func TestDOSDateTime(t *testing.T) {
	tm := time.Date(2026, 11, 25, 13, 14, 15, 0, time.UTC)
	d, c := DOSDateTime(tm)
	if d != (2026-1980)<<9|11<<5|25 || c != 13<<11|14<<5|7 {
		t.Errorf("DOSDateTime = %#x, %#x", d, c)
	}
	if got := TimeFromDOSDateTime(d, c, nil); !got.Equal(tm.Add(-time.Second)) {
		t.Errorf("TimeFromDOSDateTime = %v", got)
	}
	loc := time.FixedZone("X", 3600)
	if got := TimeFromDOSDateTime(d, c, loc); got.Location() != loc || got.Hour() != 13 {
		t.Errorf("TimeFromDOSDateTime in zone = %v", got)
	}
	if d, c := DOSDateTime(time.Date(1979, 12, 31, 0, 0, 0, 0, time.UTC)); d != 0 || c != 0 {
		t.Errorf("pre-1980 = %#x, %#x", d, c)
	}
	if d, c := DOSDateTime(time.Time{}); d != 0 || c != 0 {
		t.Errorf("zero = %#x, %#x", d, c)
	}
	d, c = DOSDateTime(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	if got := TimeFromDOSDateTime(d, c, nil); !got.Equal(time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)) {
		t.Errorf("clamped = %v", got)
	}
	if !TimeFromDOSDateTime(0, 0, nil).IsZero() {
		t.Error("0, 0 is not the zero Time")
	}
}

func TestUTime(t *testing.T) {
	tm := time.Unix(1234567890, 0)
	if got := UTime(tm.UTC()); got != 1234567890 {
		t.Errorf("UTime(UTC) = %d", got)
	}
	east := time.FixedZone("E", 2*3600)
	if got := UTime(tm.In(east)); got != 1234567890+7200 {
		t.Errorf("UTime(+2h) = %d", got)
	}
	if got := TimeFromUTime(1234567890+7200, east); !got.Equal(tm) {
		t.Errorf("TimeFromUTime(+2h) = %v, want %v", got, tm)
	}
	if got := TimeFromUTime(1234567890, nil); !got.Equal(tm) {
		t.Errorf("TimeFromUTime = %v", got)
	}
	if UTime(time.Time{}) != 0 || UTime(time.Unix(-5, 0).UTC()) != 0 {
		t.Error("zero or pre-1970 time not 0")
	}
	if UTime(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)) != math.MaxUint32-1 {
		t.Error("far future not clamped")
	}
	if !TimeFromUTime(0, nil).IsZero() || !TimeFromUTime(math.MaxUint32, nil).IsZero() {
		t.Error("0 or 0xFFFFFFFF is not the zero Time")
	}
}

func TestAttributes(t *testing.T) {
	mem := afero.NewMemMapFs()
	mem.Mkdir("/dir", 0o755)
	mem.Mkdir("/.hid", 0o755)
	afero.WriteFile(mem, "/f", []byte("x"), 0o644)
	afero.WriteFile(mem, "/ro", []byte("x"), 0o444)
	afero.WriteFile(mem, "/.dot", []byte("x"), 0o644)
	tests := []struct {
		name string
		want uint32
	}{
		{"/dir", AttrDirectory},
		{"/.hid", AttrDirectory | AttrHidden},
		{"/f", AttrArchive},
		{"/ro", AttrArchive | AttrReadonly},
		{"/.dot", AttrArchive | AttrHidden},
	}
	for _, tt := range tests {
		fi, err := mem.Stat(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := Attributes(fi); got != tt.want {
			t.Errorf("Attributes(%s) = %#x, want %#x", tt.name, got, tt.want)
		}
	}
	fi, _ := mem.Stat("/dir")
	if EndOfFile(fi) != 0 || FileAllocationSize(fi) != 0 {
		t.Error("a directory has a size")
	}
	if e := (Entry{Name: "..", Info: fi}); e.Attributes() != AttrDirectory {
		t.Errorf(".. entry attributes = %#x", e.Attributes())
	}
	if LinkCount(fi) != 1 {
		t.Errorf("LinkCount = %d", LinkCount(fi))
	}
	if a, b := FileIndex(fi, "/dir"), FileIndex(fi, "/DIR"); a != b || a == FileIndex(fi, "/other") {
		t.Errorf("FileIndex not stable per name: %x %x", a, b)
	}
	fi, _ = mem.Stat("/f")
	if EndOfFile(fi) != 1 || FileAllocationSize(fi) != 4096 {
		t.Errorf("EndOfFile %d, FileAllocationSize %d", EndOfFile(fi), FileAllocationSize(fi))
	}
	ft := FileTimes(fi)
	if !ft.Write.Equal(fi.ModTime()) || ft.Creation.After(ft.Write) {
		t.Errorf("FileTimes = %+v", ft)
	}
}

func TestAttributesOS(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/f"
	if err := os.WriteFile(p, make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Link(p, dir+"/g")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := FileAllocationSize(fi); got < 0 || got > 1<<20 {
		t.Errorf("FileAllocationSize = %d", got)
	}
	if ino, ok := sysInode(fi); ok && FileIndex(fi, "/x") != ino {
		t.Error("FileIndex is not the inode")
	}
	if _, ok := sysNlink(fi); ok && LinkCount(fi) != 2 {
		t.Errorf("LinkCount = %d, want 2", LinkCount(fi))
	}
	ft := FileTimes(fi)
	if ft.Access.IsZero() || ft.Change.IsZero() || ft.Creation.After(ft.Write) {
		t.Errorf("FileTimes = %+v", ft)
	}
}

func TestAllocationSize(t *testing.T) {
	for in, want := range map[int64]int64{
		-1: 0, 0: 0, 1: 4096, 4095: 4096, 4096: 4096, 4097: 8192,
		math.MaxInt64: math.MaxInt64,
	} {
		if got := AllocationSize(in); got != want {
			t.Errorf("AllocationSize(%d) = %d, want %d", in, got, want)
		}
	}
}
