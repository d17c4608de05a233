package server

import (
	"sort"
	"strings"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// search is an open FIND_FIRST2 search (MS-CIFS 3.3.5.58.1, 3.3.5.58.2).
// It keeps the sorted names of the directory it read (a vfs.Listing, the
// entries stat'ed only as a response reaches them) and a cursor into
// them, so that a FIND_NEXT2 costs the entries it returns, not the
// directory. Files created, deleted or given other attributes since
// FIND_FIRST2 still show as they are now, as in Windows and Samba
// (smbtorture raw.search "modify search"): an entry is stat'ed when
// returned, one deleted is left out, and the names are read again when
// the directory's stat record says its entries changed
// (vfs.Listing.Unchanged).
type search struct {
	tid     uint16
	uid     uint16 // for MaxSearchesPerSession
	dir     string
	pattern string
	attrs   uint16 // SearchAttributes
	last    string // the name of the last entry returned
	// list and pos are the names the search answers from and the index
	// of the next one; list is nil between requests when the names were
	// too many to keep (maxSnapshotNames). peeked is the entry read
	// ahead within a request.
	list   *vfs.Listing
	pos    int
	peeked *vfs.Entry
	ahead  vfs.Entry
}

// maxSnapshotNames bounds the names the searches of one connection keep
// between requests (about 32 bytes each, so 4 MiB): a search whose names
// do not fit reads the directory again for each FIND_NEXT2.
const maxSnapshotNames = 1 << 17

// peek returns the next entry the search's attributes admit, without
// consuming it.
func (s *search) peek() (*vfs.Entry, bool) {
	if s.peeked != nil {
		return s.peeked, true
	}
	for s.pos < len(s.list.Names) {
		e, ok := s.list.Entry(s.pos)
		if ok && searchIncludes(s.attrs, e.Attributes()) {
			s.ahead = e
			s.peeked = &s.ahead
			return s.peeked, true
		}
		s.pos++
	}
	return nil, false
}

// skip consumes the entry peek returned.
func (s *search) skip() {
	s.peeked = nil
	s.pos++
}

// done ends a request: whether the search reached its end. The cursor
// stays on the first entry not returned.
func (s *search) done() (eos bool) {
	_, more := s.peek()
	s.peeked, s.ahead = nil, vfs.Entry{}
	s.list.Release()
	return !more
}

// keepNames decides whether s may keep its names until the next request,
// within maxSnapshotNames over the connection's searches, and drops them
// if not.
func (c *conn) keepNames(s *search) {
	held := len(s.list.Names)
	for _, o := range c.searches {
		if o != s && o.list != nil {
			held += len(o.list.Names)
		}
	}
	if held > maxSnapshotNames {
		s.list = nil
	}
}

// pendingTrans is a transaction waiting for its secondaries.
type pendingTrans struct {
	r smb.Reassembly
	// declared is TotalParameterCount + TotalDataCount of the primary:
	// what the reassembly holds, counted against MaxTransactionSize.
	declared int
}

// maxSearches bounds the open searches of one connection.
const maxSearches = 1024

func (c *conn) allocSearchID() (uint16, bool) {
	if len(c.searches) >= maxSearches {
		return 0, false
	}
	for {
		c.nextSearchID++
		if c.nextSearchID == 0 || c.nextSearchID == 0xFFFF {
			c.nextSearchID = 1
		}
		if _, used := c.searches[c.nextSearchID]; !used {
			return c.nextSearchID, true
		}
	}
}

// Search attribute bits (MS-CIFS 2.2.1.2.4): hidden, system and directory
// entries are returned only when the client's SearchAttributes include
// them; normal files always are.
const (
	attrHidden    = 0x02
	attrSystem    = 0x04
	attrDirectory = 0x10
)

func searchIncludes(searchAttrs uint16, attrs uint32) bool {
	excluded := uint32(^searchAttrs) & (attrHidden | attrSystem | attrDirectory)
	return attrs&excluded == 0
}

// findFirst2 starts a search (MS-CIFS 3.3.5.58.1).
func (c *conn) findFirst2(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseFindFirst2Params(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	if err := smb.CheckFindLevel(p.InformationLevel()); err != nil {
		return err
	}
	tr, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	dir, pattern, err := vfs.SplitPattern(req.path(p.FileName()))
	if err != nil {
		return statusOf(err)
	}
	list, err := share.ListNames(dir, pattern)
	if err != nil {
		return statusOf(err)
	}
	s := &search{tid: tr.tid, uid: req.uid, dir: dir, pattern: pattern, attrs: p.SearchAttributes(), list: list}
	if _, ok := s.peek(); !ok {
		// MS-CIFS 3.3.5.58.1: nothing matched.
		return smb.StatusNoSuchFile
	}
	f := smb.FindFormat{Level: p.InformationLevel(), Unicode: t.Unicode, ResumeKeys: p.Flags()&smb.FindReturnResumeKeys != 0}
	if err := findEANames(&f, t.Data); err != nil {
		return err
	}
	count, lastEntry := c.fillFind(s, f, p.SearchCount(), int(t.MaxDataCount), out)
	eos := s.done()
	sid := uint16(0)
	keep := p.Flags()&smb.FindCloseAfterRequest == 0 && !(eos && p.Flags()&smb.FindCloseAtEOS != 0)
	if keep {
		if c.sessionSearchesAtLimit(req.uid) {
			// As Samba's dptr_create: ERRDOS/ERRnofids.
			return smb.StatusTooManyOpenedFiles
		}
		id, ok := c.allocSearchID()
		if !ok {
			return smb.StatusInsufficientResources
		}
		sid = id
		c.searches[sid] = s
		c.keepNames(s)
	}
	out.params = smb.AppendFindFirst2ResponseParams(out.params, sid, count, eos, lastEntry)
	return nil
}

// findNext2 continues a search (MS-CIFS 3.3.5.58.2). A client that does not
// set CONTINUE_FROM_LAST names where to resume with a file name; the search
// goes on after that name.
func (c *conn) findNext2(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseFindNext2Params(t.Params, t.Unicode)
	if err != nil {
		return err
	}
	if err := smb.CheckFindLevel(p.InformationLevel()); err != nil {
		return err
	}
	s := c.searches[p.SID()]
	if s == nil || s.tid != req.tid {
		return smb.StatusInvalidHandle
	}
	_, share, err := c.diskTree(req)
	if err != nil {
		return err
	}
	// MS-CIFS 2.2.6.3.1: without FIND_CONTINUE_FROM_LAST the search
	// resumes after the FileName of the request, else after the last
	// entry returned.
	resume := s.last
	if p.Flags()&smb.FindContinueFromLast == 0 {
		if name := req.path(p.FileName()); name != "" {
			resume = name
		}
	}
	switch {
	case s.list == nil || !s.list.Unchanged():
		list, err := share.ListNames(s.dir, s.pattern)
		if err != nil {
			s.list = nil
			return statusOf(err)
		}
		s.list, s.pos = list, resumeIndex(list.Names, resume)
	case resume != s.last || s.last == "":
		s.pos = resumeIndex(s.list.Names, resume)
	}
	// Else the cursor is where the previous request stopped.
	f := smb.FindFormat{Level: p.InformationLevel(), Unicode: t.Unicode, ResumeKeys: p.Flags()&smb.FindReturnResumeKeys != 0}
	if err := findEANames(&f, t.Data); err != nil {
		return err
	}
	count, lastEntry := c.fillFind(s, f, p.SearchCount(), int(t.MaxDataCount), out)
	eos := s.done()
	if p.Flags()&smb.FindCloseAfterRequest != 0 || (eos && p.Flags()&smb.FindCloseAtEOS != 0) {
		delete(c.searches, p.SID())
	} else {
		c.keepNames(s)
	}
	out.params = smb.AppendFindNext2ResponseParams(out.params, count, eos, lastEntry)
	return nil
}

// resumeIndex is where a listing (List's order: "." and "..", then names
// in byte order) goes on after the entry named name: right after it when
// it is there, in any case; else, the name having gone since it was
// returned, at the first name after it in byte order, past the dot
// entries. The names being sorted, an exact name is found by binary
// search; only a name not there as spelled is compared with every one.
func resumeIndex(names []string, name string) int {
	dots := 0
	for dots < len(names) && (names[dots] == "." || names[dots] == "..") {
		if names[dots] == name {
			return dots + 1
		}
		dots++
	}
	if name == "." || name == ".." {
		return dots
	}
	i := dots + sort.SearchStrings(names[dots:], name)
	if i < len(names) && names[i] == name {
		return i + 1
	}
	for j, n := range names {
		if strings.EqualFold(n, name) {
			return j + 1
		}
	}
	return i
}

// fillFind appends up to max entries from s to out.data, stopping before the
// client's MaxDataCount would be passed, and returns how many it wrote and
// LastNameOffset. MS-CIFS 2.2.6.2.2 calls that the offset of the last
// entry's file name, but Windows NT and Samba give the offset of the last
// entry itself (its ResumeKey when the LANMAN levels carry one), and
// clients that resume from it, Linux's cifs among them, read the entry's
// fixed part there.
func (c *conn) fillFind(s *search, f smb.FindFormat, maxCount uint16, maxData int, out *transOut) (count uint16, lastEntry uint16) {
	if maxCount == 0 {
		maxCount = 1
	}
	prev := -1
	for count < maxCount {
		e, ok := s.peek()
		if !ok {
			break
		}
		fi := fileInfo(e.Info, e.Name, s.dir+"/"+e.Name)
		if f.Level == smb.LevelFindFileBothDirectoryInfo || f.Level == smb.LevelFindFileIDBothDirectoryInfo {
			fi.ShortName = vfs.ShortName(e.Name)
		}
		if t := c.trees[s.tid]; t != nil && t.share != nil {
			findEAs(t.share.fs, &f, &fi, s.dir+"/"+e.Name)
		}
		if n := smb.FindEntryLen(f, len(out.data), &fi); n == 0 || len(out.data)+n > maxData {
			if n == 0 {
				// A name this level cannot carry: skip it rather than
				// stall the search.
				s.skip()
				continue
			}
			break
		}
		var entry int
		var err error
		out.data, entry, err = smb.AppendFindEntry(out.data, f, &fi, uint32(s.pos+1), prev)
		if err != nil {
			s.skip()
			continue
		}
		lastEntry = uint16(entry)
		s.last = e.Name
		prev = entry
		s.skip()
		count++
	}
	return count, lastEntry
}

// findClose2 ends a search (MS-CIFS 3.3.5.60).
func (c *conn) findClose2(req *request, b smb.Block) error {
	q, err := smb.ParseFindClose2(b)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if _, ok := c.searches[q.SearchHandle()]; !ok {
		return smb.StatusInvalidHandle
	}
	delete(c.searches, q.SearchHandle())
	smb.EncodeEmptyResponse(&req.resp, smb.ComFindClose2)
	return nil
}
