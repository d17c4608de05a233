//go:build !tinysmbd_nocore

package server

import (
	"encoding/binary"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// The core protocol's file commands, which DOS, Windows 9x and OS/2
// redirectors use instead of the AndX and NT forms: OPEN, CREATE,
// CREATE_NEW, CREATE_TEMPORARY, READ, WRITE, SEEK, WRITE_AND_CLOSE,
// QUERY_INFORMATION2, SET_INFORMATION2, PROCESS_EXIT and the SEARCH/FIND
// family. Where MS-CIFS leaves a choice they answer as Samba 4.17 does.

// init adds the core commands to the dispatch table, with LOCK_AND_READ
// and WRITE_AND_UNLOCK (lockread.go), which the same build tag leaves out.
func init() {
	register(
		entry{smb.ComOpen, command{(*conn).coreOpen, needTree | needFileSlot}},
		entry{smb.ComCreate, command{(*conn).coreCreate, needTree | needFileSlot}},
		entry{smb.ComCreateNew, command{(*conn).coreCreate, needTree | needFileSlot}},
		entry{smb.ComCreateTemporary, command{(*conn).createTemporary, needTree | needFileSlot}},
		entry{smb.ComRead, command{(*conn).coreRead, needTree}},
		entry{smb.ComWrite, command{(*conn).coreWrite, needTree}},
		entry{smb.ComWriteAndClose, command{(*conn).writeAndClose, needTree}},
		entry{smb.ComSeek, command{(*conn).seek, needTree}},
		entry{smb.ComQueryInformation2, command{(*conn).queryInformation2, needTree}},
		entry{smb.ComSetInformation2, command{(*conn).setInformation2, needTree}},
		entry{smb.ComProcessExit, command{(*conn).processExit, needSession}},
		entry{smb.ComSearch, command{(*conn).searchDir, needTree}},
		entry{smb.ComFind, command{(*conn).searchDir, needTree}},
		entry{smb.ComFindUnique, command{(*conn).searchDir, needTree}},
		entry{smb.ComFindClose, command{(*conn).findClose, needTree}},
		entry{smb.ComLockAndRead, command{(*conn).lockAndRead, needTree}},
		entry{smb.ComWriteAndUnlock, command{(*conn).writeAndUnlock, needTree}},
	)
}

// CoreBuilt reports whether this binary has the core commands and the LAN
// Manager dialects; the tinysmbd_nocore build tag leaves them out.
const CoreBuilt = true

// lanmanDialects are the LAN Manager dialects tinysmbd speaks to a client
// that does not offer NT LM 0.12, best first, as Samba ranks them. The "DOS"
// names are what MS-DOS redirectors offer for the same dialects.
var lanmanDialects = [...]string{
	smb.DialectLANMAN21, smb.DialectLM12X002, "DOS LM1.2X002", "DOS LANMAN2.1",
	smb.DialectLANMAN10, "MICROSOFT NETWORKS 3.0",
}

// negotiateLANMAN answers a NEGOTIATE that offers no NT dialect with the
// best LAN Manager dialect offered (MS-CIFS 2.2.4.52.2, WordCount 13), and
// reports whether there was one. The logon that follows is the
// non-extended-security SESSION_SETUP_ANDX against the challenge sent
// here; user-level security with encrypted passwords, so clients send
// LMv2, or LM when Config.NTLMv1 allows it, never a plaintext password. No
// raw mode is offered.
func (c *conn) negotiateLANMAN(req *request, n smb.NegotiateRequest) bool {
	idx := -1
	var dialect string
	for _, d := range lanmanDialects {
		if idx = n.IndexOf(d); idx >= 0 {
			dialect = d
			break
		}
	}
	if idx < 0 {
		return false
	}
	c.extSec = false
	randRead(c.challenge[:])
	now := coreTime(time.Now())
	date, tm := vfs.DOSDateTime(now)
	_, offset := now.Zone()
	smb.NegotiateResponseLANMAN{
		DialectIndex:  uint16(idx),
		SecurityMode:  uint16(smb.NegotiateUserSecurity | smb.NegotiateEncryptPasswords),
		MaxBufferSize: maxBufferSize,
		MaxMpxCount:   uint16(c.srv.cfg.MaxMpxCount),
		MaxNumberVcs:  1,
		ServerTime:    tm,
		ServerDate:    date,
		// MS-CIFS 2.2.4.52.2: minutes west of UTC.
		ServerTimeZone: int16(-offset / 60),
		Challenge:      c.challenge[:],
	}.Encode(&req.resp)
	c.dialect = dialect
	c.log.Info("negotiated a LAN Manager dialect", "dialect", dialect)
	return true
}

// coreState is the connection's open SEARCH/FIND contexts. Its zero
// value is ready; the map is made on first use.
type coreState struct {
	// searches holds the contexts by the one-byte ID their resume keys
	// carry.
	searches   map[uint8]*coreSearch
	lastSearch uint8
	// clock orders searches by last use, for eviction.
	clock uint64
}

// coreTime is the wall clock the core commands' UTIMEs and DOS dates are
// counted on: the server's local time, as Windows and Samba send them.
func coreTime(t time.Time) time.Time { return t.In(time.Local) }

// coreSize is a size in the commands' 32-bit fields. Larger files report
// 0xFFFFFFFF rather than their size modulo 4 GiB, which would read as
// small.
func coreSize(n int64) uint32 { return uint32(min(max(n, 0), 0xFFFFFFFF)) }

// coreOpen opens an existing file (MS-CIFS 2.2.4.3): AccessMode is the
// access and sharing mode of OPEN_ANDX, the open function "open if it
// exists".
func (c *conn) coreOpen(req *request, b smb.Block) error {
	o, err := smb.ParseOpenRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	params, err := vfs.OpenAndXParams(smb.OpenFuncOpenIfExists, o.AccessMode(), 0)
	if err != nil {
		return statusOf(err)
	}
	params.Opener = c.opener(req)
	if c.waitOplock(b, share, req.path(o.FileName()), params.DesiredAccess, params.ShareAccess, vfs.OpenData) {
		return errNoReply
	}
	f, _, err := share.Create(req.path(o.FileName()), params)
	if err == smb.StatusFileIsADirectory {
		// Samba refuses a directory with access denied: the core
		// protocol has no directory handles.
		return smb.StatusAccessDenied
	}
	if err != nil {
		return statusOf(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return statusOf(err)
	}
	fid, err := c.addFile(req, f)
	if err != nil {
		return err
	}
	smb.OpenResponse{
		FID:            fid,
		FileAttributes: uint16(vfs.Attributes(fi)),
		LastModified:   vfs.UTime(coreTime(fi.ModTime())),
		FileSize:       coreSize(vfs.EndOfFile(fi)),
		AccessMode:     o.AccessMode(),
	}.Encode(&req.resp)
	return nil
}

// coreReadWrite is the access CREATE, CREATE_NEW and CREATE_TEMPORARY
// grant: Samba opens with FILE_GENERIC_READ | FILE_GENERIC_WRITE.
const coreReadWrite = vfs.AccessFileGenericRead | vfs.AccessFileGenericWrite

// coreCreate serves CREATE, which creates a file or truncates an existing
// one, and CREATE_NEW, which fails if the file exists (MS-CIFS 2.2.4.4,
// 2.2.4.16). A nonzero time in the request becomes the file's write time,
// as Samba sets it.
func (c *conn) coreCreate(req *request, b smb.Block) error {
	q, err := smb.ParseCreateRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	disp := vfs.FileOverwriteIf
	if b.Command == smb.ComCreateNew {
		disp = vfs.FileCreate
	}
	if c.waitOplock(b, share, req.path(q.FileName()), coreReadWrite, vfs.ShareRead|vfs.ShareWrite, openKind(disp)) {
		return errNoReply
	}
	f, _, err := share.Create(req.path(q.FileName()), vfs.CreateParams{
		DesiredAccess:     coreReadWrite,
		FileAttributes:    uint32(q.FileAttributes()),
		CreateDisposition: disp,
		CreateOptions:     vfs.FileNonDirectoryFile,
		ShareAccess:       vfs.ShareRead | vfs.ShareWrite,
	})
	if err != nil {
		return statusOf(err)
	}
	if t := q.CreationTime(); t != 0 && t != 0xFFFFFFFF {
		mtime := vfs.TimeFromUTime(t, time.Local)
		if err := f.SetTimes(time.Time{}, mtime); err != nil {
			f.Close()
			return statusOf(err)
		}
	}
	fid, err := c.addFile(req, f)
	if err != nil {
		return err
	}
	smb.EncodeCreateResponse(&req.resp, b.Command, fid)
	return nil
}

// createTemporary creates a file with a unique name in a directory and
// returns the name (MS-CIFS 2.2.4.15). The names are Samba's: "TMP" and
// five digits, which fit 8.3 for the DOS clients that use the command.
func (c *conn) createTemporary(req *request, b smb.Block) error {
	q, err := smb.ParseCreateTemporaryRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	dir := strings.TrimRight(req.path(q.DirectoryName()), `\/`)
	var f *vfs.File
	var name string
	for range 10 {
		name = "TMP" + strconv.Itoa(10000+mrand.IntN(90000))
		f, _, err = share.Create(dir+`\`+name, vfs.CreateParams{
			DesiredAccess:     coreReadWrite,
			FileAttributes:    uint32(q.FileAttributes()),
			CreateDisposition: vfs.FileCreate,
			CreateOptions:     vfs.FileNonDirectoryFile,
			ShareAccess:       vfs.ShareRead | vfs.ShareWrite,
		})
		if err != smb.StatusObjectNameCollision {
			break
		}
	}
	if err != nil {
		return statusOf(err)
	}
	fid, err := c.addFile(req, f)
	if err != nil {
		return err
	}
	smb.EncodeCreateTemporaryResponse(&req.resp, fid, name)
	return nil
}

// coreMaxBuf is the largest message the client takes: its MaxBufferSize,
// bounded by ours.
func (c *conn) coreMaxBuf() int {
	if c.clientMaxBuf < 1024 {
		return maxBufferSize
	}
	return min(c.clientMaxBuf, maxBufferSize)
}

// coreRead reads into the reply buffer (MS-CIFS 2.2.4.11). The count is cut
// to what fits the client's buffer, as Samba does, and a read at or past the
// end of the file returns no bytes and success.
func (c *conn) coreRead(req *request, b smb.Block) error {
	q, err := smb.ParseReadRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	n := min(int(q.CountOfBytesToRead()), c.coreMaxBuf()-smb.ReadResponseOverhead)
	off := int64(q.ReadOffsetInBytes())
	if err := c.checkIO(req, f, uint64(off), n, false); err != nil {
		return err
	}
	return c.coreReadReply(req, f, q.FID(), off, n, smb.BeginReadResponse)
}

// coreReadReply reads up to n bytes at off into the reply that begin
// starts (READ's or LOCK_AND_READ's layout) and records the FID's new
// position.
func (c *conn) coreReadReply(req *request, f *vfs.File, fid uint16, off int64, n int,
	begin func(*smb.Response, int) int) error {
	start := req.resp.Pos()
	begin(&req.resp, n)
	got, err := f.ReadAt(req.resp.Extend(n), off)
	if err != nil && got == 0 && !isEOF(err) {
		req.resp.Truncate(start)
		return statusOf(err)
	}
	req.resp.Truncate(req.resp.Pos() - (n - got))
	smb.SetReadDataLength(&req.resp, start, got)
	c.pos.readDone(fid, off, got)
	return nil
}

// coreWrite writes at an offset; a count of 0 sets the end of file to the
// offset instead, truncating or extending (MS-CIFS 2.2.4.12).
func (c *conn) coreWrite(req *request, b smb.Block) error {
	q, err := smb.ParseWriteRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	off := int64(q.WriteOffsetInBytes())
	n := 0
	if err := c.checkIO(req, f, uint64(off), len(q.Data()), true); err != nil {
		return err
	}
	if len(q.Data()) == 0 {
		err = f.Truncate(off)
	} else {
		n, err = f.WriteAt(q.Data(), off)
	}
	if err != nil {
		return statusOf(err)
	}
	c.pos.wroteDone(q.FID(), off, n)
	smb.EncodeWriteResponse(&req.resp, smb.ComWrite, uint16(n))
	return nil
}

// writeAndClose writes, sets the write time and closes the FID
// (MS-CIFS 2.2.4.40). As in Windows 2000 and Samba, a count of 0 writes
// nothing and leaves the file open (smbtorture's raw.write checks both),
// and a write that fails still closes the file, the write's error being
// the answer.
func (c *conn) writeAndClose(req *request, b smb.Block) error {
	q, err := smb.ParseWriteAndCloseRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	n := 0
	var werr error
	if len(q.Data()) > 0 {
		if werr = c.checkIO(req, f, uint64(q.WriteOffsetInBytes()), len(q.Data()), true); werr == nil {
			n, werr = f.WriteAt(q.Data(), int64(q.WriteOffsetInBytes()))
		}
	}
	if t := q.LastWriteTime(); werr == nil && t != 0 && t != 0xFFFFFFFF && !f.IsDir() {
		// Only the write time: smbtorture's raw.close checks that
		// closing with a time leaves the access time alone.
		werr = f.SetTimes(time.Time{}, vfs.TimeFromUTime(t, time.Local))
	}
	var cerr error
	if len(q.Data()) > 0 {
		c.files.Remove(q.FID())
		delete(c.fileOwners, q.FID())
		c.pos.forget(q.FID())
		cerr = f.Close()
	}
	if werr != nil {
		return statusOf(werr)
	}
	if cerr != nil {
		return statusOf(cerr)
	}
	smb.EncodeWriteResponse(&req.resp, smb.ComWriteAndClose, uint16(n))
	return nil
}

// seek moves a FID's position and reports it (MS-CIFS 2.2.4.19). The
// arithmetic is Samba's: the offset is signed, a position before the start
// of the file from the end becomes 0, an unknown mode counts from the start,
// and the reply carries the low 32 bits, so seeking to -1 reads 0xFFFFFFFF
// and 1000 past that reads 999.
func (c *conn) seek(req *request, b smb.Block) error {
	q, err := smb.ParseSeekRequest(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	p := c.pos.position(q.FID())
	off := int64(q.Offset())
	switch q.Mode() {
	case smb.SeekFromCurrent:
		p.pos += off
	case smb.SeekFromEnd:
		fi, err := f.Stat()
		if err != nil {
			return statusOf(err)
		}
		p.pos = max(vfs.EndOfFile(fi)+off, 0)
	default:
		p.pos = off
	}
	c.pos.setPosition(q.FID(), p)
	smb.EncodeSeekResponse(&req.resp, uint32(p.pos))
	return nil
}

// queryInformation2 reports a FID's times, sizes and attributes
// (MS-CIFS 2.2.4.31). A directory reports sizes of 0.
func (c *conn) queryInformation2(req *request, b smb.Block) error {
	q, err := smb.ParseQueryInformation2Request(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return statusOf(err)
	}
	t := vfs.FileTimes(fi)
	var r smb.QueryInformation2Response
	r.CreateDate, r.CreationTime = vfs.DOSDateTime(coreTime(t.Creation))
	r.LastAccessDate, r.LastAccess = vfs.DOSDateTime(coreTime(t.Access))
	r.LastWriteDate, r.LastWriteTime = vfs.DOSDateTime(coreTime(t.Write))
	if !fi.IsDir() {
		r.FileDataSize = coreSize(vfs.EndOfFile(fi))
		r.FileAllocationSize = coreSize(vfs.FileAllocationSize(fi))
	}
	r.FileAttributes = uint16(vfs.Attributes(fi))
	r.Encode(&req.resp)
	return nil
}

// setInformation2 sets a FID's access and write times (MS-CIFS 2.2.4.30);
// a zero date and time leaves that time alone. Unix keeps no creation time
// to set.
func (c *conn) setInformation2(req *request, b smb.Block) error {
	q, err := smb.ParseSetInformation2Request(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	f, err := c.file(req, q.FID())
	if err != nil {
		return err
	}
	atime := vfs.TimeFromDOSDateTime(q.LastAccessDate(), q.LastAccessTime(), time.Local)
	mtime := vfs.TimeFromDOSDateTime(q.LastWriteDate(), q.LastWriteTime(), time.Local)
	if !atime.IsZero() || !mtime.IsZero() {
		if err := f.SetTimes(atime, mtime); err != nil {
			return statusOf(err)
		}
	}
	smb.EncodeEmptyResponse(&req.resp, smb.ComSetInformation2)
	return nil
}

// processExit closes every file the process opened in the session
// (MS-CIFS 2.2.4.18): DOS redirectors send it when a program ends.
func (c *conn) processExit(req *request, b smb.Block) error {
	if err := smb.ParseProcessExitRequest(b); err != nil {
		return smb.StatusInvalidParameter
	}
	pid, uid := req.hdr.PID(), req.uid
	c.closeFilesWhere(func(o fileOwner) bool { return o.pid == pid && o.uid == uid })
	smb.EncodeEmptyResponse(&req.resp, smb.ComProcessExit)
	return nil
}

// coreSearch is an open SEARCH or FIND: a snapshot of the matching entries
// and how far the client has read. Resume keys name it by id and carry the
// index of the next entry, so a client may also go back.
type coreSearch struct {
	tree    *tree
	entries []vfs.Entry
	next    int
	// attrs are the request's SearchAttributes, "must have" byte
	// included; the resume keys carry the low five bits, as Samba's do.
	attrs uint16
	// mask is the pattern in the 11-byte FCB form (name and extension
	// padded with spaces) that the resume keys carry, as Samba's do.
	mask [11]byte
	used uint64
}

// maxCoreSearches bounds the open SEARCH/FIND contexts of a connection.
// SEARCH has no close, so DOS clients leave contexts behind; past the bound
// the least recently used one goes, as Samba's directory table does.
const maxCoreSearches = 64

// addSearch stores s under a fresh id, never 0. IDs go round all 255 values
// before one is reused, so a stale resume key rarely meets a new search.
func (st *coreState) addSearch(s *coreSearch) uint8 {
	if st.searches == nil {
		st.searches = make(map[uint8]*coreSearch)
	}
	if len(st.searches) >= maxCoreSearches {
		var oldest uint8
		for id, o := range st.searches {
			if oldest == 0 || o.used < st.searches[oldest].used {
				oldest = id
			}
		}
		delete(st.searches, oldest)
	}
	for {
		st.lastSearch++
		if _, used := st.searches[st.lastSearch]; st.lastSearch != 0 && !used {
			break
		}
	}
	st.searches[st.lastSearch] = s
	return st.lastSearch
}

// Resume key layout (the server part is the server's to define,
// MS-CIFS 2.2.4.58.1); it follows Samba's byte for byte.
const (
	keyAttrs = 0  // the search attributes (the Reserved byte)
	keyMask  = 1  // 11 bytes: the pattern in FCB form
	keyID    = 12 // the search's id
	keyIndex = 13 // 4 bytes: the index of the entry after this one
	keyOwn   = 17 // 4 bytes: the client's, echoed
)

// coreAttrsMatch reports whether an entry with attributes a answers a
// search with SearchAttributes attrs (MS-CIFS 2.2.1.2.4): hidden, system and
// directory entries only when the low byte admits them, and, when the high
// byte names "must have" attributes, only entries with one of them, which
// is how Samba reads the bits (smbtorture's base.dir2 lists directories
// alone with must-have DIRECTORY, files alone with must-have ARCHIVE).
func coreAttrsMatch(attrs uint16, a uint32) bool {
	const mustBits = vfs.AttrReadonly | vfs.AttrHidden | vfs.AttrSystem | vfs.AttrDirectory | vfs.AttrArchive
	must := uint32(attrs>>8) & mustBits
	return searchIncludes(attrs, a) && (must == 0 || a&must != 0)
}

// fcbMask writes pattern in the FCB form: up to 8 characters of the part
// before the first dot and up to 3 after it, each padded with spaces.
func fcbMask(pattern string) [11]byte {
	var m [11]byte
	for i := range m {
		m[i] = ' '
	}
	base, ext, _ := strings.Cut(pattern, ".")
	if !strings.Contains(pattern, ".") {
		base = pattern
		if len(base) > 11 {
			base = base[:11]
		}
		copy(m[:], base)
		return m
	}
	copy(m[:8], base[:min(len(base), 8)])
	copy(m[8:], ext[:min(len(ext), 3)])
	return m
}

// searchDir serves SEARCH, FIND and FIND_UNIQUE (MS-CIFS 3.3.5.47,
// 3.3.5.48). The entries are always OEM 8.3 names, so the reply clears
// FLAGS2_UNICODE and, like Samba, upper-cases the names for a client that
// does not set FLAGS2_LONG_NAMES (DOS, OS/2). Where MS-CIFS is silent the
// answers are Samba's: the end of a wildcard search is a reply with no
// entries, a search for one name that is not there is STATUS_NO_MORE_FILES,
// and a continuation whose search is gone is STATUS_NO_MORE_FILES.
func (c *conn) searchDir(req *request, b smb.Block) error {
	q, err := smb.ParseSearchRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	t, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	upper := req.hdr.Flags2()&smb.Flags2LongNames == 0
	var key [smb.ResumeKeyLen]byte
	var s *coreSearch
	var id uint8
	wild := true
	if rk := q.ResumeKey(); rk != nil {
		copy(key[:], rk)
		id = key[keyID]
		s = c.core.searches[id]
		if s == nil || s.tree != t {
			return smb.StatusNoMoreFiles
		}
		if i := int(binary.LittleEndian.Uint32(key[keyIndex:])); i <= len(s.entries) {
			s.next = i
		}
	} else {
		attrs := q.SearchAttributes()
		key[keyAttrs] = uint8(attrs & 0x1F)
		if uint32(attrs&0x1F) == vfs.AttrVolume {
			// MS-CIFS 3.3.5.47: the volume label alone; the
			// share's name stands for it, as in Samba.
			return c.volumeLabel(req, b.Command, t, key, upper)
		}
		dir, pattern, err := vfs.SplitPattern(req.path(q.FileName()))
		if err != nil {
			return statusOf(err)
		}
		all, err := share.List(dir, vfs.ConvertLegacyPattern(pattern))
		if err != nil {
			return statusOf(err)
		}
		entries := all[:0]
		for _, e := range all {
			if coreAttrsMatch(attrs, e.Attributes()) {
				entries = append(entries, e)
			}
		}
		wild = pattern == "" || vfs.HasWildcards(pattern)
		s = &coreSearch{tree: t, entries: entries, attrs: attrs, mask: fcbMask(pattern)}
		id = c.core.addSearch(s)
	}
	c.core.clock++
	s.used = c.core.clock

	room := (c.coreMaxBuf() - smb.SearchResponseOverhead) / smb.DirectoryEntryLen
	limit := min(int(q.MaxCount()), room)
	copy(key[keyMask:], s.mask[:])
	key[keyAttrs], key[keyID] = uint8(s.attrs&0x1F), id
	pos := smb.BeginSearchResponse(&req.resp, b.Command)
	n := 0
	for ; n < limit && s.next < len(s.entries); n++ {
		e := &s.entries[s.next]
		s.next++
		binary.LittleEndian.PutUint32(key[keyIndex:], uint32(s.next))
		// MS-CIFS 2.2.4.58.2: FileName is 8.3, so a long name is shown
		// as its short name, as Samba shows it; the client may open
		// the file by it.
		de := smb.DirectoryEntry{ResumeKey: key, FileAttributes: uint8(e.Attributes()), FileName: share.AltName(e.Name)}
		de.LastWriteDate, de.LastWriteTime = vfs.DOSDateTime(coreTime(e.Info.ModTime()))
		if !e.Info.IsDir() {
			de.FileSize = coreSize(vfs.EndOfFile(e.Info))
		}
		if upper {
			de.FileName = strings.ToUpper(de.FileName)
		}
		smb.AppendDirectoryEntry(&req.resp, &de)
	}
	if n == 0 || b.Command == smb.ComFindUnique {
		delete(c.core.searches, id)
	}
	if n == 0 && !wild {
		req.resp.Truncate(pos)
		return smb.StatusNoMoreFiles
	}
	smb.EndSearchResponse(&req.resp, pos, n)
	searchFlags2(req, upper)
	return nil
}

// searchFlags2 marks a successful SEARCH reply as Samba does: its names are
// never Unicode nor long, and a client that does not take long names is
// told none are in the reply. Error replies keep the usual flags.
func searchFlags2(req *request, upper bool) {
	h := req.resp.Header()
	flags2 := h.Flags2() &^ (smb.Flags2Unicode | smb.Flags2IsLongName)
	if upper {
		flags2 &^= smb.Flags2LongNames
	}
	h.SetFlags2(flags2)
}

// volumeLabel answers a search for the volume label with one entry, the
// share's name cut to the 12 characters the entry holds. The resume key
// names no search, so a continuation ends it.
func (c *conn) volumeLabel(req *request, cmd uint8, t *tree, key [smb.ResumeKeyLen]byte, upper bool) error {
	copy(key[keyMask:], "???????????")
	label := t.share.cfg.Name
	if upper {
		label = strings.ToUpper(label)
	}
	pos := smb.BeginSearchResponse(&req.resp, cmd)
	smb.AppendDirectoryEntry(&req.resp, &smb.DirectoryEntry{
		ResumeKey:      key,
		FileAttributes: uint8(vfs.AttrVolume),
		FileName:       label,
	})
	smb.EndSearchResponse(&req.resp, pos, 1)
	searchFlags2(req, upper)
	return nil
}

// findClose ends a FIND (MS-CIFS 3.3.5.49). Like Samba it succeeds whether
// or not the search is still open: a FIND that ran to its end has already
// been closed.
func (c *conn) findClose(req *request, b smb.Block) error {
	q, err := smb.ParseSearchRequest(b, req.unicode)
	if err != nil || q.ResumeKey() == nil {
		return smb.StatusInvalidParameter
	}
	id := q.ResumeKey()[keyID]
	if s := c.core.searches[id]; s != nil && s.tree == c.trees[req.tid] {
		delete(c.core.searches, id)
	}
	pos := smb.BeginSearchResponse(&req.resp, smb.ComFindClose)
	smb.EndSearchResponse(&req.resp, pos, 0)
	return nil
}
