package vfs

import (
	"strings"
	"sync"

	"github.com/tinysmbd/tinysmbd/smb"
)

// EA is one extended attribute: Name as Windows stores it (upper case),
// Value at most 65535 bytes. Flags carries FILE_NEED_EA (0x80).
type EA struct {
	Flags uint8
	Name  string
	Value []byte
}

// DefaultMaxEABytes bounds the memory one Share's EA store may hold (names,
// values and a fixed overhead per EA): an afero.Fs has no extended
// attributes, so EAs live in memory beside it, as DOS attributes do
// (dosattr.go). A set that would pass it is StatusInsuffServerResources.
const DefaultMaxEABytes = 1 << 20

// maxFileEAs is the largest SMB_FEA_LIST one file's EAs may make: NTFS
// caps a file's EAs at 64 KiB, and a larger list could not be returned in
// SMB1's 16-bit value lengths anyway. Beyond it a set is StatusEATooLarge.
const maxFileEAs = 65535

// eaOverhead is what one stored EA is charged beyond its name and value.
const eaOverhead = 48

// eaStore keeps the EAs of files and directories by their path in the Fs.
// Entries follow renames and go with the file, as dosAttrs do.
type eaStore struct {
	mu    sync.Mutex
	m     map[string][]EA
	bytes int
}

func eaCost(e []EA) int {
	n := 0
	for _, a := range e {
		n += eaOverhead + len(a.Name) + len(a.Value)
	}
	return n
}

// ValidEAName checks an EA name as Windows does (MS-FSCC 2.4.15, and the
// characters smbtorture raw.eas finds refused): 1 to 255 bytes, no control
// characters and none of "*+,/:;<=>?[\]|. A bad name is
// StatusInvalidEAName.
func ValidEAName(name []byte) error {
	if len(name) == 0 || len(name) > 255 {
		return smb.StatusInvalidEAName
	}
	for _, c := range name {
		if c < 0x20 || strings.IndexByte(`"*+,/:;<=>?[\]|`, c) >= 0 {
			return smb.StatusInvalidEAName
		}
	}
	return nil
}

// EAName returns name as stored: ASCII upper-cased, as Windows keeps EA
// names; other bytes (OEM code page) are left alone.
func EAName(name []byte) string {
	b := make([]byte, len(name))
	for i, c := range name {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}

// FEAListSize is the SMB_FEA_LIST size of eas (SizeOfListInBytes), the
// EaSize the info levels report; 0 for none.
func FEAListSize(eas []EA) uint32 {
	if len(eas) == 0 {
		return 0
	}
	n := 4
	for _, e := range eas {
		n += 5 + len(e.Name) + len(e.Value)
	}
	return uint32(n)
}

// get returns a copy of p's EAs.
func (s *eaStore) get(p string) []EA {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m[p]) == 0 {
		return nil
	}
	return append([]EA(nil), s.m[p]...)
}

// set applies eas to p: an empty value deletes that EA, others are added
// or replaced. Nothing changes when the result would pass a bound.
func (s *eaStore) set(p string, eas []EA, limit int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := append([]EA(nil), s.m[p]...)
	for _, e := range eas {
		i := 0
		for i < len(cur) && cur[i].Name != e.Name {
			i++
		}
		switch {
		case len(e.Value) == 0 && i < len(cur):
			cur = append(cur[:i], cur[i+1:]...)
		case len(e.Value) == 0:
		case i < len(cur):
			cur[i] = EA{Flags: e.Flags, Name: e.Name, Value: append([]byte(nil), e.Value...)}
		default:
			cur = append(cur, EA{Flags: e.Flags, Name: e.Name, Value: append([]byte(nil), e.Value...)})
		}
	}
	if FEAListSize(cur) > maxFileEAs {
		return smb.StatusEATooLarge
	}
	old, now := eaCost(s.m[p]), eaCost(cur)
	if s.bytes-old+now > limit {
		return smb.StatusInsuffServerResources
	}
	s.bytes += now - old
	if len(cur) == 0 {
		delete(s.m, p)
		return nil
	}
	if s.m == nil {
		s.m = make(map[string][]EA)
	}
	s.m[p] = cur
	return nil
}

// removed forgets p and everything under it.
func (s *eaStore) removed(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) == 0 {
		return
	}
	prefix := under(p)
	for k, v := range s.m {
		if k == p || strings.HasPrefix(k, prefix) {
			s.bytes -= eaCost(v)
			delete(s.m, k)
		}
	}
}

// renamed moves the EAs of oldPath and what is under it to newPath; what
// newPath replaced is forgotten first.
func (s *eaStore) renamed(oldPath, newPath string) {
	s.mu.Lock()
	if len(s.m) == 0 {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.removed(newPath)
	s.mu.Lock()
	defer s.mu.Unlock()
	oldPrefix, newPrefix := under(oldPath), under(newPath)
	moved := make(map[string][]EA)
	for k, v := range s.m {
		switch {
		case k == oldPath:
			moved[newPath] = v
		case strings.HasPrefix(k, oldPrefix):
			moved[newPrefix+k[len(oldPrefix):]] = v
		default:
			continue
		}
		delete(s.m, k)
	}
	for k, v := range moved {
		s.m[k] = v
	}
}

// EAs returns the EAs of the file or directory at actual, a path as
// Resolve returns it, in the order they were first set.
func (s *Share) EAs(actual string) []EA { return s.eas.get(actual) }

// EASize is FEAListSize of the EAs at actual.
func (s *Share) EASize(actual string) uint32 {
	s.eas.mu.Lock()
	defer s.eas.mu.Unlock()
	return FEAListSize(s.eas.m[actual])
}

// EAs returns the open file's EAs.
func (f *File) EAs() []EA { return f.share.eas.get(f.Path()) }

// SetEAs adds, replaces and (with an empty value) deletes EAs of the open
// file. Names must have passed ValidEAName and EAName. The handle needs
// FILE_WRITE_EA (StatusAccessDenied); a read-only share refuses
// (StatusMediaWriteProtected); past the bounds nothing changes
// (StatusEATooLarge, StatusInsuffServerResources).
func (f *File) SetEAs(eas []EA) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := f.share.mutable(); err != nil {
		return err
	}
	if f.access&(AccessWriteEA|AccessWriteAttributes) == 0 {
		return smb.StatusAccessDenied
	}
	return f.share.eas.set(f.Path(), eas, f.share.maxEABytes())
}

func (s *Share) maxEABytes() int {
	if s.MaxEABytes > 0 {
		return s.MaxEABytes
	}
	return DefaultMaxEABytes
}

// createdEAs stores the EAs a create asked for. The file exists by now;
// EAs that would pass a bound are dropped rather than fail the create.
func (s *Share) createdEAs(actual string, eas []EA) {
	if len(eas) > 0 {
		s.eas.set(actual, eas, s.maxEABytes())
	}
}

// EAsOf returns the EAs of the file at smbPath, an SMB path as a client
// spells it. A share where no EA is stored answers without a lookup, so a
// FIND over a share without EAs costs nothing per entry.
func (s *Share) EAsOf(smbPath string) []EA {
	s.eas.mu.Lock()
	empty := len(s.eas.m) == 0
	s.eas.mu.Unlock()
	if empty {
		return nil
	}
	actual, _, err := s.lookup(smbPath)
	if err != nil {
		return nil
	}
	return s.eas.get(actual)
}
