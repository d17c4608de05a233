package vfs

import (
	"hash/fnv"
	"math"
	"os"
	"strings"
	"time"
)

// File attributes (MS-FSCC 2.6), as SMB_EXT_FILE_ATTR and, in their low
// byte, SMB_FILE_ATTRIBUTES (MS-CIFS 2.2.1.2.4).
const (
	AttrReadonly  uint32 = 0x0001
	AttrHidden    uint32 = 0x0002
	AttrSystem    uint32 = 0x0004
	AttrVolume    uint32 = 0x0008
	AttrDirectory uint32 = 0x0010
	AttrArchive   uint32 = 0x0020
	AttrNormal    uint32 = 0x0080
)

// Attributes derives the attributes Windows would report for fi: DIRECTORY
// for a directory; ARCHIVE for anything else, since a Unix file has no
// archive bit and Windows sets it on every file written; READONLY for a
// non-directory whose owner-write bit is clear (Windows ignores READONLY on
// directories); HIDDEN for a name starting with '.', as Samba's default
// "hide dot files" does. NORMAL is reported only when no other bit is set.
func Attributes(fi os.FileInfo) uint32 { return attributes(fi, fi.Name()) }

func attributes(fi os.FileInfo, name string) uint32 {
	var a uint32
	// Attributes a client set are reported as it set them (dosattr.go).
	ai, stored := fi.(attrInfo)
	if stored {
		a = ai.attrs & storedAttrs
	}
	if fi.IsDir() {
		a |= AttrDirectory
	} else {
		if !stored {
			a |= AttrArchive
		}
		if fi.Mode().Perm()&0o200 == 0 {
			a |= AttrReadonly
		}
	}
	if len(name) > 1 && name[0] == '.' && name != ".." {
		a |= AttrHidden
	}
	if a == 0 {
		a = AttrNormal
	}
	return a
}

// EndOfFile returns the size SMB reports for fi: 0 for a directory (Windows
// does, and MemMapFs would otherwise say 42), the byte size for a file.
func EndOfFile(fi os.FileInfo) int64 {
	if fi.IsDir() {
		return 0
	}
	return fi.Size()
}

// allocationUnit is the cluster size AllocationSize rounds to.
const allocationUnit = 4096

// AllocationSize rounds size up to a whole number of 4096-byte clusters,
// the allocation an NTFS volume would report.
func AllocationSize(size int64) int64 {
	if size <= 0 {
		return 0
	}
	if size > math.MaxInt64-allocationUnit {
		return size
	}
	return (size + allocationUnit - 1) &^ (allocationUnit - 1)
}

// FileAllocationSize returns the bytes allocated to fi: 0 for a directory,
// as Samba reports, st_blocks*512 where the operating system says, and
// AllocationSize of the size otherwise.
func FileAllocationSize(fi os.FileInfo) int64 {
	if fi.IsDir() {
		return 0
	}
	if b, ok := sysBlocks(fi); ok {
		return b
	}
	return AllocationSize(fi.Size())
}

// FileIndex returns a number that identifies the file (the IndexNumber of
// MS-FSCC 2.4.20): the inode where the operating system provides one, else
// a 64-bit FNV-1a hash of the lower-cased share path p, stable for as long
// as the file keeps its name in any spelling.
func FileIndex(fi os.FileInfo, p string) uint64 {
	if ino, ok := sysInode(fi); ok {
		return ino
	}
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(p)))
	return h.Sum64()
}

// LinkCount returns the number of hard links to fi, never 0: clients read
// 0 (NumberOfLinks, MS-FSCC 2.4.41) as a file being deleted. A directory
// has one, as on NTFS and in Samba: the Unix count includes its
// subdirectories' "..".
func LinkCount(fi os.FileInfo) uint32 {
	if fi.IsDir() {
		return 1
	}
	if n, ok := sysNlink(fi); ok && n > 0 {
		if n > math.MaxUint32 {
			return math.MaxUint32
		}
		return uint32(n)
	}
	return 1
}

// Times holds the four times SMB reports for a file.
type Times struct {
	Creation, Access, Write, Change time.Time
}

