package vfs

import "github.com/tinysmbd/tinysmbd/smb"

// MaxOpenFiles is the most FIDs a table can hand out: 0 and 0xFFFF are
// never valid (0xFFFF means "no FID" in several requests).
const MaxOpenFiles = 0xFFFE

// OpenTable maps a connection's FIDs to open files (Server.Connection.
// FileOpenTable, MS-CIFS 3.3.1.3). FIDs are handed out round-robin, so a
// closed FID is reused as late as possible and a stale FID from a client
// is unlikely to hit a newer file. The zero value is ready to use with a
// limit of MaxOpenFiles.
//
// An OpenTable is not safe for concurrent use: the server serialises the
// requests of one connection.
type OpenTable struct {
	files map[uint16]*File
	last  uint16
	limit int
}

// NewOpenTable returns a table that holds at most limit files; a limit
// outside 1..MaxOpenFiles means MaxOpenFiles.
func NewOpenTable(limit int) *OpenTable {
	return &OpenTable{limit: limit}
}

func (t *OpenTable) max() int {
	if t.limit <= 0 || t.limit > MaxOpenFiles {
		return MaxOpenFiles
	}
	return t.limit
}

// Add stores f and returns its new FID, or StatusTooManyOpenedFiles when
// the table is full.
func (t *OpenTable) Add(f *File) (uint16, error) {
	if t.files == nil {
		t.files = make(map[uint16]*File)
	}
	if len(t.files) >= t.max() {
		return 0, smb.StatusTooManyOpenedFiles
	}
	// A free FID exists because fewer than MaxOpenFiles are in use.
	for {
		t.last++
		if t.last == 0 || t.last == 0xFFFF {
			t.last = 1
		}
		if _, used := t.files[t.last]; !used {
			break
		}
	}
	t.files[t.last] = f
	return t.last, nil
}

// Get returns the file with the given FID, or StatusInvalidHandle
// (MS-CIFS 3.3.5.7: an unknown FID is STATUS_INVALID_HANDLE, ERRDOS/ERRbadfid).
func (t *OpenTable) Get(fid uint16) (*File, error) {
	f, ok := t.files[fid]
	if !ok {
		return nil, smb.StatusInvalidHandle
	}
	return f, nil
}

// Remove takes the file with the given FID out of the table without
// closing it, or fails with StatusInvalidHandle.
func (t *OpenTable) Remove(fid uint16) (*File, error) {
	f, ok := t.files[fid]
	if !ok {
		return nil, smb.StatusInvalidHandle
	}
	delete(t.files, fid)
	return f, nil
}

// Len returns the number of open files.
func (t *OpenTable) Len() int { return len(t.files) }

// Range calls fn for each FID and file, in no particular order, until fn
// returns false. fn must not add or remove files.
func (t *OpenTable) Range(fn func(fid uint16, f *File) bool) {
	for fid, f := range t.files {
		if !fn(fid, f) {
			return
		}
	}
}

// CloseWhere removes and closes every file for which match returns true
// (a server closes a tree's files on TREE_DISCONNECT, a process's on
// PROCESS_EXIT) and returns the first Close error.
func (t *OpenTable) CloseWhere(match func(fid uint16, f *File) bool) error {
	var first error
	for fid, f := range t.files {
		if !match(fid, f) {
			continue
		}
		delete(t.files, fid)
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CloseAll closes every file, honouring delete-on-close, empties the table
// and returns the first Close error.
func (t *OpenTable) CloseAll() error {
	return t.CloseWhere(func(uint16, *File) bool { return true })
}
