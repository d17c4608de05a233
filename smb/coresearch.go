package smb

// The core protocol's directory search: SMB_COM_SEARCH, SMB_COM_FIND,
// SMB_COM_FIND_UNIQUE and SMB_COM_FIND_CLOSE share one request format and
// answer with 43-byte SMB_Directory_Information entries, each carrying the
// 21-byte resume key the client hands back to continue (MS-CIFS 2.2.4.58 -
// 2.2.4.61).

// ResumeKeyLen is the size of an SMB_Resume_Key (MS-CIFS 2.2.4.58.1).
const ResumeKeyLen = 21

// DirectoryEntryLen is the size of an SMB_Directory_Information
// (MS-CIFS 2.2.4.58.2).
const DirectoryEntryLen = 43

// SearchResponseOverhead is what a SEARCH response adds to its entries:
// the header, WordCount, Count, ByteCount, buffer format and DataLength.
// A response with n entries is SearchResponseOverhead + 43n bytes.
const SearchResponseOverhead = HeaderLen + 1 + 2 + 2 + 3

// bufferFormatVariable introduces a variable block with a 16-bit length
// (MS-CIFS 2.2.2.2: 0x05).
const bufferFormatVariable = 0x05

var (
	errSearchFormat = parseError("smb: SEARCH resume key without buffer format 0x05")
	errResumeKeyLen = parseError("smb: SEARCH ResumeKeyLength is neither 0 nor 21")
)

// SearchRequest is a view of a SEARCH, FIND, FIND_UNIQUE or FIND_CLOSE
// request (MS-CIFS 2.2.4.58.1, 2.2.4.59.1, 2.2.4.60.1, 2.2.4.61.1;
// WordCount 2). FileName and ResumeKey alias the request buffer.
type SearchRequest struct {
	w    []byte
	name []byte
	key  []byte
}

// ParseSearchRequest validates b as any of the four commands; unicode is
// the header's Flags2Unicode. The data block is an SMB_STRING FileName,
// buffer format 0x05, ResumeKeyLength and a resume key of that many bytes,
// which MS-CIFS 2.2.4.58.1 allows to be 0 (a new search) or 21 (a
// continuation) only.
func ParseSearchRequest(b Block, unicode bool) (SearchRequest, error) {
	if err := wantWords(b, 2); err != nil {
		return SearchRequest{}, err
	}
	name, off, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return SearchRequest{}, err
	}
	end := dataEnd(b)
	if off+3 > end || b.Msg[off] != bufferFormatVariable {
		return SearchRequest{}, errSearchFormat
	}
	n := int(rd16(b.Msg, off+1))
	off += 3
	if n != 0 && n != ResumeKeyLen || off+n > end {
		return SearchRequest{}, errResumeKeyLen
	}
	s := SearchRequest{w: b.Words, name: name}
	if n > 0 {
		s.key = b.Msg[off : off+n]
	}
	return s, nil
}

// MaxCount is the most entries the client wants in this response.
func (s SearchRequest) MaxCount() uint16 { return rd16(s.w, 0) }

// SearchAttributes is the SMB_FILE_ATTRIBUTES mask of the search
// (MS-CIFS 2.2.1.2.4): hidden, system and directory entries are included
// only when asked for; volume (0x08) asks for the volume label alone.
func (s SearchRequest) SearchAttributes() uint16 { return rd16(s.w, 2) }

// FileName is the raw search pattern, without terminator; empty in a
// continuation.
func (s SearchRequest) FileName() []byte { return s.name }

// ResumeKey is nil in a new search and the 21-byte key of the last entry
// the client saw in a continuation (and in FIND_CLOSE).
func (s SearchRequest) ResumeKey() ResumeKey { return ResumeKey(s.key) }

// ResumeKey is a view of an SMB_Resume_Key (MS-CIFS 2.2.4.58.1): a reserved
// byte, 16 bytes of server state and 4 bytes the client owns. Only its
// length is fixed by the protocol; the server defines what ServerState
// means.
type ResumeKey []byte

func (k ResumeKey) Reserved() byte { return k[0] }

// ServerState is what the server stored to find its place again.
func (k ResumeKey) ServerState() []byte { return k[1:17] }

// ClientState is echoed unchanged in the entries the server returns.
func (k ResumeKey) ClientState() []byte { return k[17:21] }

// DirectoryEntry is one SMB_Directory_Information (MS-CIFS 2.2.4.58.2),
// fields in wire order.
type DirectoryEntry struct {
	ResumeKey [ResumeKeyLen]byte
	// FileAttributes is the low byte of the SMB_FILE_ATTRIBUTES.
	FileAttributes uint8
	// LastWriteTime and LastWriteDate are an SMB_TIME and an SMB_DATE,
	// the time first.
	LastWriteTime uint16
	LastWriteDate uint16
	// FileSize is the low 32 bits of the size.
	FileSize uint32
	// FileName is an 8.3 name. It goes on the wire as OEM bytes, cut to 12
	// and null-padded to 13: the field is fixed-size and never Unicode.
	FileName string
}

// BeginSearchResponse appends the start of a SEARCH, FIND or FIND_UNIQUE
// response (MS-CIFS 2.2.4.58.2, WordCount 1), or of the FIND_CLOSE
// response (2.2.4.61.2), which is the same with no entries, and returns its
// position for EndSearchResponse. The entries follow with
// AppendDirectoryEntry.
func BeginSearchResponse(r *Response, cmd uint8) (pos int) {
	pos = r.Pos()
	r.BeginWords(cmd)
	r.U16(0) // Count, set by EndSearchResponse
	r.BeginData()
	r.U8(bufferFormatVariable)
	r.U16(0) // DataLength
	return pos
}

// AppendDirectoryEntry appends one 43-byte entry.
func AppendDirectoryEntry(r *Response, e *DirectoryEntry) {
	r.Append(e.ResumeKey[:])
	r.U8(e.FileAttributes)
	r.U16(e.LastWriteTime)
	r.U16(e.LastWriteDate)
	r.U32(e.FileSize)
	name := r.Extend(13)
	clear(name)
	n := 0
	for _, c := range e.FileName {
		if n == 12 {
			break
		}
		if c > 0xFF {
			c = '?'
		}
		name[n] = byte(c)
		n++
	}
}

// EndSearchResponse sets Count, DataLength and ByteCount of the response
// begun at pos now that count entries follow it.
func EndSearchResponse(r *Response, pos, count int) {
	// WordCount, Count at 1, ByteCount at 3, buffer format at 5,
	// DataLength at 6.
	r.PutU16At(pos+1, uint16(count))
	r.PutU16At(pos+3, uint16(3+count*DirectoryEntryLen))
	r.PutU16At(pos+6, uint16(count*DirectoryEntryLen))
}
