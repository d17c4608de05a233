package server

import (
	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// search is an open FIND_FIRST2 search: a snapshot of the matching entries
// taken at FIND_FIRST2 and how far the client has read
// (MS-CIFS 3.3.5.58.1, 3.3.5.58.2).
type search struct {
	tid     uint16
	uid     uint16 // for MaxSearchesPerSession
	dir     string
	entries []vfs.Entry
	next    int
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
	all, err := share.List(dir, pattern)
	if err != nil {
		return statusOf(err)
	}
	entries := all[:0]
	for _, e := range all {
		if searchIncludes(p.SearchAttributes(), e.Attributes()) {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		// MS-CIFS 3.3.5.58.1: nothing matched.
		return smb.StatusNoSuchFile
	}
	s := &search{tid: tr.tid, uid: req.uid, dir: dir, entries: entries}
	f := smb.FindFormat{Level: p.InformationLevel(), Unicode: t.Unicode, ResumeKeys: p.Flags()&smb.FindReturnResumeKeys != 0}
	if err := findEANames(&f, t.Data); err != nil {
		return err
	}
	count, lastName := c.fillFind(s, f, p.SearchCount(), int(t.MaxDataCount), out)
	eos := s.next >= len(s.entries)
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
	}
	out.params = smb.AppendFindFirst2ResponseParams(out.params, sid, count, eos, lastName)
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
	if p.Flags()&smb.FindContinueFromLast == 0 {
		if name := req.path(p.FileName()); name != "" {
			for i, e := range s.entries {
				if e.Name == name {
					s.next = i + 1
					break
				}
			}
		}
	}
	f := smb.FindFormat{Level: p.InformationLevel(), Unicode: t.Unicode, ResumeKeys: p.Flags()&smb.FindReturnResumeKeys != 0}
	if err := findEANames(&f, t.Data); err != nil {
		return err
	}
	count, lastName := c.fillFind(s, f, p.SearchCount(), int(t.MaxDataCount), out)
	eos := s.next >= len(s.entries)
	if p.Flags()&smb.FindCloseAfterRequest != 0 || (eos && p.Flags()&smb.FindCloseAtEOS != 0) {
		delete(c.searches, p.SID())
	}
	out.params = smb.AppendFindNext2ResponseParams(out.params, count, eos, lastName)
	return nil
}

// fillFind appends up to max entries from s to out.data, stopping before the
// client's MaxDataCount would be passed, and returns how many it wrote and
// LastNameOffset.
func (c *conn) fillFind(s *search, f smb.FindFormat, maxCount uint16, maxData int, out *transOut) (count uint16, lastName uint16) {
	if maxCount == 0 {
		maxCount = 1
	}
	prev := -1
	for s.next < len(s.entries) && count < maxCount {
		e := s.entries[s.next]
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
				s.next++
				continue
			}
			break
		}
		var entry int
		var err error
		out.data, entry, err = smb.AppendFindEntry(out.data, f, &fi, uint32(s.next+1), prev)
		if err != nil {
			s.next++
			continue
		}
		lastName = uint16(smb.FindEntryNameOffsetFor(f, entry, &fi))
		prev = entry
		s.next++
		count++
	}
	return count, lastName
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