// FileTimes returns the times of fi. Write is the modification time. Where
// the operating system's stat record is available, Access and Change come
// from it; otherwise they equal Write. Unix keeps no birth time in stat, so
// Creation is the earlier of Write and Change, the estimate Samba uses.
func FileTimes(fi os.FileInfo) Times {
	t := Times{Write: fi.ModTime()}
	t.Access, t.Change = t.Write, t.Write
	if a, c, ok := sysTimes(fi); ok {
		t.Access, t.Change = a, c
	}
	t.Creation = t.Write
	if t.Change.Before(t.Creation) {
		t.Creation = t.Change
	}
	return t
}

// FILETIME (MS-DTYP 2.3.3) counts 100 ns intervals since 1601-01-01 UTC.
const (
	unixToFileTimeSec = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	ticksPerSecond    = 10_000_000
	maxFileTime       = math.MaxInt64
)

// FileTime converts t to a FILETIME. The zero Time and times before 1601
// give 0 ("no time"); times past the largest signed FILETIME are clamped.
func FileTime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	if s < -unixToFileTimeSec {
		return 0
	}
	if s > maxFileTime/ticksPerSecond-unixToFileTimeSec-1 {
		return maxFileTime
	}
	return uint64(s+unixToFileTimeSec)*ticksPerSecond + uint64(t.Nanosecond()/100)
}

// TimeFromFileTime converts a FILETIME to a UTC time. 0 and values with the
// top bit set (0xFFFFFFFFFFFFFFFF and 0xFFFFFFFFFFFFFFFE are "leave
// unchanged" and "stop updating" in set-information requests) give the zero
// Time, which callers treat as "no change".
func TimeFromFileTime(ft uint64) time.Time {
	if ft == 0 || ft > maxFileTime {
		return time.Time{}
	}
	sec := int64(ft/ticksPerSecond) - unixToFileTimeSec
	return time.Unix(sec, int64(ft%ticksPerSecond)*100).UTC()
}

// DOSDateTime encodes t as SMB_DATE and SMB_TIME (MS-CIFS 2.2.1.4.1): the
// year since 1980, month and day; the hour, minute and seconds/2. The fields
// are t's wall clock, so pass t.In(zone) for the server's local time, which
// is what Windows sends. The zero Time and dates before 1980 give 0, 0;
// dates after 2107 are clamped to 2107-12-31 23:59:58.
func DOSDateTime(t time.Time) (date, tm uint16) {
	y := t.Year()
	switch {
	case t.IsZero() || y < 1980:
		return 0, 0
	case y > 2107:
		return 127<<9 | 12<<5 | 31, 23<<11 | 59<<5 | 29
	}
	date = uint16((y-1980)<<9 | int(t.Month())<<5 | t.Day())
	tm = uint16(t.Hour()<<11 | t.Minute()<<5 | t.Second()/2)
	return date, tm
}

// TimeFromDOSDateTime decodes SMB_DATE and SMB_TIME as a wall clock in loc
// (UTC when nil). 0, 0 gives the zero Time; out-of-range fields are
// normalised as time.Date does.
func TimeFromDOSDateTime(date, tm uint16, loc *time.Location) time.Time {
	if date == 0 && tm == 0 {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(1980+int(date>>9), time.Month(date>>5&0xF), int(date&0x1F),
		int(tm>>11), int(tm>>5&0x3F), int(tm&0x1F)*2, 0, loc)
}

// UTime encodes t as a UTIME (MS-CIFS 2.2.1.4.3), seconds since 1970-01-01,
// counted on t's wall clock: pass t.In(zone) for the local time Windows and
// Samba send in QUERY_INFORMATION, t.UTC() for plain Unix time. The zero
// Time gives 0; the result is clamped to [0, 0xFFFFFFFE].
func UTime(t time.Time) uint32 {
	if t.IsZero() {
		return 0
	}
	_, off := t.Zone()
	s := t.Unix() + int64(off)
	switch {
	case s < 0:
		return 0
	case s >= math.MaxUint32:
		return math.MaxUint32 - 1
	}
	return uint32(s)
}

// TimeFromUTime decodes a UTIME counted on the wall clock of loc (UTC when
// nil). 0 and 0xFFFFFFFF, "leave unchanged" in SET_INFORMATION and CLOSE
// (MS-CIFS 2.2.4.5.1), give the zero Time.
func TimeFromUTime(u uint32, loc *time.Location) time.Time {
	if u == 0 || u == math.MaxUint32 {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	w := time.Unix(int64(u), 0).UTC()
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
}
